/* The inbox's keyboard shortcuts, select-all and live title; no framework.
   j/k move, o open, r reply, e close, / search, ? help. The page works without this file. */
(function () {
  "use strict";

  var current = null; // ticket id of the highlighted row, kept across list refreshes
  var baseTitle = document.title.replace(/^\(\d+\)\s*/, "");

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox-list tr.inbox-row"));
  }

  function highlight(row) {
    rows().forEach(function (r) {
      r.classList.remove("inbox-current");
      r.removeAttribute("aria-current");
    });
    if (!row) { current = null; return; }
    row.classList.add("inbox-current");
    row.setAttribute("aria-current", "true");
    row.setAttribute("tabindex", "-1");
    row.focus({ preventScroll: false });
    current = row.getAttribute("data-ticket-id");
  }

  function currentRow() {
    if (current === null) return null;
    return document.querySelector('#inbox-list tr.inbox-row[data-ticket-id="' + current + '"]');
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(currentRow());
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : index + step;
    highlight(all[Math.max(0, Math.min(all.length - 1, next))]);
  }

  function open(hash) {
    var row = currentRow();
    if (row) window.location.assign(row.getAttribute("data-ticket-url") + (hash || ""));
  }

  function closeCurrent() {
    var row = currentRow();
    var button = document.querySelector('#inbox-list button[name="action"][value="close"]');
    var list = document.getElementById("inbox-list");
    if (!row || !button || !list) return;
    if (!window.confirm(list.getAttribute("data-confirm-close") || "?")) return;
    document.querySelectorAll('#inbox-list input[name="ticket_ids"]').forEach(function (box) {
      box.checked = box.value.split(":")[0] === current;  // "id:version"
    });
    button.click();
  }

  function help(show) {
    var box = document.getElementById("inbox-help");
    if (!box) return;
    box.hidden = show === undefined ? !box.hidden : !show;
    if (!box.hidden) {
      var close = box.querySelector("[data-inbox-help-close]");
      if (close) close.focus();
    }
  }

  function isTyping(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") { help(false); return; }
    if (isTyping(event.target)) return;
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      o: function () { open(""); },
      Enter: function () { if (currentRow() && event.target === currentRow()) open(""); },
      r: function () { open("#reply"); },
      e: closeCurrent,
      "/": function () { var q = document.getElementById("inbox-search-q"); if (q) q.focus(); },
      "?": function () { help(); }
    };
    var action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-inbox-help-close]")) help(false);
  });

  function setUpList() {
    var list = document.getElementById("inbox-list");
    if (!list) return;
    var all = list.querySelector(".inbox-select-all");
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        list.querySelectorAll('input[name="ticket_ids"]').forEach(function (box) { box.checked = all.checked; });
      });
      list.addEventListener("change", function (event) {
        if (event.target.name !== "ticket_ids") return;
        var boxes = Array.prototype.slice.call(list.querySelectorAll('input[name="ticket_ids"]'));
        var checked = boxes.filter(function (box) { return box.checked; }).length;
        all.checked = checked === boxes.length;
        all.indeterminate = checked > 0 && checked < boxes.length;
      });
    }
    var count = parseInt(list.getAttribute("data-unread-count") || "0", 10);
    document.title = (count > 0 ? "(" + count + ") " : "") + baseTitle;
    var row = currentRow();
    if (row) {
      row.classList.add("inbox-current");
      row.setAttribute("aria-current", "true");
      row.setAttribute("tabindex", "-1");
      var lost = !document.activeElement || document.activeElement === document.body;
      if (lost) row.focus({ preventScroll: true });  // the refresh took the focused row away
    }
  }

  // A refresh must not throw away what the user is doing: a selection or a half-typed note.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var list = document.getElementById("inbox-list");
    if (!list || event.target !== list) return;
    var busy = list.querySelector('input[name="ticket_ids"]:checked') ||
      (document.activeElement && list.contains(document.activeElement) && isTyping(document.activeElement));
    if (busy) event.preventDefault();
  });
  document.addEventListener("htmx:afterSettle", setUpList);
  document.addEventListener("DOMContentLoaded", setUpList);
})();
