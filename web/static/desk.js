// Support desk enhancements: the live queue and the ticket page's "someone else just
// changed this" notice, fed by server-sent events from /desk/events. Every page works
// without this file; EventSource reconnects by itself when the stream drops.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var queue = document.querySelector("[data-live-queue]");
  var ticket = document.getElementById("live-ticket");
  if ((!queue && !ticket) || !window.EventSource || !window.fetch) return;

  var banner = document.getElementById("live-banner");
  var es = new EventSource("/desk/events");
  var connectedBefore = false;
  var missed = 0;
  var changed = {};
  var timer = null;

  // "ready" comes when the stream is live; after a reconnection, changes may have been
  // missed, so the queue refreshes once.
  es.addEventListener("ready", function () {
    if (connectedBefore && queue) changedQueue(null);
    connectedBefore = true;
    document.body.setAttribute("data-live", "on");
  });
  es.addEventListener("error", function () {
    document.body.setAttribute("data-live", "off");
  });
  es.addEventListener("created", onChange);
  es.addEventListener("updated", onChange);

  function onChange(e) {
    var ev;
    try { ev = JSON.parse(e.data); } catch (_) { return; }
    if (queue) changedQueue(ev);
    if (ticket) changedTicket(ev);
  }

  // On the first page the rows refresh in place (at most once a second); deeper pages
  // keep their position and offer a refresh instead.
  function changedQueue(ev) {
    if (ev && ev.ticket) changed[ev.ticket] = true;
    if (queue.hasAttribute("data-first-page")) {
      if (!timer) timer = setTimeout(refreshQueue, 1000);
      return;
    }
    missed++;
    if (!banner) return;
    banner.textContent = missed + (missed === 1 ? " ticket changed" : " changes") + " since this page loaded. ";
    var a = document.createElement("a");
    a.href = location.href;
    a.textContent = "Refresh";
    banner.appendChild(a);
    banner.hidden = false;
  }

  function refreshQueue() {
    timer = null;
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-region]").forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (fresh) el.replaceWith(document.importNode(fresh, true));
        });
        queue = document.querySelector("[data-live-queue]");
        Object.keys(changed).forEach(function (id) {
          var row = queue && queue.querySelector('tr[data-ticket="' + id + '"]');
          if (row) row.classList.add("fresh");
        });
        changed = {};
      })
      .catch(function () { /* the next event tries again */ });
  }

  // Someone else changed the ticket being read: say so before the agent sends.
  function changedTicket(ev) {
    if (ev.ticket !== ticket.getAttribute("data-ticket") || ev.actor === ticket.getAttribute("data-me")) return;
    ticket.textContent = (ev.actor_name || "Someone") + " " + (ev.what || "updated it") +
      " just now. Reload to read it before you send — or send anyway: you will be warned first and your draft kept. ";
    var a = document.createElement("a");
    a.href = location.pathname;
    a.textContent = "Reload";
    ticket.appendChild(a);
    ticket.hidden = false;
  }
});

