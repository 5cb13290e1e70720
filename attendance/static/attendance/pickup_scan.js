// The duty console's pickup code (接送码): scan the QR code on the adult's phone with the tablet's
// camera (getUserMedia), decode frames with the vendored jsQR, put the six digits in the code field
// and submit it (the next page is a confirm: nothing is recorded by a scan). Without a camera, or
// without this script, the field is typed. jsQR (250 kB) loads only when the camera opens.
(function () {
  "use strict";
  var CODE = /^[0-9]{6}$/;

  function loadJsQR(src) {
    if (window.jsQR) {
      return Promise.resolve(window.jsQR);
    }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () { return window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR")); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function setup(form) {
    var button = form.querySelector("[data-qr-scan]");
    var input = form.querySelector("input[name=code]");
    var video = form.querySelector("video");
    var status = form.querySelector("[data-qr-status]");
    if (!button || !input || !video || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return; // no camera API: the button stays hidden, the code is typed
    }
    var label = button.textContent;
    var stream = null;
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    button.hidden = false;

    function say(text) { status.textContent = text || ""; }

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
      }
      stream = null;
      video.srcObject = null;
      video.hidden = true;
      button.textContent = label;
    }

    function tick(jsQR) {
      if (!stream) {
        return;
      }
      if (video.readyState >= 2 && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var frame = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" });
        if (found) {
          var text = (found.data || "").trim();
          if (CODE.test(text)) {
            input.value = text;
            stop();
            say("");
            if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
            return;
          }
          say(button.getAttribute("data-not-code"));
        }
      }
      window.requestAnimationFrame(function () { tick(jsQR); });
    }

    button.addEventListener("click", function () {
      if (stream) {
        stop();
        say("");
        return;
      }
      loadJsQR(button.getAttribute("data-jsqr")).then(function (jsQR) {
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
          .then(function (s) {
            stream = s;
            video.srcObject = s;
            video.hidden = false;
            button.textContent = button.getAttribute("data-stop");
            say(button.getAttribute("data-scanning"));
            return video.play().then(function () { tick(jsQR); });
          });
      }).catch(function () {
        stop();
        say(button.getAttribute("data-no-camera"));
        input.focus();
      });
    });
    window.addEventListener("pagehide", stop);
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-pickup-code]"), setup);
})();
