// Incident forms: a child ticked in the search results moves to the chosen list, so a new search
// does not drop it.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches("#child-results input[name=children]") || !box.checked) return;
  var chosen = document.getElementById("chosen-children");
  if (chosen.querySelector('input[value="' + box.value + '"]')) { box.closest(".form-check").remove(); return; }
  chosen.appendChild(box.closest(".form-check"));
});
document.addEventListener("keydown", function (event) {
  if (event.key === "Enter" && event.target.id === "child-search") event.preventDefault();
});
