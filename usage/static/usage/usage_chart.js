// The dashboard's 12-month chart: bytes in GB on the left axis, counts on the right.
(function () {
  const canvas = document.getElementById("usage-chart");
  const source = document.getElementById("usage-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colors = ["#2563eb", "#16a34a", "#d97706", "#7c3aed"];
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map((set, i) => {
        const bytes = set.bytes;
        return {
          label: set.label,
          data: set.data,
          type: bytes ? "bar" : "line",
          yAxisID: bytes ? "bytes" : "counts",
          backgroundColor: colors[i % colors.length],
          borderColor: colors[i % colors.length],
        };
      }),
    },
    options: {
      responsive: true,
      interaction: { mode: "index", intersect: false },
      scales: {
        bytes: { type: "linear", position: "left", beginAtZero: true, title: { display: true, text: data.bytes_unit } },
        counts: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
      },
    },
  });
})();
