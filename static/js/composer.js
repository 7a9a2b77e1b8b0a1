/* The reply composer: insert a canned reply where the cursor is (no reload, scroll kept), and
   never submit the same answer twice. The page works without this file: the buttons post. */
(function () {
  "use strict";

  function insertAt(area, text) {
    var value = area.value;
    var start = area.dataset.touched ? area.selectionStart : value.length;
    var end = area.dataset.touched ? area.selectionEnd : value.length;
    var before = value.slice(0, start);
    var after = value.slice(end);
    var gap = "";
    if (before && !/\n\n$/.test(before)) {
      gap = /\n$/.test(before) ? "\n" : "\n\n";
    }
    var piece = gap + text;
    area.value = before + piece + after;
    var caret = before.length + piece.length;
    area.focus({ preventScroll: true });
    area.setSelectionRange(caret, caret);
    area.dataset.touched = "1";
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches(".ticket-composer textarea")) {
      event.target.dataset.touched = "1";
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".composer-insert") : null;
    if (!button || !button.form) {
      return;
    }
    var area = button.form.querySelector("textarea[name='reply-body']");
    if (!area) {
      return;
    }
    event.preventDefault();
    var x = window.scrollX;
    var y = window.scrollY;
    insertAt(area, button.getAttribute("data-text") || "");
    window.scrollTo(x, y);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("composer-form")) {
      return;
    }
    var submitter = event.submitter;
    if (submitter && submitter.classList.contains("composer-insert")) {
      return;
    }
    if (form.dataset.sending) {
      event.preventDefault();  // a second click would send the same answer again
      return;
    }
    form.dataset.sending = "1";
    var area = form.querySelector("textarea[hx-post]");
    if (area && window.htmx) {
      window.htmx.trigger(area, "htmx:abort");  // a draft save on its way is outrun by the send
    }
  });

  // The draft is saved as the clerk types (800 ms after the last key). Once the answer is on its
  // way, a late save would only be refused (the ticket moved on) and would race the send's reply.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail && event.detail.elt;
    var form = elt && elt.closest ? elt.closest(".composer-form") : null;
    if (form && elt !== form && (form.dataset.sending || !document.body.contains(elt))) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.classList && form.classList.contains("composer-form")
        && !event.detail.successful) {
      delete form.dataset.sending;  // the answer came back (a 409, a lost connection): may retry
    }
  });
})();
