/* The platform's own map (no tile server needed): grid outlines, estates and buildings with their
 * names from /cases/map/places.json, drawn under whatever the page adds (pins, cases). One module
 * for the report/patrol pin map, the staff map of cases and the case page (map.js).
 *
 * Data is WGS-84; `proj` (map.js) shifts every drawn point into GCJ-02 when the tiles need it.
 * Labels are DOM text (textContent), never HTML, and carry no inline styles (CSP style-src 'self').
 *
 *   var places = JinlinPlaces.attach(map, proj, { url: "...", grids: true });
 *   places.ready().then(...)      // the data for the current view is drawn
 *   places.gridAt(lat, lng)        // {id, name} of the loaded grid containing the point, or null
 *   places.nearest(lat, lng, m)    // the nearest building/estate within m metres, or null
 *   places.highlight(gridId)       // outline one grid (null: none)
 */
(function () {
  "use strict";
  var SNAP = 0.005; // boxes asked for are snapped outward to this, so the browser cache can answer
  var MAX_SPAN = 0.1; // the server refuses larger boxes (core.places.MAX_SPAN_DEG)
  // Places sit in their own pane under the cases and pins (overlayPane is 400, markers 600), and
  // are rings, never filled dots: the filled dots of the map of cases are SLA colours.
  var PANE = "jinlinPlaces";
  var GRID_STYLE = { color: "#1d5fb0", weight: 1.5, fillColor: "#1d5fb0", fillOpacity: 0.04, interactive: false, pane: PANE };
  var GRID_SELECTED = { color: "#0b3d80", weight: 3.5, fillColor: "#1d5fb0", fillOpacity: 0.16 };
  var ESTATE_STYLE = { radius: 5, color: "#6b4f2a", weight: 2.5, fillColor: "#fff", fillOpacity: 1, interactive: false, pane: PANE };
  var BUILDING_STYLE = { radius: 3, color: "#39424e", weight: 1.5, fillColor: "#fff", fillOpacity: 1, interactive: false, pane: PANE };

  function labelElement(text, kind) {
    var span = document.createElement("span");
    span.className = "place-label-text";
    span.textContent = text;
    span.dataset.placeKind = kind;
    return span;
  }

  function label(text, kind) {
    return { content: labelElement(text, kind), options: { permanent: true, interactive: false, className: "place-label place-label-" + kind } };
  }

  // Point in polygon (even-odd over every ring, so holes count), in lng/lat.
  function inRing(x, y, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function inGeometry(lng, lat, geometry) {
    var polys = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
    return polys.some(function (rings) {
      return rings.reduce(function (acc, ring) { return inRing(lng, lat, ring) ? !acc : acc; }, false);
    });
  }

  function toMapRings(geometry, proj) {
    var polys = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
    return polys.map(function (rings) {
      return rings.map(function (ring) {
        return ring.map(function (pt) { return proj.toMap(pt[1], pt[0]); });
      });
    });
  }

  function metres(lat1, lng1, lat2, lng2) {
    var k = Math.PI / 180;
    var x = (lng2 - lng1) * k * Math.cos(((lat1 + lat2) / 2) * k), y = (lat2 - lat1) * k;
    return Math.sqrt(x * x + y * y) * 6371008.8;
  }

  // The view's box in WGS-84, padded by half a view each side, snapped, and no larger than allowed.
  function wantedBox(map, proj) {
    var b = map.getBounds();
    var sw = proj.fromMap(b.getSouth(), b.getWest()), ne = proj.fromMap(b.getNorth(), b.getEast());
    var padLat = (ne[0] - sw[0]) / 2, padLng = (ne[1] - sw[1]) / 2;
    var box = [sw[1] - padLng, sw[0] - padLat, ne[1] + padLng, ne[0] + padLat];
    var cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2, half = MAX_SPAN / 2 - SNAP;
    box = [Math.max(box[0], cx - half), Math.max(box[1], cy - half), Math.min(box[2], cx + half), Math.min(box[3], cy + half)];
    return [
      Math.floor(box[0] / SNAP) * SNAP, Math.floor(box[1] / SNAP) * SNAP,
      Math.ceil(box[2] / SNAP) * SNAP, Math.ceil(box[3] / SNAP) * SNAP,
    ].map(function (v) { return Number(v.toFixed(3)); });
  }

  function covers(outer, inner) {
    return outer && outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
  }

  function attach(map, proj, opts) {
    opts = opts || {};
    var withGrids = opts.grids !== false;
    var container = map.getContainer();
    if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = "350";
    var layer = L.layerGroup().addTo(map);
    var grids = []; // {id, name, geometry, poly}
    var points = []; // {kind, name, lat, lng}
    var loaded = null; // the box last drawn
    var loadedBuildings = false;
    var pending = Promise.resolve();
    var asked = 0; // the number of the latest request: an older answer arriving late is dropped
    var selected = null;

    function zoomClasses() {
      var z = map.getZoom();
      container.classList.add("places-zoom");
      // A district at zoom 14 would be a carpet of names: names from 15 (a few grids), buildings' from 17.
      container.classList.toggle("places-grid-labels", z >= 15);
      container.classList.toggle("places-estate-labels", z >= 15);
      container.classList.toggle("places-building-labels", z >= 17);
    }

    function draw(data) {
      layer.clearLayers();
      grids = [];
      points = [];
      data.features.forEach(function (f) {
        var p = f.properties;
        if (p.kind === "grid") {
          if (!withGrids) return;
          var poly = L.polygon(toMapRings(f.geometry, proj), GRID_STYLE).addTo(layer);
          var centre = poly.getBounds().getCenter();
          var tag = label(p.name, "grid");
          L.tooltip(Object.assign({ direction: "center" }, tag.options)).setLatLng(centre).setContent(tag.content).addTo(layer);
          grids.push({ id: p.id, name: p.name, geometry: f.geometry, poly: poly });
        } else {
          var c = f.geometry.coordinates;
          var at = proj.toMap(c[1], c[0]);
          L.circleMarker(at, p.kind === "estate" ? ESTATE_STYLE : BUILDING_STYLE).addTo(layer);
          // A label of its own in the group (not bound to the marker), so clearLayers takes it too.
          var t = label(p.label || p.name, p.kind);
          L.tooltip(Object.assign({ direction: "top", offset: [0, p.kind === "estate" ? -6 : -3] }, t.options))
            .setLatLng(at).setContent(t.content).addTo(layer);
          points.push({ kind: p.kind, name: p.name, lat: c[1], lng: c[0] });
        }
      });
      highlight(selected);
      container.dataset.places = String(data.features.length);
      container.dataset.placesLoaded = "1";
      if (opts.onLoad) opts.onLoad(data);
    }

    function load() {
      var box = wantedBox(map, proj);
      var span = Math.max(box[2] - box[0], box[3] - box[1]);
      // Buildings come only with small boxes (core.places.BUILDINGS_SPAN_DEG): ask again when zoomed in.
      if (covers(loaded, box) && (loadedBuildings || span > 0.03)) return pending;
      var url = opts.url + (opts.url.indexOf("?") < 0 ? "?" : "&") + "bbox=" + box.join(",");
      var mine = ++asked;
      pending = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(function (data) {
          if (mine !== asked) return;
          loaded = box;
          loadedBuildings = !!data.buildings;
          draw(data);
        })
        .catch(function () {
          if (mine === asked) container.dataset.placesLoaded = "error";
        });
      return pending;
    }

    // Resolves when the answer for the latest view is drawn (a newer request may start meanwhile).
    function ready() {
      var p = load();
      return p.then(function () { return p === pending ? null : ready(); });
    }

    function gridAt(lat, lng) {
      for (var i = 0; i < grids.length; i++) {
        if (inGeometry(lng, lat, grids[i].geometry)) return { id: grids[i].id, name: grids[i].name };
      }
      return null;
    }

    function nearest(lat, lng, within) {
      var best = null, bestD = within;
      points.forEach(function (p) {
        // A building is a better answer than its estate's middle when both are near.
        var d = metres(lat, lng, p.lat, p.lng) * (p.kind === "building" ? 0.8 : 1);
        if (d <= bestD) { best = p; bestD = d; }
      });
      return best;
    }

    function highlight(id) {
      selected = id;
      grids.forEach(function (g) {
        g.poly.setStyle(g.id === id ? GRID_SELECTED : GRID_STYLE);
        if (g.id === id) g.poly.bringToFront();
      });
      container.dataset.selectedGrid = id === null || id === undefined ? "" : String(id);
    }

    map.on("moveend", load);
    map.on("zoomend", zoomClasses);
    zoomClasses();
    map.whenReady(load);
    return {
      ready: ready,
      gridAt: gridAt,
      nearest: nearest,
      highlight: highlight,
    };
  }

  window.JinlinPlaces = { attach: attach, label: label, inGeometry: inGeometry };
})();
