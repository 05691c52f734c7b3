// The back-office dashboard's charts, one per currency and kind (MRR movement, money collected),
// from the page's #chart-data and #chart-labels JSON.
(function () {
  "use strict";
  const holder = document.getElementById("charts"), source = document.getElementById("chart-data");
  if (!holder || !source) return;
  const data = JSON.parse(source.textContent);
  const words = JSON.parse(document.getElementById("chart-labels").textContent);
  for (const [currency, sets] of Object.entries(data)) {
    for (const [kind, set] of Object.entries(sets)) {
      const canvas = document.createElement("canvas");
      canvas.style.maxHeight = "280px";
      const title = document.createElement("h2");
      title.textContent = (kind === "movement" ? words.movement : words.collected) + " (" + currency + ")";
      holder.append(title, canvas);
      const datasets = kind === "movement"
        ? ["new", "expansion", "reactivation", "contraction", "churned"].map(k => ({label: words[k], data: set[k], stack: "m", type: "bar"}))
            .concat([{label: words.mrr, data: set.mrr, type: "line"}])
        : [{label: words.net, data: set.net, type: "bar"}];
      new Chart(canvas, {data: {labels: set.labels, datasets}, options: {scales: {x: {stacked: true}, y: {stacked: kind === "movement"}}}});
    }
  }
})();
