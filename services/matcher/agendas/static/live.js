// An agenda page opened by its link follows re-plans: every few seconds it asks the same link's JSON whether a
// newer version was published (?since= the version shown: the changes are then against what the page
// shows) and then shows it. A reload, unless the reader is typing in a form on the page: then a notice with a button,
// so nothing typed is lost. A link that ends (revoked, the sign-up cancelled) reloads to the page saying so.
// While the service cannot be reached the page keeps what it shows.
(function () {
  "use strict";
  var root = document.documentElement;
  var version = parseInt(root.getAttribute("data-live-version"), 10);
  var base = location.pathname.match(/^\/a\/[^\/.]+/);
  if (!version || !base || !window.fetch) { return; }
  var seconds = parseFloat(root.getAttribute("data-live-seconds")) || 15;
  var source = base[0] + ".json?since=" + version + (root.getAttribute("lang") === "en" ? "&lang=en" : "");
  var typed = false;
  document.addEventListener("input", function () { typed = true; });

  function changed() {
    var notice = document.getElementById("live-update");
    if (!typed || !notice) { location.reload(); return; }
    notice.hidden = false;
    var button = notice.querySelector("button");
    if (button) {
      button.addEventListener("click", function () { location.reload(); });
      button.focus();
    }
  }

  function check() {
    fetch(source, { cache: "no-store", credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404 || response.status === 410) { location.reload(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (doc) {
        if (doc && typeof doc.version === "number" && doc.version !== version) { changed(); return; }
        setTimeout(check, seconds * 1000);
      })
      .catch(function () { setTimeout(check, seconds * 1000); });
  }

  setTimeout(check, seconds * 1000);
}());
