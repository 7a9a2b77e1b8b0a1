// Show published answers like the subject being typed (or the section chosen) on the ask form.
// Without JavaScript nothing appears and the form works as before.
(function () {
  "use strict";
  var box = document.getElementById("similar-answers");
  var subject = document.getElementById("subject");
  var section = document.getElementById("section");
  if (!box || !subject || !window.fetch) { return; }
  var timer = null;
  var last = "";

  function load() {
    var params = new URLSearchParams({ subject: subject.value.slice(0, 200), section: section ? section.value : "" });
    var query = params.toString();
    if (query === last) { return; }
    last = query;
    fetch(box.dataset.url + "?" + query, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (query === last) { box.innerHTML = html; } })
      .catch(function () { box.innerHTML = ""; });
  }

  function later() { window.clearTimeout(timer); timer = window.setTimeout(load, 400); }

  subject.addEventListener("input", later);
  if (section) { section.addEventListener("change", load); }

  box.addEventListener("click", function (event) {
    var button = event.target.closest(".similar-helpful");
    if (!button) { return; }
    fetch(button.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": box.dataset.csrf, "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok) { button.replaceWith(document.createTextNode(" — " + box.dataset.thanks)); }
    });
  });
}());
