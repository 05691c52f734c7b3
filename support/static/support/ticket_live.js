// A ticket page (customer or agent) reloads its conversation when the notification socket announces a
// new message or a status change on this ticket (the server renders only what that reader may see),
// and on every "hello": events sent while the socket was closed are not replayed.
(function () {
  "use strict";
  function thread() { return document.querySelector("[data-ticket-live]"); }
  if (!thread()) return;
  var ticketId = Number(thread().dataset.ticketId);

  function reload() {
    var box = thread();
    if (!box) return;
    htmx.ajax("GET", box.dataset.url, { target: box, swap: "outerHTML" }).then(function () {
      var fresh = thread();
      if (!fresh) return;
      document.querySelectorAll("[data-ticket-status]").forEach(function (badge) {
        badge.textContent = fresh.dataset.statusLabel;
        badge.className = "status " + fresh.dataset.status;
      });
    });
  }

  document.addEventListener("webox:event", function (event) {
    var data = event.detail || {};
    if (data.type === "hello") reload();
    else if (data.ticket === ticketId && (data.type === "support.message" || data.type === "support.status")) reload();
  });
})();
