// A payment page waiting for the provider's answer fetches its status block again when the
// notification socket announces an update of this payment, and on every "hello" (the socket opened
// or reopened: an answer that came while it was closed is not replayed).
(function () {
  "use strict";
  var pending = ["pending", "processing"];
  document.addEventListener("webox:event", function (event) {
    var data = event.detail || {};
    var box = document.getElementById("payment-status");
    if (!box || !window.htmx) return;
    var mine = data.type === "payment.updated" && String(data.payment_id) === box.dataset.paymentId;
    var resync = data.type === "hello" && pending.indexOf(box.dataset.status) >= 0;
    if (mine || resync) htmx.ajax("GET", box.dataset.url, { target: "#payment-status", swap: "outerHTML" });
  });
})();
