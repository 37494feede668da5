/* Population profile charts (ECharts). The figures come from the page's json_script element:
 * the CSP allows no inline script. The table below holds the same figures for screen readers. */
(function () {
  "use strict";

  function bar(el, labels, values, colour) {
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: values, itemStyle: { color: colour } }]
    });
    return chart;
  }

  function draw() {
    var source = document.getElementById("profile-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.dataset.chart;
      if (kind === "age") {
        charts.push(bar(el, data.age_bands.map(function (b) { return b.band; }),
          data.age_bands.map(function (b) { return b.count; }), "#1d5fb0"));
      } else if (kind === "sex") {
        var chart = echarts.init(el);
        chart.setOption({
          tooltip: { trigger: "item" },
          legend: { bottom: 0 },
          series: [{
            type: "pie", radius: ["35%", "65%"],
            data: [
              { name: data.text.male, value: data.sex.M, itemStyle: { color: "#1d5fb0" } },
              { name: data.text.female, value: data.sex.F, itemStyle: { color: "#c8372d" } }
            ]
          }]
        });
        charts.push(chart);
      } else {
        var table = data[kind] || {};
        charts.push(bar(el, Object.keys(table), Object.values(table), kind === "tags" ? "#c05621" : "#1f7a5a"));
      }
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    document.body.dataset.chartsReady = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
