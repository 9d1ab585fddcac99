/* Progressive enhancement for every storefront page; the pages work without it.
   - forms marked data-autosubmit submit themselves when a choice changes (filters, sorting, piece);
   - the language form switches as soon as a language is picked. */
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

  // On phones the filter panel starts folded so results come first (open without JavaScript).
  if (window.matchMedia && window.matchMedia("(max-width: 59.99em)").matches) {
    document.querySelectorAll("details[data-fold-on-phones]").forEach(function (d) { d.removeAttribute("open"); });
  }
})();
