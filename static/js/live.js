/* Staff pages keep the bell, the menu's unread count and the title's count current: htmx polls
   #staff-live (templates/staff/_live.html); this file only keeps the title in step and leaves an
   open bell alone. The page works without this file (and without htmx): the counts of its load. */
(function () {
  "use strict";

  var baseTitle = document.title.replace(/^\(\d+\)\s*/, "");

  function isLive(element) {
    return element && element.id === "staff-live";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail && event.detail.elt;
    if (isLive(element) && element.querySelector("details[open]")) {
      event.preventDefault();  // the reader has the bell open: refresh on the next round
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var live = document.getElementById("staff-live");
    if (!live) {
      return;
    }
    var count = parseInt(live.getAttribute("data-unread-count") || "0", 10);
    document.title = (count > 0 ? "(" + count + ") " : "") + baseTitle;
  });
})();
