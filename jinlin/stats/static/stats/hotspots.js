/* Hotspot maps: each hotspot's cases as points on a small Leaflet map. The points come from a
 * json_script element (data, not code: the CSP allows no inline script); coordinates are
 * WGS-84 and go through JinlinGeo when the tiles are GCJ-02, as on the case map. */
(function () {
  "use strict";

  function draw(el, points) {
    var gcj = el.dataset.tileCrs === "gcj02";
    var map = L.map(el, { attributionControl: !!el.dataset.tileUrl, scrollWheelZoom: false });
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, subdomains: "1234" }).addTo(map);
    var bounds = L.latLngBounds([]);
    points.forEach(function (p) {
      var at = gcj ? window.JinlinGeo.wgs84ToGcj02(p.lat, p.lng) : [p.lat, p.lng];
      var marker = L.circleMarker(at, { radius: 7, color: "#fff", weight: 2, fillColor: "#b42318", fillOpacity: 0.9 });
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.number + " " + p.title; // text, never HTML: titles come from residents
      marker.bindPopup(link);
      marker.addTo(map);
      bounds.extend(at);
    });
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 });
    el.dataset.points = String(points.length);
  }

  function start() {
    var source = document.getElementById("hotspot-points");
    if (!source || typeof L === "undefined") return;
    var all = JSON.parse(source.textContent);
    document.querySelectorAll("[data-hotspot-map]").forEach(function (el) {
      draw(el, all[Number(el.dataset.hotspotMap)] || []);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
