/* The patrol page: start and end a patrol (双巡三查) with its checklist and track, and report a
 * finding (a case with its photo, linked to the patrol), all through the queue (field.js).
 *
 * The worker's actions on the patrol (start, a track point, a finding, the end) run one after the
 * other, in the order they were made (`inTurn`): each awaits the stored patrol, the queue and, for
 * a finding, the photo's compression (seconds on a slow phone), and two of them interleaved lost
 * things: a finding saved just before "End patrol" found the patrol already ended and was queued
 * without its link, and a track point taken during the end put the ended patrol back. */
(function () {
  "use strict";
  var Q = window.JinlinQueue;
  var F = window.JinlinField;
  var body = document.body;
  var $ = F.$, $$ = F.$$, render = F.render, queue = F.queue, formBody = F.formBody;
  var POINT_SECONDS = 30, POINT_METRES = 50, POINTS_PER_SEND = 10;

  // ---------------------------------------------------------------- patrols
  var patrolBox = $("[data-patrol]");
  var watch = null;
  var turn = Promise.resolve();

  function inTurn(job) {
    var run = turn.then(job);
    turn = run.catch(function () {});
    return run;
  }

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

  function onPosition(pos) {
    return inTurn(function () { return addPoint(pos); });
  }

  async function addPoint(pos) {
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
    $("[data-patrol-start]").addEventListener("click", function () { inTurn(start); });
    $("[data-patrol-stop]").addEventListener("click", function () {
      var ended = new Date().toISOString();
      inTurn(function () { return stop(ended); });
    });
    Q.get("patrol").then(showPatrol);
  }

  async function start() {
    var type = $("[data-patrol-type]").value;
    var state = { key: Q.uuid(), type: type, started: new Date().toISOString(), buffer: [], count: 0, last: null };
    await Q.set("patrol", state);
    await queue({ url: "/api/field/patrols", body: { client_key: state.key, patrol_type: type, started_at: state.started }, label: $("[data-patrol-type]").selectedOptions[0].textContent });
    showPatrol(state);
  }

  async function stop(ended) {
    var state = await Q.get("patrol");
    if (!state) return;
    await sendPoints(state, true);
    var checks = {};
    $$("[data-checklist='" + state.type + "'] [data-check]").forEach(function (s) { checks[s.dataset.check] = s.value; });
    await Q.del("patrol");
    await queue({ url: "/api/field/patrols/" + state.key + "/stop", body: { ended_at: ended, checks: checks, note: $("[data-patrol-note]").value }, label: "■ " + $("[data-patrol-type]").selectedOptions[0].textContent });
    showPatrol(null);
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
    finding.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = formBody(finding);
      var file = photoInput.files && photoInput.files[0];
      var at = place;
      finding.reset();
      place = null;
      $("[data-photo-info]").textContent = "";
      inTurn(function () { return report(data, file, at); });
    });
  }

  async function report(data, file, place) {
    if (!place) place = await window.JinlinPhoto.locate(3000);
    var intake = { title: data.title, description: data.description || "", channel: "grid_patrol" };
    if (place) { intake.lat = place.lat; intake.lng = place.lng; }
    var key = Q.uuid();
    var items = [{ key: key, url: "/api/cases", body: intake, label: data.title }];
    if (file) {
      var small = await window.JinlinPhoto.compress(file);
      items.push({ url: "/api/cases/{ref:" + key + "}/photos", body: { kind: "intake" }, files: [{ field: "photos", blob: small.blob, name: "photo.jpg" }], label: "📷 " + data.title });
    }
    var state = await Q.get("patrol");
    if (state) items.push({ url: "/api/field/patrols/" + state.key + "/findings", body: { case_id: "{ref:" + key + "}", item: data.item || "" }, label: "🔗 " + data.title });
    for (var i = 0; i < items.length - 1; i++) await Q.enqueue(items[i]);
    await queue(items[items.length - 1]);
  }

})();
