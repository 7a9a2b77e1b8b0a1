/* The citizens' pages: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // The rating link in the mail: a person's click records the grade at once. A mail scanner
  // that only fetches the page does not run this, so it records nothing.
  function submitOneClickRating() {
    var form = document.querySelector("form[data-autosubmit]");
    if (!form || form.dataset.sent) return;
    form.dataset.sent = "1";
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  // After a refused form, keyboard and screen-reader focus goes to the list of problems.
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  function characters(text) {
    return Array.from(text.replace(/\r\n/g, "\n").trim()).length; // as the server counts
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  // A live counter under long text fields: warns before the limit, never cuts text off.
  function attachCounter(field) {
    var max = parseInt(field.dataset.maxchars, 10);
    var output = document.getElementById(field.id + "-counter");
    if (!max || !output) return;
    var warnAt = Math.floor(max * 0.9);
    function update() {
      var n = characters(field.value);
      var template = output.dataset.count;
      var state = "";
      if (n > max) { template = output.dataset.over; state = "over"; }
      else if (n >= warnAt) { template = output.dataset.near; state = "near"; }
      output.textContent = fill(template, { n: n, max: max, over: n - max, left: max - n });
      output.dataset.state = state;
      output.setAttribute("aria-live", state ? "assertive" : "off");
    }
    field.addEventListener("input", update);
    output.hidden = false;
    update();
  }

  // The information-application fields appear only when that kind of enquiry is chosen.
  function toggleApplicationFields() {
    var section = document.querySelector(".info-application");
    var radios = document.querySelectorAll("input[name=kind]");
    if (!section || !radios.length) return;
    function update() {
      var chosen = document.querySelector("input[name=kind]:checked");
      section.hidden = !(chosen && chosen.value === section.dataset.kind);
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-maxchars]").forEach(attachCounter);
    toggleApplicationFields();
    focusErrorSummary();
    submitOneClickRating();
  });
})();
