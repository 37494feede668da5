/* The field app's pages: the service worker and its update prompt, the bearer token the queue
 * sends with, the "waiting to send" count and the conflicts, queued forms, patrols and findings. */
(function () {
  "use strict";
  var Q = window.JinlinQueue;
  var body = document.body;
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var POINT_SECONDS = 30, POINT_METRES = 50, POINTS_PER_SEND = 10;

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

  // ---------------------------------------------------------------- patrols
  var patrolBox = $("[data-patrol]");
  var watch = null;

  function metres(a, b) {
    var k = Math.PI / 180, R = 6371008.8;
    var x = (b[2] - a[2]) * k * Math.cos(((a[1] + b[1]) / 2) * k), y = (b[1] - a[1]) * k;
    return Math.sqrt(x * x + y * y) * R;
  }

  async function sendPoints(state, all) {
    if (!state.buffer.length || (!all && state.buffer.length < POINTS_PER_SEND)) return;
    var points = state.buffer.splice(0, state.buffer.length);
    await Q.enqueue({ url: "/api/field/patrols/" + state.key + "/points", body: { points: points }, label: "🛰 " + points.length });
    render();
  }

  async function onPosition(pos) {
    var state = await Q.get("patrol");
    if (!state) return;
    var p = [Math.round(pos.timestamp / 1000), pos.coords.latitude, pos.coords.longitude];
    var last = state.last;
    // Battery-friendly: a point at most every 30 s, and only after moving 50 m.
    if (last && (p[0] - last[0] < POINT_SECONDS || metres(last, p) < POINT_METRES)) return;
    state.last = p;
    state.count = (state.count || 0) + 1;
    state.buffer.push(p);
    await sendPoints(state, false);
    await Q.set("patrol", state);
    $("[data-patrol-points]").textContent = String(state.count);
  }

  function showPatrol(state) {
    $("[data-patrol-idle]").hidden = !!state;
    $("[data-patrol-running]").hidden = !state;
    var type = state ? state.type : $("[data-patrol-type]").value;
    $("[data-patrol-type]").value = type;
    $("[data-patrol-type]").disabled = !!state;
    $$("[data-checklist]").forEach(function (f) { f.hidden = f.dataset.checklist !== type; });
    var items = $("[data-finding-item]");
    if (items) {
      items.length = 1;
      $$("[data-checklist='" + type + "'] [data-check]").forEach(function (s) {
        items.add(new Option(s.dataset.check, s.dataset.check));
      });
    }
    if (state) {
      $("[data-patrol-points]").textContent = String(state.count || 0);
      if (watch === null && navigator.geolocation) {
        watch = navigator.geolocation.watchPosition(onPosition, function () {}, { enableHighAccuracy: false, maximumAge: 30000 });
      }
    } else if (watch !== null) {
      navigator.geolocation.clearWatch(watch);
      watch = null;
    }
  }

  if (patrolBox) {
    $("[data-patrol-type]").addEventListener("change", function () { showPatrol(null); });
    $("[data-patrol-start]").addEventListener("click", async function () {
      var type = $("[data-patrol-type]").value;
      var state = { key: Q.uuid(), type: type, started: new Date().toISOString(), buffer: [], count: 0, last: null };
      await Q.set("patrol", state);
      await queue({ url: "/api/field/patrols", body: { client_key: state.key, patrol_type: type, started_at: state.started }, label: $("[data-patrol-type]").selectedOptions[0].textContent });
      showPatrol(state);
    });
    $("[data-patrol-stop]").addEventListener("click", async function () {
      var state = await Q.get("patrol");
      if (!state) return;
      await sendPoints(state, true);
      var checks = {};
      $$("[data-checklist='" + state.type + "'] [data-check]").forEach(function (s) { checks[s.dataset.check] = s.value; });
      await Q.del("patrol");
      await queue({ url: "/api/field/patrols/" + state.key + "/stop", body: { ended_at: new Date().toISOString(), checks: checks, note: $("[data-patrol-note]").value }, label: "■ " + $("[data-patrol-type]").selectedOptions[0].textContent });
      showPatrol(null);
    });
    Q.get("patrol").then(showPatrol);
  }

  // ---------------------------------------------------------------- findings (a case, its photo, the link)
  var finding = $("form[data-finding]");
  if (finding) {
    var place = null;
    var photoInput = $("[data-photo]", finding);
    photoInput.addEventListener("change", async function () {
      // The place is taken when the photo is taken, and kept as the report's point.
      place = await window.JinlinPhoto.locate(8000);
      $("[data-photo-info]").textContent = place ? body.dataset.msgLocated : body.dataset.msgNolocation;
    });
    finding.addEventListener("submit", async function (e) {
      e.preventDefault();
      var data = formBody(finding);
      if (!place) place = await window.JinlinPhoto.locate(3000);
      var intake = { title: data.title, description: data.description || "", channel: "grid_patrol" };
      if (place) { intake.lat = place.lat; intake.lng = place.lng; }
      var key = Q.uuid();
      var items = [{ key: key, url: "/api/cases", body: intake, label: data.title }];
      var file = photoInput.files && photoInput.files[0];
      if (file) {
        var small = await window.JinlinPhoto.compress(file);
        items.push({ url: "/api/cases/{ref:" + key + "}/photos", body: { kind: "intake" }, files: [{ field: "photos", blob: small.blob, name: "photo.jpg" }], label: "📷 " + data.title });
      }
      var state = await Q.get("patrol");
      if (state) items.push({ url: "/api/field/patrols/" + state.key + "/findings", body: { case_id: "{ref:" + key + "}", item: data.item || "" }, label: "🔗 " + data.title });
      for (var i = 0; i < items.length - 1; i++) await Q.enqueue(items[i]);
      await queue(items[items.length - 1]);
      finding.reset();
      place = null;
      $("[data-photo-info]").textContent = "";
    });
  }

  showNet();
  render();
  ensureToken().then(function () { if (navigator.onLine) flush(); });
})();
