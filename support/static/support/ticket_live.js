// A ticket page (customer or agent) reloads its conversation when the notification socket announces a
// new message or a status change on this ticket (the server renders only what that reader may see).
(function () {
  "use strict";
  function thread() { return document.querySelector("[data-ticket-live]"); }
  if (!thread()) return;
  var ticketId = Number(thread().dataset.ticketId);
  document.addEventListener("webox:event", function (event) {
    var data = event.detail || {};
    var box = thread();
    if (!box || data.ticket !== ticketId) return;
    if (data.type === "support.message" || data.type === "support.status") {
      htmx.ajax("GET", box.dataset.url, { target: box, swap: "outerHTML" });
    }
    if (data.type === "support.status") {
      document.querySelectorAll("[data-ticket-status]").forEach(function (badge) {
        badge.textContent = data.status.replace("_", " ");
        badge.className = "status " + data.status;
      });
    }
  });
})();
