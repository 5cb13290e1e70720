// Timetable filters: choosing a teacher or a venue opens that timetable (no inline script: CSP).
document.querySelectorAll("select[data-nav-prefix]").forEach(function (select) {
  select.addEventListener("change", function () {
    if (select.value) {
      window.location = select.dataset.navPrefix + select.value + "/" + select.dataset.navSuffix;
    }
  });
});
