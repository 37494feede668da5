/* 部件 on a Leaflet map. Points come from a json_script element (the CSP allows no inline
 * script); coordinates are WGS-84 and shifted through JinlinGeo when the tiles are GCJ-02. */
(function () {
  "use strict";
  var COLOURS = { "井盖": "#5b6472", "路灯": "#d97706", "充电桩": "#1f7a5a", "摄像头": "#1d5fb0", "凉亭": "#8a5300", "消防栓": "#b42318" };

  function draw() {
    var el = document.querySelector("[data-components-map]");
    var source = document.getElementById("component-points");
    if (!el || !source || !window.L) return;
    var points = JSON.parse(source.textContent);
    var gcj = el.dataset.tileCrs === "gcj02";
    var map = L.map(el, { attributionControl: !!el.dataset.tileUrl, scrollWheelZoom: false });
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, subdomains: "1234" }).addTo(map);
    var bounds = L.latLngBounds([]);
    points.forEach(function (p) {
      var at = gcj && window.JinlinGeo ? window.JinlinGeo.wgs84ToGcj02(p.lat, p.lng) : [p.lat, p.lng];
      var marker = L.circleMarker(at, { radius: 6, color: "#fff", weight: 2, fillColor: COLOURS[p.kind] || "#333", fillOpacity: 0.95 });
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.label;
      marker.bindPopup(link);
      marker.addTo(map);
      bounds.extend(at);
    });
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.1));
    else if (el.dataset.center) map.setView(el.dataset.center.split(",").map(Number), 15);
    else map.setView([26.08, 119.3], 13);
    el.dataset.ready = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
