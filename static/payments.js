// The card form of a payment page: Stripe.js Elements (loaded from STRIPE_JS_URL), then back
// to the site, which retrieves the PaymentIntent and reconciles the payment.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var errors = document.getElementById("card-errors");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    stripe.confirmCardPayment(form.dataset.secret, {payment_method: {card: card}})
      .then(function (result) {
        if (result.error) {
          errors.textContent = form.dataset.failed + " " + (result.error.message || "");
        }
        // Either way the server retrieves the PaymentIntent and records the outcome.
        window.location.assign(form.dataset.return);
      });
  });
})();
