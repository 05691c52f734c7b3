// The agent statistics page: tickets per status as a bar chart (the figures are the page's
// #status-data JSON, the series label the canvas's data-label).
(function () {
  "use strict";
  var canvas = document.getElementById("status-chart"), source = document.getElementById("status-data");
  if (!canvas || !source) return;
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "bar",
    data: { labels: Object.keys(data), datasets: [{ label: canvas.dataset.label, data: Object.values(data), backgroundColor: "#3b5bdb" }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
