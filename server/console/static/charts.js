// Draws the console's charts with ECharts from the JSON the page carries beside its table
// (<script type="application/json" id=...>); the page's table shows the same figures.
(function () {
  function draw(el) {
    const spec = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    const chart = echarts.init(el, null, { renderer: "svg" });
    const base = { animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
                   grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true } };
    if (spec.kind === "stacked") {
      chart.setOption(Object.assign(base, {
        legend: { top: 0, type: "scroll" },
        xAxis: { type: "category", data: spec.categories },
        yAxis: { type: "value", minInterval: 1 },
        series: spec.series.map((s) => ({ name: s.name, type: "bar", stack: "levels",
                                          data: s.data, itemStyle: { color: s.color } })),
      }));
    } else {
      base.grid.top = 8;
      base.grid.right = 40;  // room for the value label of the longest bar
      chart.setOption(Object.assign(base, {
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: spec.categories },
        series: [{ type: "bar", data: spec.data, itemStyle: { color: spec.color },
                   label: { show: true, position: "right" } }],
      }));
    }
    window.addEventListener("resize", () => chart.resize());
  }
  function start() {
    document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
    if (typeof echarts === "undefined") return;  // the tables still show every figure
    document.querySelectorAll("[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
