/* Sésame's passkey ceremonies: the only part of the portal that needs JavaScript.
 *
 * WebAuthn is reached through navigator.credentials alone, so this script
 * only carries the server's options to the browser and the authenticator's
 * answer back into an ordinary form, which the server checks (py_webauthn).
 * Without this script (or without WebAuthn), the passkey forms stay hidden
 * and the page says why ([data-passkey-unavailable]).
 *
 * - form[data-passkey="sign-in"]: on submit, POST its CSRF token to
 *   data-options, answer those options with navigator.credentials.get, then
 *   send the form with the answer in its "credential" field;
 * - form[data-passkey="create"]: the options are in data-options (JSON); on
 *   submit, navigator.credentials.create, then send the form likewise;
 * - [data-passkey="shown"]: anything else shown only where passkeys work.
 */
(function () {
  "use strict";

  function fromB64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i += 1) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: fromB64url(c.id) }); });
  }

  /* The server's JSON options as navigator.credentials wants them (binary fields as buffers). */
  function creationOptions(options) {
    return Object.assign({}, options, {
      challenge: fromB64url(options.challenge),
      user: Object.assign({}, options.user, { id: fromB64url(options.user.id) }),
      excludeCredentials: withIds(options.excludeCredentials)
    });
  }

  function requestOptions(options) {
    return Object.assign({}, options, {
      challenge: fromB64url(options.challenge),
      allowCredentials: withIds(options.allowCredentials)
    });
  }

  /* The authenticator's answer as JSON, binary fields in base64url (what py_webauthn reads). */
  function answer(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) { response.transports = r.getTransports(); }
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      if (r.userHandle) { response.userHandle = toB64url(r.userHandle); }
    }
    return JSON.stringify({
      id: credential.id, rawId: toB64url(credential.rawId), type: credential.type, response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {}
    });
  }

  function say(form, text) {
    var box = form.parentNode.querySelector("[data-passkey-error]");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = !text;
    if (text) { box.focus(); }
  }

  function why(error) {
    if (error && error.name === "InvalidStateError") {
      return "Cet appareil contient déjà une clé d'accès pour votre compte.";
    }
    if (error && error.name === "NotAllowedError") {
      return "L'opération a été annulée ou a pris trop de temps. Réessayez.";
    }
    return "La clé d'accès n'a pas pu être utilisée. Réessayez, ou utilisez votre mot de passe.";
  }

  function optionsFromServer(form) {
    var csrf = form.querySelector("input[name=csrf]");
    return fetch(form.getAttribute("data-options"), {
      method: "POST", credentials: "same-origin", headers: { Accept: "application/json" },
      body: new URLSearchParams({ csrf: csrf ? csrf.value : "" })
    }).then(function (response) {
      if (!response.ok) { throw new Error("options refused"); }
      return response.json();
    });
  }

  function ceremony(form) {
    if (form.getAttribute("data-passkey") === "create") {
      var created = creationOptions(JSON.parse(form.getAttribute("data-options")));
      return navigator.credentials.create({ publicKey: created });
    }
    return optionsFromServer(form).then(function (options) {
      return navigator.credentials.get({ publicKey: requestOptions(options) });
    });
  }

  function watch(form) {
    var busy = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      say(form, "");
      ceremony(form).then(function (credential) {
        form.querySelector("input[name=credential]").value = answer(credential);
        form.submit();
      }).catch(function (error) {
        busy = false;
        say(form, why(error));
      });
    });
  }

  function start() {
    var usable = !!(window.PublicKeyCredential && navigator.credentials && window.fetch);
    if (!usable) { return; }
    document.querySelectorAll("[data-passkey-unavailable]").forEach(function (note) { note.hidden = true; });
    document.querySelectorAll("[data-passkey]").forEach(function (element) { element.hidden = false; });
    document.querySelectorAll("form[data-passkey=sign-in], form[data-passkey=create]").forEach(watch);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
