/*
 * The CPV picker: turns the plain "codes separated by commas" text field into a search box that
 * suggests codes as the firm types (label and where it sits in the CPV tree) and shows the chosen
 * codes as buttons that remove them. The chosen codes still travel in the same field, so the server
 * sees exactly what it sees without JavaScript.
 *
 * The search box follows the ARIA combobox pattern: role=combobox with aria-expanded and
 * aria-controls naming a role=listbox; arrow keys move through the options (aria-activedescendant),
 * Enter picks, Escape closes. A polite live region says how many matches there are and what was
 * added or removed.
 */
(function () {
  "use strict";

  var DELAY_MS = 250;
  var MIN_CHARS = 2;
  var counter = 0;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function setup(container) {
    // The field the codes travel in: cpv_codes (a firm's profile) unless the container names another.
    var field = container.querySelector("input[name=" + (container.getAttribute("data-field") || "cpv_codes") + "]");
    if (!field || !window.fetch) {
      return;
    }
    var id = "cpv-picker-" + ++counter;
    var api = container.getAttribute("data-api") || "/api/cpv";
    var lang = container.getAttribute("data-lang") || "sv";
    var text = function (name, fallback) {
      return container.getAttribute("data-text-" + name) || fallback;
    };
    var picked = [];
    try {
      picked = JSON.parse(container.getAttribute("data-picked") || "[]");
    } catch (error) {
      picked = [];
    }
    // Codes typed that the server did not recognise stay in the field (and its error message).
    var known = {};
    picked.forEach(function (item) {
      known[item.code] = true;
    });
    var unknown = field.value
      .split(/[\s,;]+/)
      .filter(function (code) {
        return code && !known[code.split("-")[0]];
      });

    // The typed field becomes hidden; the search box takes over its label, error and place.
    var describedBy = (field.getAttribute("aria-describedby") || "")
      .split(/\s+/)
      .filter(function (name) {
        return name && /-error$/.test(name);
      })
      .join(" ");
    var invalid = field.getAttribute("aria-invalid");
    field.type = "hidden";
    field.removeAttribute("aria-describedby");
    var staticList = container.querySelector("#cpv-picked-static");
    if (staticList) {
      staticList.parentNode.removeChild(staticList);
    }
    var typedHint = container.querySelector("#" + field.id + "-hint");
    if (typedHint) {
      typedHint.hidden = true; // "separate codes with commas" no longer applies
    }
    var label = container.querySelector("label[for='" + field.id + "']");
    if (label) {
      label.setAttribute("for", id + "-input");
    }
    var input = element("input", {
      id: id + "-input",
      type: "text",
      role: "combobox",
      autocomplete: "off",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": id + "-listbox",
      "aria-describedby": (id + "-hint " + describedBy).trim(),
    });
    if (invalid) {
      input.setAttribute("aria-invalid", invalid);
    }
    // The error summary's link named the picker (or the typed field, now hidden): send it to the search box.
    document.querySelectorAll(".error-summary a[href]").forEach(function (link) {
      var target = link.getAttribute("href");
      if ((container.id && target === "#" + container.id) || target === "#" + field.id) {
        link.setAttribute("href", "#" + input.id);
      }
    });
    var hint = element("p", { class: "hint", id: id + "-hint" }, text("hint", ""));
    var listbox = element("ul", { id: id + "-listbox", role: "listbox", class: "picker-results", "aria-label": text("search", "") });
    listbox.hidden = true;
    var live = element("p", { class: "visually-hidden", "aria-live": "polite", id: id + "-live" });
    var chosenHeading = element("p", { id: id + "-chosen" }, text("chosen", "Valda koder"));
    var chips = element("ul", { class: "picked", "aria-labelledby": id + "-chosen" });

    if (label && label.nextSibling) {
      label.parentNode.insertBefore(hint, label.nextSibling);
    } else {
      container.appendChild(hint);
    }
    container.appendChild(input);
    container.appendChild(listbox);
    container.appendChild(live);
    container.appendChild(chosenHeading);
    container.appendChild(chips);

    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function sync() {
      field.value = picked
        .map(function (item) {
          return item.code;
        })
        .concat(unknown)
        .join(", ");
    }

    function renderChips() {
      chips.textContent = "";
      picked.forEach(function (item) {
        var li = element("li");
        var button = element("button", { type: "button", class: "button secondary" });
        button.textContent = text("remove", "Ta bort") + " " + item.label + " (" + item.code + ")";
        button.addEventListener("click", function () {
          picked = picked.filter(function (other) {
            return other.code !== item.code;
          });
          sync();
          renderChips();
          live.textContent = text("removed", "Borttagen:") + " " + item.label;
          input.focus();
        });
        li.appendChild(button);
        chips.appendChild(li);
      });
      chosenHeading.hidden = picked.length === 0;
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = listbox.querySelectorAll("[role=option]");
      items.forEach(function (item, position) {
        item.setAttribute("aria-selected", position === index ? "true" : "false");
        item.classList.toggle("active", position === index);
      });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = options[index];
      if (!item) {
        return;
      }
      if (!picked.some(function (other) { return other.code === item.code; })) {
        picked.push({ code: item.code, label: item.label });
      }
      sync();
      renderChips();
      live.textContent = text("added", "Tillagd:") + " " + item.label;
      input.value = "";
      close();
      input.focus();
    }

    function show(results) {
      options = results;
      listbox.textContent = "";
      results.forEach(function (item, index) {
        var option = element("li", { id: id + "-option-" + index, role: "option", "aria-selected": "false" });
        var name = element("span", {}, item.label + " (" + item.code + ")");
        option.appendChild(name);
        if (item.path && item.path.length) {
          option.appendChild(element("span", { class: "path" }, item.path.join(" › ")));
        }
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep focus in the search box
        });
        option.addEventListener("click", function () {
          choose(index);
        });
        listbox.appendChild(option);
      });
      if (results.length) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
        live.textContent = results.length + " " + text("hits", "träffar.");
      } else {
        close();
        live.textContent = text("none", "Inga träffar");
      }
      active = -1;
    }

    function search() {
      var query = input.value.trim();
      if (query.length < MIN_CHARS) {
        close();
        return;
      }
      var ticket = ++asked;
      var url = api + "?q=" + encodeURIComponent(query) + "&lang=" + encodeURIComponent(lang);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : [];
        })
        .then(function (results) {
          if (ticket === asked) {
            show(results);
          }
        })
        .catch(function () {
          close();
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var open = !listbox.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) {
          search();
          return;
        }
        highlight(Math.min(active + 1, options.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) {
          highlight(Math.max(active - 1, 0));
        }
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault(); // pick, do not send the form
          choose(active);
        } else if (open) {
          event.preventDefault();
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });

    sync();
    renderChips();
  }

  document.querySelectorAll("[data-cpv-picker]").forEach(setup);
})();
