/* The coverage dashboard: ECharts charts from the data in #report-charts, and sortable tables.
   A chart with nothing to draw is not here at all: the page says so in words instead (views._charts).
   The charts sit in a folded <details>: each is drawn when its section is first opened (ECharts
   cannot measure a hidden element). */
(function () {
  "use strict";
  const source = document.getElementById("report-charts");
  const data = source ? JSON.parse(source.textContent) : null;
  const charts = [];

  function draw(el, option) {
    const c = echarts.init(el);
    // containLabel: the axis labels (rotated category names, long in English) stay inside the chart.
    c.setOption(Object.assign({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    }, option));
    charts.push(c);
  }

  function chart(id, option) {
    const el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return;
    const fold = el.closest("details");
    if (!fold || fold.open) {
      draw(el, option);
      return;
    }
    const onToggle = () => {
      if (!fold.open) return;
      fold.removeEventListener("toggle", onToggle);
      draw(el, option);
    };
    fold.addEventListener("toggle", onToggle);
  }

  function bar(id, items, name) {
    chart(id, {
      xAxis: { type: "category", data: items.map((i) => i.name), axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", name: name, data: items.map((i) => i.value) }],
    });
  }

  if (data) {
    bar("chart-coverage", data.coverage_by_child, data.labels.coverage);
    chart("chart-trend", {
      legend: { top: 0 },
      xAxis: { type: "category", data: data.trend.map((t) => t.label || t.week) },
      yAxis: [{ type: "value", name: "%" }, { type: "value" }],
      series: [
        { type: "line", name: data.labels.coverage, data: data.trend.map((t) => t.coverage_rate) },
        { type: "line", name: data.labels.in_service, yAxisIndex: 1, data: data.trend.map((t) => t.in_service) },
      ],
    });
    bar("chart-clubs", data.clubs_by_category, data.labels.clubs);
    bar("chart-incidents", data.incidents_by_type, data.labels.incidents);
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }

  document.querySelectorAll(".sortable-table").forEach((table) => {
    table.querySelectorAll("th .sort-button").forEach((button, index) => {
      button.addEventListener("click", () => {
        const numeric = button.dataset.type === "number";
        const ascending = button.dataset.order !== "asc";
        button.dataset.order = ascending ? "asc" : "desc";
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        const key = (row) => {
          const cell = row.cells[index];
          const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
          if (!numeric) return raw;
          return raw === "" ? -Infinity : parseFloat(raw);
        };
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          const cmp = numeric ? x - y : String(x).localeCompare(String(y), "zh-Hans-CN");
          return ascending ? cmp : -cmp;
        });
        rows.forEach((row) => body.appendChild(row));
      });
    });
  });
})();
