/* Sésame's portal: progressive enhancements only; every form works without them.
 *
 * - the password criteria, ticked as the person types: the same rules as
 *   domain/password_policy.py, read from the page's JSON data block
 *   (#password-policy) that the server fills from its own policy;
 * - whether the confirmation matches;
 * - once either passes, the server's error about that field is taken away
 *   (beside the field and in the summary at the top of the form);
 * - a button to show or hide a password;
 * - « Imprimer » on the documents (CGU, « Mes données »).
 */
(function () {
  "use strict";

  // Python's classes, spelled for JavaScript: \d and \w are Unicode-aware there.
  var UPPER = /[A-ZÀ-ÖØ-Þ]/;
  var LOWER = /[a-zß-öø-ÿ]/;
  var DIGIT = /\p{Nd}/u;
  var SPECIAL = /[^\p{L}\p{N}_\s]|_/u;
  // [\d\W_]+ at either end in Python: anything but a letter or a non-decimal number.
  var DECORATION = /^[^\p{L}\p{Nl}\p{No}]+|[^\p{L}\p{Nl}\p{No}]+$/gu;

  function words(context) {
    var found = [];
    context.forEach(function (item) {
      item.replace(/@/g, " ").replace(/\./g, " ").split(/\s+/).forEach(function (part) {
        if (part.length >= 4) { found.push(part.toLowerCase()); }
      });
    });
    return found;
  }

  function isCommon(password, policy) {
    var folded = password.toLowerCase();
    var core = folded.replace(DECORATION, "");
    if (policy.blocklist.indexOf(folded) >= 0 || policy.blocklist.indexOf(core) >= 0) { return true; }
    return words(policy.context).some(function (w) { return folded.indexOf(w) >= 0; });
  }

  /* The criteria a password fails, named as the server names them. */
  function unmet(password, policy) {
    var failed = [];
    var length = Array.from(password.normalize("NFC")).length;
    if (length < policy.min_length) { failed.push("min_length"); }
    if (length > policy.max_length) { failed.push("max_length"); }
    if (policy.composition) {
      if (!UPPER.test(password)) { failed.push("uppercase"); }
      if (!LOWER.test(password)) { failed.push("lowercase"); }
      if (!DIGIT.test(password)) { failed.push("digit"); }
      if (!SPECIAL.test(password)) { failed.push("special"); }
    }
    if (isCommon(password, policy)) { failed.push("not_common"); }
    return failed;
  }
  window.sesameUnmet = unmet; // the browser tests compare it with the server's policy

  function mark(item, met) {
    item.classList.toggle("met", met);
    item.classList.toggle("unmet", !met);
    var state = item.querySelector(".state");
    if (state) { state.textContent = met ? " : respecté" : " : non respecté"; }
  }

  /* The server's error about ``input``, gone once the live check passes. */
  function clearServerError(input) {
    var field = input.closest(".field");
    var error = field && field.querySelector(".field-error");
    if (!error) { return; }
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== error.id;
    });
    if (described.length) { input.setAttribute("aria-describedby", described.join(" ")); } else { input.removeAttribute("aria-describedby"); }
    error.remove();
    field.classList.remove("field-invalid");
    input.removeAttribute("aria-invalid");
    var entry = document.querySelector('.error-summary a[href="#' + input.id + '"]');
    if (entry) { entry.parentNode.remove(); }
  }

  function watchCriteria(input, policy) {
    var list = document.getElementById(input.getAttribute("data-criteria"));
    var summary = document.getElementById("criteres-bilan");
    if (!list) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-criterion]"));
    input.addEventListener("input", function () {
      var failed = unmet(input.value, policy);
      var shown = 0, met = 0;
      items.forEach(function (item) {
        var code = item.getAttribute("data-criterion");
        var ok = failed.indexOf(code) < 0;
        if (code === "max_length") { item.hidden = ok; }
        if (!item.hidden) { shown += 1; met += ok ? 1 : 0; }
        mark(item, ok);
      });
      if (summary) { summary.textContent = met + " critères sur " + shown + " respectés"; }
      if (!failed.length) { clearServerError(input); }
    });
  }

  function watchConfirmation(input) {
    var original = document.getElementById(input.getAttribute("data-confirms"));
    if (!original) { return; }
    var note = document.createElement("p");
    note.className = "match";
    note.setAttribute("aria-live", "polite");
    input.closest(".field").insertAdjacentElement("afterend", note);
    function update() {
      if (!input.value) { note.textContent = ""; note.className = "match"; return; }
      var same = input.value === original.value;
      note.className = "match " + (same ? "met" : "unmet");
      note.textContent = same ? "✓ Les deux mots de passe sont identiques" : "✗ Les deux mots de passe sont différents";
      if (same) { clearServerError(input); }
    }
    input.addEventListener("input", update);
    original.addEventListener("input", update);
  }

  function addReveal(input) {
    var wrap = document.createElement("div");
    wrap.className = "reveal-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "reveal";
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.textContent = "Afficher";
    button.setAttribute("aria-label", "Afficher le mot de passe");
    button.addEventListener("click", function () {
      var hidden = input.type === "password";
      input.type = hidden ? "text" : "password";
      button.textContent = hidden ? "Masquer" : "Afficher";
      button.setAttribute("aria-pressed", hidden ? "true" : "false");
      button.setAttribute("aria-label", (hidden ? "Masquer" : "Afficher") + " le mot de passe");
    });
    wrap.appendChild(button);
  }

  function start() {
    var data = document.getElementById("password-policy");
    var policy = data ? JSON.parse(data.textContent) : null;
    if (policy) {
      document.querySelectorAll("input[data-criteria]").forEach(function (input) { watchCriteria(input, policy); });
    }
    document.querySelectorAll("input[data-confirms]").forEach(watchConfirmation);
    document.querySelectorAll("input[data-reveal]").forEach(addReveal);
    // « Imprimer »: shown only where a script can print; the print style sheet does the rest.
    document.querySelectorAll("button[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
