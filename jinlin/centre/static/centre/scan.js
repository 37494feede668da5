// The check-in page on a staff phone: where the browser offers BarcodeDetector and a camera,
// a button scans the participant's QR code and submits it; otherwise staff type the code.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var form = document.getElementById("check-in-form");
    if (!form) return;
    var input = form.querySelector("input[name=code]");
    var button = form.querySelector("[data-scan]");
    var video = form.querySelector("[data-scan-view]");
    if (input) input.focus();
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !button || !video) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        var tick = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (t) { t.stop(); });
              input.value = codes[0].rawValue;
              form.submit();
            } else {
              window.requestAnimationFrame(tick);
            }
          }).catch(function () { window.requestAnimationFrame(tick); });
        };
        tick();
      }).catch(function () { button.hidden = true; });
    });
  });
})();
