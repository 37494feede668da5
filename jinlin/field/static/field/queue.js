/* The offline queue of the field app, in IndexedDB (idb-keyval), shared by the pages and the
 * service worker (importScripts). Each item is one API write with its own Idempotency-Key; items
 * are sent one by one in the order they were made. An answer of 2xx removes the item; a refusal
 * (403, 404, 409, 422 …) moves it to the conflicts, with the server's answer, for the worker to
 * read; no network, 5xx, 429 or 401 stop the round and leave the item for the next one. A later
 * item may name an earlier one's answer ("{ref:KEY}" in its URL or body: the id of the case an
 * earlier intake created). The server never applies an item twice (core.idempotency), so a round
 * interrupted after a write went through only replays its answer. */
(function (global) {
  "use strict";
  var kv = global.idbKeyval;
  var store = kv.createStore("jinlin-field", "kv");
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("jinlin-field") : null;
  var counter = 0;

  function newId() {
    counter = (counter + 1) % 1000;
    return String(Date.now()).padStart(15, "0") + "-" + String(counter).padStart(3, "0");
  }

  function uuid() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    return newId() + "-" + Math.random().toString(36).slice(2);
  }

  function announce(what) {
    if (channel) channel.postMessage({ type: what });
  }

  async function all(prefix) {
    var rows = await kv.entries(store);
    return rows
      .filter(function (r) { return typeof r[0] === "string" && r[0].indexOf(prefix) === 0; })
      .sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; })
      .map(function (r) { return r[1]; });
  }

  async function enqueue(item) {
    item.id = newId();
    item.key = item.key || uuid();
    item.method = item.method || "POST";
    item.at = new Date().toISOString();
    await kv.set("q:" + item.id, item, store);
    announce("queued");
    return item;
  }

  function resolveRefs(value, results) {
    if (typeof value === "string") {
      var whole = /^\{ref:([^}]+)\}$/.exec(value);
      if (whole) {
        if (!results[whole[1]]) throw new Error("missing-ref");
        return results[whole[1]].id;
      }
      return value.replace(/\{ref:([^}]+)\}/g, function (m, k) {
        if (!results[k]) throw new Error("missing-ref");
        return String(results[k].id);
      });
    }
    if (Array.isArray(value)) return value.map(function (v) { return resolveRefs(v, results); });
    if (value && typeof value === "object" && !(value instanceof Blob)) {
      var out = {};
      Object.keys(value).forEach(function (k) { out[k] = resolveRefs(value[k], results); });
      return out;
    }
    return value;
  }

  async function results() {
    var rows = await kv.entries(store);
    var out = {};
    rows.forEach(function (r) {
      if (typeof r[0] === "string" && r[0].indexOf("r:") === 0) out[r[0].slice(2)] = r[1];
    });
    return out;
  }

  async function conflict(item, status, detail) {
    var kept = Object.assign({}, item, { status: status, detail: detail, files: undefined });
    await kv.set("c:" + item.id, kept, store);
    await kv.del("q:" + item.id, store);
  }

  async function sendOne(item, token, known) {
    var url, body, headers = { Authorization: "Bearer " + token, "Idempotency-Key": item.key };
    try {
      url = resolveRefs(item.url, known);
      body = resolveRefs(item.body || null, known);
    } catch (e) {
      await conflict(item, 0, "An earlier report this depends on was not accepted.");
      return "conflict";
    }
    var init = { method: item.method, headers: headers, credentials: "omit", cache: "no-store" };
    if (item.files && item.files.length) {
      var form = new FormData();
      Object.keys(body || {}).forEach(function (k) { form.append(k, body[k]); });
      item.files.forEach(function (f) { form.append(f.field, f.blob, f.name); });
      init.body = form;
    } else if (body !== null) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    var response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      return "offline";
    }
    var answer = null;
    try { answer = await response.json(); } catch (e) { answer = null; }
    if (response.ok) {
      if (answer && answer.id !== undefined) await kv.set("r:" + item.key, { id: answer.id }, store);
      await kv.del("q:" + item.id, store);
      return "sent";
    }
    if (response.status === 401) {
      await kv.del("token", store);
      return "offline";
    }
    if (response.status === 429 || response.status >= 500) return "offline";
    var detail = answer && answer.detail;
    if (Array.isArray(detail)) detail = detail.map(function (d) { return d.msg; }).join(" ");
    await conflict(item, response.status, detail || String(response.status));
    return "conflict";
  }

  async function round() {
    var auth = await kv.get("token", store);
    if (!auth) return { sent: 0, stopped: "no-token" };
    var sent = 0;
    var items = await all("q:");
    var known = await results();
    for (var i = 0; i < items.length; i++) {
      var outcome = await sendOne(items[i], auth.token, known);
      if (outcome === "offline") { announce("changed"); return { sent: sent, stopped: "offline" }; }
      if (outcome === "sent") { sent++; known = await results(); }
      announce("changed");
    }
    return { sent: sent, stopped: null };
  }

  var running = null;
  function flush() {
    // One round at a time in this context, and one across the pages and the worker (Web Locks).
    if (running) return running;
    var go = function () { return round(); };
    var job = global.navigator && global.navigator.locks ? global.navigator.locks.request("jinlin-field-queue", go) : go();
    running = job.finally(function () { running = null; });
    return running;
  }

  global.JinlinQueue = {
    store: store,
    enqueue: enqueue,
    flush: flush,
    waiting: function () { return all("q:"); },
    conflicts: function () { return all("c:"); },
    dismiss: function (id) { return kv.del("c:" + id, store).then(function () { announce("changed"); }); },
    setToken: function (token, user) { return kv.set("token", { token: token, user: user }, store); },
    getToken: function () { return kv.get("token", store); },
    get: function (k) { return kv.get(k, store); },
    set: function (k, v) { return kv.set(k, v, store); },
    del: function (k) { return kv.del(k, store); },
    uuid: uuid,
    channel: channel,
  };
})(self);
