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
