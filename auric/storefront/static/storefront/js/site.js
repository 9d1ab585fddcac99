/* Progressive enhancement for every storefront page; the pages work without it.
   - forms marked data-autosubmit submit themselves when a choice changes (filters, sorting, piece);
   - the language form switches as soon as a language is picked;
   - on the checkout page, choosing shipping, or pickup at a chosen store, updates the review (fees
     differ), as the "apply and update" button does without JavaScript. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function autosubmit(form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target && (target.type === "checkbox" || target.type === "radio" || target.tagName === "SELECT")) {
        if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
      }
    });
  }

  document.querySelectorAll("form[data-autosubmit], form.lang, form.pieces").forEach(autosubmit);

  document.querySelectorAll("form[data-review-on-delivery]").forEach(function (form) {
    var button = form.querySelector("[data-review-button]");
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (!button || !target || target.type !== "radio" || (target.name !== "delivery" && target.name !== "store")) {
        return;
      }
      var method = form.querySelector("input[name=delivery]:checked");
      var store = form.querySelector("input[name=store]:checked");
      if (!method || (method.value === "pickup" && !store) || (target.name === "store" && method.value !== "pickup")) {
        return;
      }
      if (typeof form.requestSubmit === "function") { form.requestSubmit(button); } else { button.click(); }
    });
  });

  // On phones the filter panel starts folded so results come first (open without JavaScript).
  if (window.matchMedia && window.matchMedia("(max-width: 59.99em)").matches) {
    document.querySelectorAll("details[data-fold-on-phones]").forEach(function (d) { d.removeAttribute("open"); });
  }
})();
