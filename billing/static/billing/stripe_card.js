// The pay page's Stripe card field (loaded only when Stripe is offered): card details go from the
// browser to Stripe; the server only receives the pm_… id. The publishable key is the card
// holder's data-stripe-key.
(function () {
  "use strict";
  var holder = document.getElementById("stripe-card"), form = document.getElementById("pay-form");
  if (!holder || !form) return;
  var stripe = Stripe(holder.dataset.stripeKey), card = stripe.elements().create("card");
  card.mount(holder);
  form.addEventListener("submit", function (event) {
    var hidden = form.querySelector("[name=stripe_payment_method]");
    if (form.querySelector("[name=provider]").value !== "stripe" || hidden.value || form.querySelector("[name=payment_method]")?.value) return;
    event.preventDefault();
    stripe.createPaymentMethod({type: "card", card: card}).then(function (result) {
      if (result.error) { document.getElementById("stripe-error").textContent = result.error.message; return; }
      hidden.value = result.paymentMethod.id;
      form.submit();
    });
  });
})();
