/* The field app's pages: the service worker and its update prompt, the bearer token the queue
 * sends with, the "waiting to send" count and the conflicts, queued forms, patrols and findings. */
(function () {
  "use strict";
  var Q = window.JinlinQueue;
  var body = document.body;
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  function toast(text) {
    var el = $("[data-toast]");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.hidden = true; }, 4000);
  }

  // ---------------------------------------------------------------- service worker
  var registration = null;
  function showUpdate(worker) {
    var bar = $("[data-update]");
    if (!bar) return;
    bar.hidden = false;
    $("[data-update-now]").onclick = function () { worker.postMessage({ type: "skip-waiting" }); };
  }
  if ("serviceWorker" in navigator) {
    var reloading = false;
    var hadController = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (hadController && !reloading) { reloading = true; window.location.reload(); }
      hadController = true;
    });
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
      registration = reg;
      if (reg.waiting && navigator.serviceWorker.controller) showUpdate(reg.waiting);
      reg.addEventListener("updatefound", function () {
        var fresh = reg.installing;
        fresh.addEventListener("statechange", function () {
          if (fresh.state === "installed" && navigator.serviceWorker.controller) showUpdate(fresh);
        });
      });
    }).catch(function () { /* no service worker (not a secure context): pages still work online */ });
  }

  // ---------------------------------------------------------------- network, token, count
  function showNet() {
    var el = $("[data-net]");
    var on = navigator.onLine;
    el.textContent = $(on ? "[data-label-online]" : "[data-label-offline]").textContent;
    el.classList.toggle("is-offline", !on);
  }

  async function ensureToken() {
    var user = body.dataset.user;
    if (!user || !navigator.onLine) return;
    var held = await Q.getToken();
    if (held && String(held.user) === user) return;
    try {
      var r = await fetch(body.dataset.tokenUrl, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": body.dataset.csrf },
      });
      if (r.ok) { var t = await r.json(); await Q.setToken(t.token, t.user_id); }
    } catch (e) { /* offline after all */ }
  }

  async function render() {
    var waiting = await Q.waiting();
    var pending = $("[data-pending]");
    $("[data-pending-count]").textContent = String(waiting.length);
    pending.hidden = waiting.length === 0;
    pending.title = waiting.map(function (i) { return i.label; }).join("\n");
    var conflicts = await Q.conflicts();
    var box = $("[data-conflicts]"), list = $("[data-conflict-list]");
    list.textContent = "";
    conflicts.forEach(function (c) {
      var li = document.createElement("li");
      li.dataset.conflict = c.id;
      var b = document.createElement("b");
      b.textContent = c.label + " · " + body.dataset.msgConflict + " (" + c.status + ")";
      var p = document.createElement("span");
      p.dataset.conflictDetail = "";
      p.textContent = c.detail;
      var ok = document.createElement("button");
      ok.type = "button";
      ok.textContent = "×";
      ok.onclick = function () { Q.dismiss(c.id); };
      li.append(b, document.createElement("br"), p, ok);
      list.append(li);
    });
    box.hidden = conflicts.length === 0;
  }

  async function flush() {
    if (!navigator.onLine) return;
    await ensureToken();
    await Q.flush();
    render();
  }

  function askSync() {
    if (registration && registration.sync) registration.sync.register("jinlin-queue").catch(function () {});
  }

  async function queue(item, message) {
    await Q.enqueue(item);
    render();
    toast(message || body.dataset.msgQueued);
    askSync();
    if (navigator.onLine) flush();
  }

  if (Q.channel) Q.channel.onmessage = function () { render(); };
  window.addEventListener("online", function () { showNet(); flush(); });
  window.addEventListener("offline", showNet);

  // ---------------------------------------------------------------- queued forms
  function formBody(form) {
    var out = {};
    new FormData(form).forEach(function (v, k) {
      if (v instanceof File) return;
      var field = form.elements[k];
      out[k] = field && field.hasAttribute && field.hasAttribute("data-int") ? parseInt(v, 10) : v;
    });
    return out;
  }

  $$("form[data-queue]").forEach(function (form) {
    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      var data = formBody(form);
      if (form.hasAttribute("data-locate")) {
        var at = await window.JinlinPhoto.locate(3000);
        if (at) { data.lat = at.lat; data.lng = at.lng; }
      }
      await queue({ url: form.dataset.url, body: data, label: form.dataset.label });
      form.reset();
      if (form.dataset.done) { form.hidden = true; document.documentElement.dataset["done" + form.dataset.done] = "1"; }
    });
  });

  // ---------------------------------------------------------------- the grid's map (kept offline)
  var SVG = "http://www.w3.org/2000/svg";
  async function drawMap() {
    var svg = $("[data-grid-map]");
    if (!svg) return;
    var held = await Q.getToken();
    if (!held) return;
    var data;
    try {
      // Through the service worker: the network when there is one, else the copy it kept.
      var r = await fetch("/api/field/map-data", { headers: { Authorization: "Bearer " + held.token } });
      if (!r.ok) return;
      data = await r.json();
    } catch (e) { return; }
    var coords = [];
    data.features.forEach(function (f) {
      var g = f.geometry;
      if (g.type === "Point") coords.push(g.coordinates);
      else if (g.type === "Polygon") coords = coords.concat(g.coordinates[0]);
      else if (g.type === "MultiPolygon") g.coordinates.forEach(function (p) { coords = coords.concat(p[0]); });
    });
    if (!coords.length) return;
    var xs = coords.map(function (c) { return c[0]; }), ys = coords.map(function (c) { return c[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var span = Math.max(x1 - x0, y1 - y0) || 1e-3;
    var at = function (c) { return [5 + (90 * (c[0] - x0)) / span, 95 - (90 * (c[1] - y0)) / span]; };
    svg.textContent = "";
    data.features.forEach(function (f) {
      var g = f.geometry;
      if (g.type === "Polygon" || g.type === "MultiPolygon") {
        var rings = g.type === "Polygon" ? [g.coordinates[0]] : g.coordinates.map(function (p) { return p[0]; });
        rings.forEach(function (ring) {
          var poly = document.createElementNS(SVG, "polygon");
          poly.setAttribute("points", ring.map(function (c) { return at(c).join(","); }).join(" "));
          poly.setAttribute("class", "fmap-grid");
          svg.append(poly);
        });
      } else if (g.type === "Point" && f.properties.kind !== "case") {
        // Estates and buildings with their names (core.places), under the cases.
        var q = at(g.coordinates), estate = f.properties.kind === "estate";
        var spot = document.createElementNS(SVG, "circle");
        spot.setAttribute("cx", q[0]); spot.setAttribute("cy", q[1]); spot.setAttribute("r", estate ? "1.6" : "1");
        spot.setAttribute("class", estate ? "fmap-estate" : "fmap-building");
        var name = document.createElementNS(SVG, "text");
        name.setAttribute("x", q[0]); name.setAttribute("y", q[1] - (estate ? 2.6 : 1.8));
        name.setAttribute("class", "fmap-label" + (estate ? " fmap-label-estate" : ""));
        name.textContent = f.properties.label || f.properties.name;
        svg.append(spot, name);
      } else if (g.type === "Point") {
        var link = document.createElementNS(SVG, "a");
        link.setAttribute("href", "/field/cases/" + f.properties.id + "/");
        var dot = document.createElementNS(SVG, "circle");
        var p = at(g.coordinates);
        dot.setAttribute("cx", p[0]); dot.setAttribute("cy", p[1]); dot.setAttribute("r", "2.5");
        dot.setAttribute("class", "fmap-case");
        var title = document.createElementNS(SVG, "title");
        title.textContent = f.properties.number + " " + f.properties.title;
        dot.append(title);
        link.append(dot);
        svg.append(link);
      }
    });
    $("[data-map-box]").hidden = false;
  }

  // What the page-specific script (patrol.js) uses.
  window.JinlinField = { $: $, $$: $$, toast: toast, render: render, queue: queue, formBody: formBody };

  showNet();
  render();
  drawMap();
  ensureToken().then(function () {
    drawMap();
    if (navigator.onLine) flush();
  });
})();
