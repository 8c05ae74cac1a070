/*
 * The filter box of the sign-up lists (a firm's needs to rank, a buyer's firms to wish for): rows are
 * hidden as one types instead of the page being sent back, so nothing typed elsewhere is lost. The rows
 * stay in the form while hidden, so their ranks are sent with it as before.
 *
 * The rule is the server's (services/web/relevance_lists.py, matches): a row is shown when every word
 * typed is part of its data-search text. A row with an error is never hidden. Without JavaScript the box's
 * button sends the form back and the server hides the same rows; with data-live-only the button goes (the
 * whole list is on the page), otherwise it stays to search beyond the rows shown (the buyer's registry
 * search), still keeping what was typed. A polite status line says how many rows are shown.
 */
(function () {
  "use strict";

  var DELAY_MS = 120;

  function words(text) {
    return text.toLocaleLowerCase("sv").split(/\s+/).filter(function (word) {
      return word;
    });
  }

  function setup(container) {
    var list = document.getElementById(container.getAttribute("data-list-filter"));
    var box = container.querySelector("input[type=search]");
    if (!list || !box) {
      return;
    }
    var rows = Array.prototype.slice.call(list.querySelectorAll("[data-search]"));
    var status = container.querySelector("[role=status]");
    var hint = container.querySelector(".hint");
    var shownText = container.getAttribute("data-text-shown") || "{shown} / {total}";
    var timer = null;

    if (container.hasAttribute("data-live-only")) {
      var button = container.querySelector("button[type=submit]");
      if (button) {
        button.parentNode.removeChild(button);
      }
    }
    if (hint && container.getAttribute("data-text-live")) {
      hint.textContent = hint.textContent + " " + container.getAttribute("data-text-live");
    }

    function apply() {
      var typed = words(box.value);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.getAttribute("data-search") || "";
        var match = typed.every(function (word) {
          return text.indexOf(word) !== -1;
        });
        var keep = match || row.querySelector("[aria-invalid=true]") !== null;
        row.hidden = !keep;
        if (keep) {
          shown += 1;
        }
      });
      if (status) {
        status.textContent = typed.length
          ? shownText.replace("{shown}", String(shown)).replace("{total}", String(rows.length))
          : "";
      }
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(apply, DELAY_MS);
    });
    // Enter in the box filters here; it neither saves the form nor sends it back.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        window.clearTimeout(timer);
        apply();
      }
    });
    apply();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-list-filter]"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
