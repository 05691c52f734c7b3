// Studio: tabs, the credit price of a form before it is submitted, and live job cards.
(function () {
  "use strict";

  function estimate(form) {
    var engine = form.querySelector("[data-engine]");
    var output = form.querySelector("[data-estimate]");
    if (!engine || !output) return;
    var option = engine.options[engine.selectedIndex];
    var perUnit = option ? Number(option.dataset.credits || 0) : 0;
    var units = 1;
    var unitsField = form.querySelector("[data-units]");
    if (unitsField) units = Number(unitsField.value || 0);
    var prompt = form.querySelector("textarea[name=prompt]");
    var kind = form.closest("[data-kind]") ? form.closest("[data-kind]").dataset.kind : "chat";
    if (kind === "audio" && prompt) units = Math.max(1, Math.ceil(prompt.value.length / 1000));
    if (kind === "chat") {
      var maxTokens = form.querySelector("[name=max_tokens]");
      var chars = prompt ? prompt.value.length : 0;
      units = Math.ceil((Math.ceil(chars / 3) + Number(maxTokens ? maxTokens.value : 0)) / 1000);
    }
    output.textContent = String(perUnit * units);
  }

  function refreshCard(jobId) {
    document.querySelectorAll('[data-job="' + jobId + '"]').forEach(function (card) {
      if (window.htmx) htmx.ajax("GET", card.dataset.cardUrl, { target: card, swap: "outerHTML" });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-price-form]").forEach(function (form) {
      form.addEventListener("input", function () { estimate(form); });
      form.addEventListener("change", function () { estimate(form); });
      estimate(form);
    });
    document.querySelectorAll("[data-tab]").forEach(function (tab) {
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        document.querySelectorAll("[data-kind]").forEach(function (section) {
          section.hidden = section.dataset.kind !== tab.dataset.tab;
        });
        document.querySelectorAll("[data-tab]").forEach(function (other) {
          other.classList.toggle("btn-secondary", other !== tab);
        });
      });
    });
  });

  // After a "hello" (the socket opened or reopened), jobs shown as active are fetched again: their
  // events while no socket was open are not replayed. A finished job's detail page reloads.
  function resync() {
    document.querySelectorAll("[data-job][data-active]").forEach(function (card) {
      if (!window.htmx) return;
      htmx.ajax("GET", card.dataset.cardUrl, { target: card, swap: "outerHTML" }).then(function () {
        var fresh = document.querySelector('[data-job="' + card.dataset.job + '"]');
        if (fresh && !fresh.hasAttribute("data-active") && document.querySelector("[data-reload-on-finish]")) {
          window.location.reload();
        }
      });
    });
  }

  // Live updates: the notification socket re-emits every message as a "webox:event".
  document.addEventListener("webox:event", function (event) {
    var data = event.detail || {};
    if (data.type === "hello") resync();
    if (data.type !== "generation.job") return;
    refreshCard(data.job);
    // Detail and chat pages show files, costs and replies that only exist once the job ends.
    var finished = ["succeeded", "failed", "canceled"].indexOf(data.status) >= 0;
    if (finished && document.querySelector("[data-reload-on-finish]") && document.querySelector('[data-job="' + data.job + '"]')) {
      window.location.reload();
    }
  });
})();
