// The guardian's pickup code page: forward an authorised person's code. "Share" opens the phone's
// share sheet (navigator.share) where there is one; "Copy the text" puts it on the clipboard;
// without either (or without this script) the text box can be selected and copied by hand.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-share-box]"), function (box) {
    var area = box.querySelector("[data-share-text]");
    var share = box.querySelector("[data-share]");
    var copy = box.querySelector("[data-copy]");
    var status = box.querySelector("[data-share-status]");
    if (share && navigator.share) {
      share.hidden = false;
      share.addEventListener("click", function () {
        navigator.share({ text: area.value }).catch(function () { /* closed by the person */ });
      });
    }
    if (copy && navigator.clipboard && window.isSecureContext) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(area.value).then(function () {
          status.textContent = copy.getAttribute("data-copied");
        }, function () {
          area.select();
        });
      });
    }
    area.addEventListener("focus", function () { area.select(); });
  });
})();
