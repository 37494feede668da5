/* The case maps (Leaflet): the dispatcher's map of open cases over grid polygons, and the pin
 * picker of the report form. Settings come from data attributes (no inline script under the
 * CSP). Data is WGS-84; with GCJ-02 tiles every drawn point goes through JinlinGeo. */
(function () {
  "use strict";
  var COLOURS = { green: "#1a7f37", amber: "#b7791f", red: "#b42318", "": "#5d6776" };

  function projector(el) {
    var gcj = el.dataset.tileCrs === "gcj02";
    return {
      toMap: function (lat, lng) {
        return gcj ? window.JinlinGeo.wgs84ToGcj02(lat, lng) : [lat, lng];
      },
      fromMap: function (lat, lng) {
        return gcj ? window.JinlinGeo.gcj02ToWgs84(lat, lng) : [lat, lng];
      },
    };
  }

  function baseMap(el, zoom) {
    var map = L.map(el, { attributionControl: !!el.dataset.tileUrl });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, subdomains: "1234" }).addTo(map);
      if (el.dataset.tileOverlayUrl) L.tileLayer(el.dataset.tileOverlayUrl, { maxZoom: 19, subdomains: "1234" }).addTo(map);
    }
    var center = (el.dataset.center || "").split(",").map(Number);
    if (center.length === 2 && !isNaN(center[0])) {
      var p = projector(el).toMap(center[0], center[1]);
      map.setView(p, zoom);
    }
    return map;
  }

  function ringsToMap(geometry, proj) {
    var polys = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
    return polys.map(function (rings) {
      return rings.map(function (ring) {
        return ring.map(function (pt) {
          return proj.toMap(pt[1], pt[0]);
        });
      });
    });
  }

  // A grid's name written in its middle (the same label places.js draws for other grids).
  function gridLabel(map, poly, name) {
    poly.bindTooltip(name, { sticky: true }); // on hover, also when zoomed out past the written names
    if (!window.JinlinPlaces) return;
    var tag = window.JinlinPlaces.label(name, "grid");
    L.tooltip(Object.assign({ direction: "center" }, tag.options)).setLatLng(poly.getBounds().getCenter()).setContent(tag.content).addTo(map);
  }

  function popup(props) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.title; // text, never HTML: titles come from residents
    var meta = document.createElement("div");
    meta.textContent = props.number + " · " + props.status + (props.light_label ? " · " + props.light_label : "");
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  function casesMap(el) {
    var map = baseMap(el, 14);
    var proj = projector(el);
    placesOn(map, el, proj, { grids: false });
    var status = document.querySelector("[data-map-status]");
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (data) {
        var bounds = L.latLngBounds([]);
        var caseCount = 0;
        data.features.forEach(function (f) {
          if (f.properties.kind === "grid") {
            var poly = L.polygon(ringsToMap(f.geometry, proj), { color: "#1d5fb0", weight: 1.5, fillOpacity: 0.06 });
            poly.addTo(map);
            gridLabel(map, poly, f.properties.name);
            bounds.extend(poly.getBounds());
          } else {
            var c = f.geometry.coordinates;
            var at = proj.toMap(c[1], c[0]);
            var colour = COLOURS[f.properties.light] || COLOURS[""];
            var marker = L.circleMarker(at, { radius: 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.95 });
            marker.bindPopup(popup(f.properties));
            marker.addTo(map);
            bounds.extend(at);
            caseCount += 1;
          }
        });
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
        el.dataset.cases = String(caseCount);
        el.dataset.loaded = "1";
        if (status && caseCount === 0) status.textContent = el.dataset.msgEmpty;
      })
      .catch(function () {
        if (status) status.textContent = document.body.dataset.msgServer;
      });
  }

  // The platform's own layers (places.js) where the page gives their URL.
  function placesOn(map, el, proj, opts) {
    if (!el.dataset.placesUrl || !window.JinlinPlaces) return null;
    return window.JinlinPlaces.attach(map, proj, Object.assign({ url: el.dataset.placesUrl }, opts || {}));
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, key) { return values[key] === undefined ? m : values[key]; });
  }

  // The report form (resident, patrol, intake): tap or "use my location" puts the pin; the page
  // names the grid it falls in (and the nearest estate or building) and outlines that grid.
  function pinMap(el) {
    var map = baseMap(el, 16);
    var proj = projector(el);
    var lat = document.getElementById(el.dataset.latInput);
    var lng = document.getElementById(el.dataset.lngInput);
    var status = document.querySelector("[data-pin-place]");
    var places = placesOn(map, el, proj);
    var marker = null;
    function say(text, isError) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("is-error", !!isError);
    }
    function describe(w) {
      if (!places) return;
      return places.ready().then(function () {
        // Without the places (no signal, a server error) the page claims nothing about grids.
        if (el.dataset.placesLoaded !== "1") return say("", false);
        var grid = places.gridAt(w[0], w[1]);
        places.highlight(grid ? grid.id : null);
        el.dataset.pinGrid = grid ? grid.name : "";
        if (!grid) {
          say(el.dataset.msgOutside, true);
          return;
        }
        var near = places.nearest(w[0], w[1], 80);
        say(near ? fill(el.dataset.msgGridNear, { grid: grid.name, place: near.name }) : fill(el.dataset.msgGrid, { grid: grid.name }));
      });
    }
    function place(mapLatLng) {
      if (marker) marker.setLatLng(mapLatLng);
      else marker = L.marker(mapLatLng, { keyboard: false }).addTo(map);
    }
    function put(w, mapLatLng) {
      lat.value = w[0].toFixed(6);
      lng.value = w[1].toFixed(6);
      place(mapLatLng);
      el.dataset.pin = "1";
      return describe(w);
    }
    if (lat.value && lng.value) {
      var w0 = [Number(lat.value), Number(lng.value)];
      place(proj.toMap(w0[0], w0[1]));
      describe(w0);
    }
    map.on("click", function (e) {
      put(proj.fromMap(e.latlng.lat, e.latlng.lng), e.latlng);
    });
    var clear = document.querySelector("[data-pin-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        lat.value = "";
        lng.value = "";
        el.dataset.pin = "";
        if (marker) {
          map.removeLayer(marker);
          marker = null;
        }
        if (places) places.highlight(null);
        say("", false);
      });
    }
    var locate = document.querySelector("[data-locate]");
    if (locate) {
      locate.addEventListener("click", function () {
        if (!navigator.geolocation || window.isSecureContext === false) {
          say(el.dataset.msgNoGeo, true);
          return;
        }
        locate.disabled = true;
        say(el.dataset.msgLocating, false);
        navigator.geolocation.getCurrentPosition(
          function (pos) {
            locate.disabled = false;
            // The Geolocation API answers WGS-84: stored as it is, shifted only to be drawn.
            var w = [pos.coords.latitude, pos.coords.longitude];
            var at = proj.toMap(w[0], w[1]);
            map.setView(at, Math.max(map.getZoom(), 17), { animate: false });
            put(w, at);
          },
          function (err) {
            locate.disabled = false;
            say(err.code === 1 ? el.dataset.msgDenied : err.code === 3 ? el.dataset.msgTimeout : el.dataset.msgUnavailable, true);
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }
        );
      });
    }
  }

  // The case page: the case's pin and its grid's outline (data from a json_script block).
  function caseMap(el) {
    var map = baseMap(el, 16);
    var proj = projector(el);
    placesOn(map, el, proj, { grids: false });
    var bounds = L.latLngBounds([]);
    var holder = el.dataset.gridId && document.getElementById(el.dataset.gridId);
    if (holder) {
      var grid = JSON.parse(holder.textContent);
      var poly = L.polygon(ringsToMap(grid.geometry, proj), { color: "#1d5fb0", weight: 2, fillOpacity: 0.06 });
      poly.addTo(map);
      gridLabel(map, poly, grid.properties.name);
      bounds.extend(poly.getBounds());
    }
    if (el.dataset.lat && el.dataset.lng) {
      var at = proj.toMap(Number(el.dataset.lat), Number(el.dataset.lng));
      L.marker(at, { keyboard: false }).addTo(map);
      bounds.extend(at);
      el.dataset.pin = "1";
    }
    function fit() {
      // The box may get its final size after the script ran (styles, fonts): measure again.
      map.invalidateSize();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 });
    }
    fit();
    window.addEventListener("load", fit);
    el.dataset.loaded = "1";
  }

  function start() {
    if (typeof L === "undefined") return;
    // Leaflet's default marker icon path is guessed from its CSS; point it at our copy.
    L.Icon.Default.imagePath = "/static/vendor/leaflet/images/";
    document.querySelectorAll("[data-map-cases]").forEach(casesMap);
    document.querySelectorAll("[data-map-pin]").forEach(pinMap);
    document.querySelectorAll("[data-map-case]").forEach(caseMap);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
