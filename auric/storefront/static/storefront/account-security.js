/* The account security page (storefront/account_security.html): the name typed for a new passkey
   goes to passkey.js through data-passkey-name, and the page reloads once the passkey is added so
   it appears in the list. No inline script (CSP script-src 'self'). */
(function () {
  "use strict";

  function wire() {
    var box = document.querySelector("[data-add-passkey]");
    if (!box) { return; }
    var button = box.querySelector("[data-passkey-register]");
    var input = box.querySelector("[data-passkey-name-input]");
    if (!button) { return; }
    if (button.hidden && input) {  // no WebAuthn in this browser: passkey.js hid the button
      input.closest("[data-add-passkey]").hidden = true;
      return;
    }
    if (input) {
      input.addEventListener("input", function () { button.setAttribute("data-passkey-name", input.value.trim()); });
    }
    button.addEventListener("auric:passkey-registered", function () {
      var status = document.getElementById("passkey-status");
      if (status) { status.textContent = button.getAttribute("data-passkey-added") || ""; }
      window.location.reload();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
