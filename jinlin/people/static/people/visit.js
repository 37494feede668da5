/* The visit form on a phone: add the position (if the phone allows it) as the visit's point,
 * and show the 反诈 question only for anti-fraud visits. */
(function () {
  "use strict";

  function setup() {
    var form = document.querySelector("[data-visit-form]");
    if (!form) return;
    var kind = form.querySelector("select[name=kind]");
    var fraud = form.querySelector("[data-anti-fraud]");
    function toggle() { fraud.hidden = kind.value !== "反诈"; }
    kind.addEventListener("change", toggle);
    toggle();
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.querySelector("[data-lat]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[data-lng]").value = pos.coords.longitude.toFixed(6);
        var status = form.querySelector("[data-point-status]");
        if (status) status.dataset.located = "1";
      }, function () {}, { timeout: 5000, maximumAge: 60000 });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
