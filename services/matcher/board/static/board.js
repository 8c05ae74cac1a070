// The venue board refreshes itself: every few seconds it asks for the same page as JSON and redraws the
// tables. A revoked link reloads the page (which then says so); while the service cannot be reached the
// board keeps what it shows. Text only (textContent), never HTML from the answer.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  if (!window.fetch) {  // an old TV browser: the whole page again every minute
    setTimeout(function () { location.reload(); }, 60000);
    return;
  }
  var seconds = parseInt(board.getAttribute("data-refresh"), 10) || 15;
  var source = location.pathname.replace(/\.html$/, "") + ".json" + location.search;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function line(cls, label, meeting, showTime, emptyText) {
    var p = el("p", cls);
    p.appendChild(el("span", "label", label));
    p.appendChild(document.createTextNode(" "));
    if (meeting) {
      if (showTime) {
        p.appendChild(el("span", "time", meeting.local_time));
        p.appendChild(document.createTextNode(" "));
      }
      p.appendChild(el("span", "firm", meeting.sme_name));
    } else {
      p.appendChild(el("span", "free", emptyText));
    }
    return p;
  }

  function draw(doc) {
    var w = doc.labels;
    document.getElementById("event-name").textContent = doc.event_name;
    document.getElementById("message").textContent = doc.message;
    document.getElementById("now-time").textContent = doc.now_time ? w.now + " " + doc.now_time : "";
    var list = document.getElementById("tables");
    var items = document.createDocumentFragment();
    doc.tables.forEach(function (t) {
      var li = el("li", "table");
      var h2 = el("h2");
      h2.appendChild(el("span", "no", w.table + " " + t.table));
      h2.appendChild(document.createTextNode(" "));
      h2.appendChild(el("span", "buyer", t.buyer_name));
      li.appendChild(h2);
      li.appendChild(line("now", w.now, t.now, false, w.free));
      li.appendChild(line("next", w.next, t.next, true, w.none_left));
      items.appendChild(li);
    });
    while (list.firstChild) { list.removeChild(list.firstChild); }
    list.appendChild(items);
    seconds = doc.refresh_seconds || seconds;
  }

  function poll() {
    fetch(source, { headers: { "Accept": "application/json" }, credentials: "omit", cache: "no-cache" })
      .then(function (response) {
        if (response.status === 410) { location.reload(); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (doc) { if (doc) { draw(doc); } })
      .catch(function () { /* keep showing the last board until the service answers again */ })
      .then(function () { setTimeout(poll, seconds * 1000); });
  }

  setTimeout(poll, seconds * 1000);
}());