// Keyboard shortcuts on the queue and the ticket page ("?" lists them). Each one does
// what a click or a form already does, so nothing needs this file. Keys are ignored
// while the person types in a field, and with Ctrl, Alt or Meta held.
document.addEventListener("DOMContentLoaded", function () {
  var queue = document.getElementById("queue");
  var ticket = document.getElementById("ticket-form");
  if (!queue && !ticket) return;

  var queueKeys = [
    ["j / k", "Next / previous ticket in the list"],
    ["o or Enter", "Open the highlighted ticket"],
    ["x", "Select the highlighted ticket for a bulk action"],
    ["t", "Take the highlighted ticket (assign it to me)"],
  ];
  var ticketKeys = [
    ["r", "Write a reply"],
    ["n", "Write an internal note"],
    ["a", "Take it (assign it to me)"],
    ["s", "Set the status to solved (then Save)"],
    ["j", "Next ticket of the queue you came from"],
    ["u", "Back to the queue"],
  ];
  document.querySelectorAll(".kb-hint").forEach(function (p) { p.hidden = false; });
  var LIST = "rapport.queue"; // the ticket ids of the queue page last seen, in order

  function typing(t) {
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // The queue: one highlighted row, moved with j and k.
  var rows = [], at = -1;
  function readRows() {
    rows = queue ? Array.prototype.slice.call(queue.querySelectorAll("tr[data-ticket]")) : [];
    try {
      sessionStorage.setItem(LIST, JSON.stringify({
        href: location.pathname + location.search,
        ids: rows.map(function (r) { return r.getAttribute("data-ticket"); }),
      }));
    } catch (_) { /* storage may be off */ }
  }
  function highlight(i) {
    if (!rows.length) return;
    var id = at >= 0 && rows[at] ? rows[at].getAttribute("data-ticket") : null;
    readRows(); // the live queue may have replaced them
    if (id && i === null) i = Math.max(0, rows.findIndex(function (r) { return r.getAttribute("data-ticket") === id; }));
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, k) { r.classList.toggle("kb-current", k === at); });
    rows[at].scrollIntoView({ block: "nearest" });
    var link = rows[at].querySelector("a[href]");
    if (link) link.focus({ preventScroll: true });
  }
  if (queue) readRows();

  function current() { readRows(); return rows[at] || null; }

  function help() {
    var d = document.getElementById("kb-help");
    if (!d) {
      d = document.createElement("dialog");
      d.id = "kb-help";
      d.className = "kb-help";
      var h = document.createElement("h2");
      h.textContent = "Keyboard shortcuts";
      d.appendChild(h);
      var dl = document.createElement("dl");
      (queue ? queueKeys : ticketKeys).concat([["/", "Search"], ["?", "This list"]]).forEach(function (k) {
        var dt = document.createElement("dt"), dd = document.createElement("dd"), kbd = document.createElement("kbd");
        kbd.textContent = k[0];
        dt.appendChild(kbd);
        dd.textContent = k[1];
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
      d.appendChild(dl);
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = "Close";
      close.addEventListener("click", function () { d.close(); });
      d.appendChild(close);
      document.body.appendChild(d);
    }
    if (d.open) d.close(); else d.showModal();
  }

  function submitTake(scope) {
    var f = scope && scope.querySelector("form.take-form");
    if (f) f.requestSubmit ? f.requestSubmit() : f.submit();
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) && e.key !== "Escape") return;
    if (e.key === "?") { e.preventDefault(); help(); return; }
    if (queue) {
      var row;
      switch (e.key) {
        case "j": highlight(at < 0 ? 0 : at + 1); break;
        case "k": highlight(at < 0 ? 0 : at - 1); break;
        case "o": case "Enter":
          if (e.key === "Enter" && /^(A|BUTTON)$/.test(e.target.tagName)) return; // it does its own thing
          row = current();
          if (!row) return;
          location.href = row.querySelector("a[href]").href;
          break;
        case "x":
          row = current();
          if (!row) return;
          var box = row.querySelector('input[type="checkbox"]');
          if (box) box.click();
          break;
        case "t": submitTake(current()); break;
        default: return;
      }
      e.preventDefault();
      return;
    }
    var body = ticket.querySelector('textarea[name="body"]');
    var note = ticket.querySelector('input[name="is_internal"]');
    switch (e.key) {
      case "r":
        if (note) note.checked = false;
        if (body) body.focus();
        break;
      case "n":
        if (note) note.checked = true;
        if (body) body.focus();
        break;
      case "a": submitTake(document.querySelector(".page-head")); break;
      case "s":
        var st = ticket.querySelector('select[name="status"]');
        if (!st || !st.querySelector('option[value="solved"]')) return;
        st.value = "solved";
        st.focus();
        break;
      case "j": case "u":
        var list;
        try { list = JSON.parse(sessionStorage.getItem(LIST) || "null"); } catch (_) { list = null; }
        if (e.key === "u") { location.href = list ? list.href : "/desk"; break; }
        var me = location.pathname.split("/").pop();
        var i = list ? list.ids.indexOf(me) : -1;
        if (i < 0 || i + 1 >= list.ids.length) return;
        location.href = "/desk/tickets/" + list.ids[i + 1];
        break;
      default: return;
    }
    e.preventDefault();
  });
});
