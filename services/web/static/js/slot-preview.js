// Live preview of an event's meeting slots while the organiser edits the form.
// Same rule as the registry's slot_grid (services/registry/slots.py): the first meeting starts at the
// day's start, each is followed by the change-over; a meeting that would overlap a break starts when
// the break ends; nothing ends after the day's end. Wall-clock minutes are enough here: no meeting day
// spans the night's clock change. The server's preview and the saved event remain the reference.
(function () {
  "use strict";
  var form = document.getElementById("event-form");
  var box = document.getElementById("slot-preview");
  if (!form || !box) { return; }
  var SVG = "http://www.w3.org/2000/svg";

  function value(id) {
    var input = document.getElementById(id);
    return input ? input.value.trim() : "";
  }
  function minutes(text) {
    var match = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/.exec(text);
    return match ? Number(match[1]) * 60 + Number(match[2]) : null;
  }
  function whole(text) {
    return /^\d+$/.test(text) ? Number(text) : null;
  }
  function clock(total) {
    var h = Math.floor(total / 60), m = total % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function breaks() {
    var found = [];
    for (var i = 0; document.getElementById("f-breaks." + i + ".start"); i++) {
      var start = minutes(value("f-breaks." + i + ".start")), end = minutes(value("f-breaks." + i + ".end"));
      if (start !== null && end !== null && end > start) {
        found.push({ start: start, end: end, label: value("f-breaks." + i + ".label") });
      }
    }
    return found.sort(function (a, b) { return a.start - b.start; });
  }

  function layout(start, end, meeting, changeover, pauses) {
    var slots = [], candidate = start;
    while (candidate + meeting <= end) {
      var blocking = null;
      for (var i = 0; i < pauses.length; i++) {
        if (pauses[i].start < candidate + meeting && candidate < pauses[i].end) { blocking = pauses[i]; break; }
      }
      if (blocking) { candidate = blocking.end; continue; }
      slots.push({ start: candidate, end: candidate + meeting });
      candidate += meeting + changeover;
    }
    return slots;
  }

  function draw() {
    var start = minutes(value("f-day_start")), end = minutes(value("f-day_end"));
    var meeting = whole(value("f-meeting_minutes")), changeover = whole(value("f-changeover_minutes"));
    var tables = whole(value("f-tables"));
    var count = document.getElementById("slot-preview-count");
    var svg = document.getElementById("slot-preview-timeline");
    var body = document.getElementById("slot-preview-rows");
    Array.prototype.forEach.call(svg.querySelectorAll("rect.slot-bar"), function (old) { svg.removeChild(old); });
    body.textContent = "";
    if (!value("f-event_date") || start === null || end === null || end <= start || !meeting || changeover === null) {
      count.textContent = box.dataset.emptyText;
      return;
    }
    var pauses = breaks(), slots = layout(start, end, meeting, changeover, pauses);
    if (!slots.length) { count.textContent = box.dataset.noneText; return; }
    count.textContent = box.dataset.countText.replace("{slots}", slots.length)
      .replace("{tables}", tables || "?").replace("{meetings}", tables ? slots.length * tables : "?");
    var rows = slots.map(function (s, i) { return { kind: "slot", n: i + 1, start: s.start, end: s.end }; })
      .concat(pauses.map(function (p) { return { kind: "break", label: p.label, start: p.start, end: p.end }; }))
      .sort(function (a, b) { return a.start - b.start; });
    var span = end - start;
    rows.forEach(function (row) {
      var rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", ((row.start - start) * 1000 / span).toFixed(1));
      rect.setAttribute("y", "4");
      rect.setAttribute("width", ((row.end - row.start) * 1000 / span).toFixed(1));
      rect.setAttribute("height", "32");
      rect.setAttribute("fill", row.kind === "slot" ? "#1d5fa8" : "#b8bec8");
      rect.setAttribute("class", "slot-bar");
      svg.appendChild(rect);
      var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
      th.setAttribute("scope", "row");
      th.textContent = row.kind === "slot" ? box.dataset.slotText.replace("{n}", row.n) : (row.label || box.dataset.breakText);
      td.textContent = clock(row.start) + "–" + clock(row.end);
      if (row.kind === "break") { tr.className = "break-row"; }
      tr.appendChild(th);
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  var pending = null;
  form.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(draw, 150); // not on every keystroke: the live region would chatter
  });
  form.addEventListener("change", draw);
})();
