/* Jinlin 近邻 — shared page behaviour.
 *
 * The CSP allows no inline script and no eval, so behaviour lives in static files like this
 * one. Alpine runs in its CSP build: components are registered by name on `alpine:init`
 * (Alpine.data("name", () => ({...}))) in an app's own static file, loaded before Alpine in the
 * page's {% block scripts %}, and templates refer to them with x-data="name".
 * Pages work without JavaScript; scripts only make them smoother.
 */
(function () {
  "use strict";

  // Tell the person when an htmx request fails, in their language (texts come from <body>).
  function notice(text) {
    if (!text) return;
    var region = document.getElementById("jinlin-notice");
    if (!region) {
      region = document.createElement("div");
      region.id = "jinlin-notice";
      region.className = "notice";
      region.setAttribute("role", "alert");
      document.body.appendChild(region);
    }
    region.textContent = text;
    region.classList.add("is-visible");
    window.clearTimeout(region._jinlinTimer);
    region._jinlinTimer = window.setTimeout(function () {
      region.classList.remove("is-visible");
    }, 6000);
  }

  document.addEventListener("htmx:sendError", function () {
    notice(document.body.dataset.msgNetwork);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    notice(status === 403 ? document.body.dataset.msgForbidden : document.body.dataset.msgServer);
  });
})();
