/* Passkeys (WebAuthn) in the browser: register, sign in, and step up before a high-value payment.
   No inline script (CSP script-src 'self'): pages opt in with data attributes, and other scripts
   may call window.AuricPasskey directly. All calls go to /api/v1/auth/… with the session cookie
   and the CSRF token; binary WebAuthn members travel as base64url.

   Markup the storefront can use:
     <button data-passkey-register data-passkey-name="…">            add a passkey to my account
     <button data-passkey-login data-passkey-next="/account/">        sign in with a passkey
     <form data-step-up data-step-up-purpose="payment"
           data-step-up-binding='{"order_number":"…","amount":"…","currency":"CNY","payee":"…"}'>
       … <input name="totp_code"> (the always-offered alternative, COMPLIANCE D2) …
     </form>
   Status and errors go to the element's [data-passkey-status] child (or the element's
   data-passkey-status-target selector), with role="status" set by the page. Events
   "auric:passkey-registered", "auric:signed-in" and "auric:stepped-up" bubble from the element.
*/
(function () {
  "use strict";

  var API = "/api/v1/auth";

  // --- base64url <-> ArrayBuffer -----------------------------------------------------------
  function toBuffer(b64url) {
    var b64 = String(b64url).replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeCreationOptions(o) {
    var options = Object.assign({}, o);
    options.challenge = toBuffer(o.challenge);
    options.user = Object.assign({}, o.user, { id: toBuffer(o.user.id) });
    options.excludeCredentials = (o.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: toBuffer(c.id) });
    });
    return options;
  }

  function decodeRequestOptions(o) {
    var options = Object.assign({}, o);
    options.challenge = toBuffer(o.challenge);
    options.allowCredentials = (o.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: toBuffer(c.id) });
    });
    return options;
  }

  function credentialToJSON(cred) {
    if (typeof cred.toJSON === "function") {
      try { return cred.toJSON(); } catch (e) { /* fall through to the manual form */ }
    }
    var r = cred.response;
    var response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      response.userHandle = toB64url(r.userHandle);
    }
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      response: response,
      authenticatorAttachment: cred.authenticatorAttachment || null,
      clientExtensionResults: typeof cred.getClientExtensionResults === "function" ? cred.getClientExtensionResults() : {}
    };
  }

  // --- HTTP --------------------------------------------------------------------------------
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(path, body) {
    return fetch(API + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var err = new Error(data.detail || data.title || ("HTTP " + res.status));
          err.problem = data;
          err.status = res.status;
          throw err;
        }
        return data;
      });
    });
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create);
  }

  // --- ceremonies --------------------------------------------------------------------------
  function register(name) {
    return post("/passkeys/register/options").then(function (begun) {
      return navigator.credentials.create({ publicKey: decodeCreationOptions(begun.publicKey) }).then(function (cred) {
        return post("/passkeys/register/verify", {
          challenge_id: begun.challenge_id, credential: credentialToJSON(cred), name: name || ""
        });
      });
    });
  }

  function signIn(username) {
    return post("/passkeys/login/options", { username: username || "" }).then(function (begun) {
      return navigator.credentials.get({ publicKey: decodeRequestOptions(begun.publicKey) }).then(function (cred) {
        return post("/passkeys/login/verify", { challenge_id: begun.challenge_id, credential: credentialToJSON(cred) });
      });
    });
  }

  /* Step up for one purpose and binding (take both from the step_up_required problem's `begin.body`).
     With a TOTP code, no passkey prompt is shown. Resolves with the grant. */
  function stepUp(purpose, binding, totpCode) {
    return post("/step-up/begin", { purpose: purpose, binding: binding }).then(function (begun) {
      if (totpCode) {
        return post("/step-up/complete", { challenge_id: begun.challenge_id, totp_code: totpCode });
      }
      return navigator.credentials.get({ publicKey: decodeRequestOptions(begun.publicKey) }).then(function (cred) {
        return post("/step-up/complete", { challenge_id: begun.challenge_id, assertion: credentialToJSON(cred) });
      });
    });
  }

  window.AuricPasskey = { supported: supported, register: register, signIn: signIn, stepUp: stepUp };

  // --- data-attribute wiring -----------------------------------------------------------------
  function statusOf(el) {
    var sel = el.getAttribute("data-passkey-status-target");
    return (sel && document.querySelector(sel)) || el.querySelector("[data-passkey-status]");
  }

  function say(el, text) {
    var target = statusOf(el);
    if (target) { target.textContent = text; }
  }

  function failed(el, err) {
    // A cancelled or timed-out prompt is a NotAllowedError: not worth a scary message.
    var message = err && err.name === "NotAllowedError" ? (el.getAttribute("data-passkey-cancelled") || "")
      : (err && err.message) || "";
    say(el, message);
    el.dispatchEvent(new CustomEvent("auric:passkey-failed", { bubbles: true, detail: err && err.problem }));
  }

  function fire(el, name, detail) {
    el.dispatchEvent(new CustomEvent(name, { bubbles: true, detail: detail }));
  }

  function wire() {
    var hasWebAuthn = supported();
    document.querySelectorAll("[data-passkey-register], [data-passkey-login]").forEach(function (el) {
      if (!hasWebAuthn) { el.hidden = true; return; }
      el.addEventListener("click", function (e) {
        e.preventDefault();
        var action = el.hasAttribute("data-passkey-register")
          ? register(el.getAttribute("data-passkey-name") || "")
          : signIn(el.getAttribute("data-passkey-username") || "");
        action.then(function (result) {
          if (el.hasAttribute("data-passkey-register")) {
            fire(el, "auric:passkey-registered", result);
          } else {
            fire(el, "auric:signed-in", result);
            var next = el.getAttribute("data-passkey-next");
            if (next && next.charAt(0) === "/" && next.charAt(1) !== "/") { window.location.assign(next); }
          }
        }, function (err) { failed(el, err); });
      });
    });

    document.querySelectorAll("form[data-step-up]").forEach(function (form) {
      var passkeyButton = form.querySelector("[data-step-up-passkey]");
      if (passkeyButton && !hasWebAuthn) { passkeyButton.hidden = true; }
      function binding() {
        try { return JSON.parse(form.getAttribute("data-step-up-binding") || "{}"); } catch (e) { return {}; }
      }
      function run(code) {
        stepUp(form.getAttribute("data-step-up-purpose") || "payment", binding(), code).then(function (grant) {
          fire(form, "auric:stepped-up", grant);
          if (form.hasAttribute("data-step-up-submit")) { form.submit(); }
        }, function (err) { failed(form, err); });
      }
      if (passkeyButton) {
        passkeyButton.addEventListener("click", function (e) { e.preventDefault(); run(null); });
      }
      form.addEventListener("submit", function (e) {
        if (form.getAttribute("data-stepped-up") === "1") { return; }
        e.preventDefault();
        var input = form.querySelector("input[name=totp_code]");
        var code = input ? input.value.replace(/\s+/g, "") : "";
        if (code) {
          run(code);
        } else if (hasWebAuthn) {
          run(null);
        }
      });
      form.addEventListener("auric:stepped-up", function () { form.setAttribute("data-stepped-up", "1"); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
