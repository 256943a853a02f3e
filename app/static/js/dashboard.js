// 数据看板: draws the charts from the JSON block #dashboard-data with the vendored ECharts. The tables beside
// each chart carry the same numbers, so the page reads the same without JavaScript and on paper.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var L = data.labels;
    document.documentElement.classList.add("js-charts");
    var palette = ["#b3261e", "#0b5cad", "#1a7f37", "#9a6700", "#6f42c1"];
    var font = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif';
    var charts = [];

    function make(id, option, rows) {
      var el = document.getElementById(id);
      if (!el) return;
      if (rows) el.style.height = Math.max(240, rows * (option.series.length > 2 ? 40 : 24) + 70) + "px";
      var chart = echarts.init(el, null, {renderer: "svg"});
      option.animation = false;  // printed and screenshotted pages show the final state
      option.color = palette;
      option.textStyle = {fontFamily: font};
      option.tooltip = option.tooltip || {trigger: "axis", axisPointer: {type: "shadow"}};
      chart.setOption(option);
      charts.push(chart);
    }

    function percentAxis() { return {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}; }

    function unitBars(names, series, valueAxis) {
      // units down the side, read top to bottom in table order
      return {
        legend: {top: 0}, grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true},
        xAxis: valueAxis, yAxis: {type: "category", data: names, inverse: true, axisLabel: {width: 130, overflow: "truncate"}},
        series: series
      };
    }

    make("chart-overall", {
      grid: {left: 8, right: 16, top: 24, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: data.categories, axisLabel: {interval: 0}}, yAxis: percentAxis(),
      series: [{name: L.share, type: "bar", data: data.overall, barMaxWidth: 48,
                label: {show: true, position: "top", formatter: "{c}%"}}]
    });

    make("chart-units", unitBars(data.units, data.categories.map(function (name, i) {
      return {name: name, type: "bar", data: data.unitShares[i]};
    }), percentAxis()), data.units.length);

    make("chart-attendance", unitBars(data.units, [
      {name: L.attendance, type: "bar", data: data.attendance, label: {show: true, position: "right", formatter: "{c}%"}}
    ], percentAxis()), data.units.length);

    if (data.bands) {
      make("chart-scores", {
        grid: {left: 8, right: 16, top: 24, bottom: 8, containLabel: true},
        xAxis: {type: "category", data: data.bands, axisLabel: {interval: 0}}, yAxis: {type: "value", minInterval: 1, name: L.people},
        series: [{name: L.people, type: "bar", data: data.bandCounts, barCategoryGap: "8%",
                  label: {show: true, position: "top"}}]
      });
    }

    if (data.trendUnits) {
      make("chart-trend", unitBars(data.trendUnits, [
        {name: L.scoreThen, type: "bar", data: data.trendScoreThen},
        {name: L.scoreNow, type: "bar", data: data.trendScoreNow}
      ], {type: "value"}), data.trendUnits.length);
    }

    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
