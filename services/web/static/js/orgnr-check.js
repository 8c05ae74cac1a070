/*
 * Checks the organisation number as the firm types: after a short pause it asks /api/orgnr and
 * writes "Giltigt" or what is wrong into the aria-live region next to the field, so screen readers
 * hear it too. The server checks again when the form is sent; without JavaScript nothing changes.
 */
(function () {
  "use strict";

  var DELAY_MS = 400;

  function setup(container) {
    var input = container.querySelector("input[name=orgnr]");
    var status = container.querySelector("[aria-live]");
    if (!input || !status || !window.fetch) {
      return;
    }
    var api = container.getAttribute("data-api") || "/api/orgnr";
    var lang = container.getAttribute("data-lang") || "sv";
    var timer = null;
    var asked = 0;

    function show(message, valid) {
      status.textContent = message;
      status.className = valid ? "field-ok" : "field-error";
    }

    function check() {
      var value = input.value.trim();
      if (value.length < 10) {
        status.textContent = "";
        return;
      }
      var ticket = ++asked;
      var url = api + "?value=" + encodeURIComponent(value) + "&lang=" + encodeURIComponent(lang);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          if (answer && ticket === asked) {
            show(answer.message, answer.valid);
          }
        })
        .catch(function () {
          /* The check is a help only; the server checks on submit. */
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, DELAY_MS);
    });
    input.addEventListener("blur", function () {
      window.clearTimeout(timer);
      check();
    });
  }

  document.querySelectorAll("[data-orgnr-check]").forEach(setup);
})();
