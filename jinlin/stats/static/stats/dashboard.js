/* The metrics dashboard's charts (ECharts). The figures come from the page itself through
 * Django's json_script, never from inline code: the CSP allows scripts from this origin only.
 * The table under the charts holds the same figures for screen readers and for export. */
(function () {
  "use strict";

  function percent(value) {
    return value === null || value === undefined ? "—" : value + "%";
  }

  function trendChart(el, data) {
    var text = data.text;
    // One colour per rate, the same in the legend, the line and its points.
    var rateColours = {
      response_rate: "#8a5300",
      on_time_rate: "#1d5fb0",
      resolution_rate: "#1a7f37",
      satisfaction_rate: "#c8372d"
    };
    var series = [
      { name: text.intake, type: "bar", yAxisIndex: 0, data: data.trend.intake, itemStyle: { color: "#c3cad6" } }
    ];
    Object.keys(rateColours).forEach(function (name) {
      series.push({
        name: text[name],
        type: "line",
        yAxisIndex: 1,
        connectNulls: false,
        symbolSize: 6,
        itemStyle: { color: rateColours[name] },
        lineStyle: { color: rateColours[name], width: 2 },
        data: data.trend.rates[name]
      });
    });
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) { return value === null || value === undefined ? "—" : String(value); }
      },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 56, top: 72, bottom: 32 },
      xAxis: { type: "category", data: data.trend.months },
      yAxis: [
        { type: "value", name: text.cases, minInterval: 1 },
        { type: "value", name: text.rate, min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
      ],
      series: series
    });
    return chart;
  }

  function rankingChart(el, data) {
    var ranking = data.ranking;
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: ranking.percent ? percent : String
      },
      grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
      xAxis: ranking.percent
        ? { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
        : { type: "value", minInterval: 1 },
      // The best row is first in the data; ECharts draws a category axis from the bottom up.
      yAxis: { type: "category", inverse: true, data: ranking.labels, axisLabel: { width: 160, overflow: "truncate" } },
      series: [{
        name: ranking.name,
        type: "bar",
        data: ranking.values,
        itemStyle: { color: "#1d5fb0" },
        label: { show: true, position: "right", formatter: ranking.percent ? "{c}%" : "{c}" }
      }]
    });
    return chart;
  }

  function start() {
    var source = document.getElementById("metrics-data");
    if (!source || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var trend = document.getElementById("chart-trend");
    if (trend) {
      charts.push(trendChart(trend, data));
    }
    var ranking = document.getElementById("chart-ranking");
    if (ranking && data.ranking.labels.length) {
      charts.push(rankingChart(ranking, data));
    }
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
