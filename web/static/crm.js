// Sales CRM enhancements (drag and drop on the board). Pages work without it: every
// card has a Move control, "Show more" is a link, and forms post as usual.
"use strict";
(function () {
  // parse reads an HTML page fetched from the server.
  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  // showFlash puts the page's flash message (from a fetched page) above the content.
  function showFlash(doc, fallbackKind, fallbackText) {
    var old = document.querySelector(".flash");
    if (old) old.remove();
    var flash = doc && doc.querySelector(".flash");
    if (!flash && fallbackText) {
      flash = document.createElement("div");
      flash.className = "flash flash-" + fallbackKind;
      flash.setAttribute("role", "status");
      flash.textContent = fallbackText;
    }
    if (flash) {
      var main = document.getElementById("main");
      main.parentNode.insertBefore(document.importNode(flash, true), main);
    }
  }

  // replaceBoard swaps the board and the pipeline's totals for the ones in a fetched
  // page: counts, totals and cards all come from the server.
  function replaceBoard(doc) {
    ["board", "pipeline-totals"].forEach(function (id) {
      var fresh = doc.getElementById(id);
      var old = document.getElementById(id);
      if (fresh && old) old.replaceWith(document.importNode(fresh, true));
    });
  }

  // move posts a card's Move form with the new stage, as the form itself would be
  // posted, and re-renders the board from the page the server redirects to.
  function move(card, stage) {
    var form = card.querySelector("form.move-form");
    if (!form) return;
    var select = form.querySelector("select[name=stage_id]");
    if (select.value === stage) return;
    select.value = stage;
    var board = document.getElementById("board");
    board.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
    }).then(function (res) {
      return res.text().then(function (html) {
        var doc = parse(html);
        if (!res.ok) {
          var msg = doc.querySelector(".error-page h1");
          showFlash(null, "error", msg ? msg.textContent : "The deal could not be moved.");
          return fetch(board.getAttribute("data-board"), { credentials: "same-origin" })
            .then(function (r) { return r.text(); })
            .then(function (h) { replaceBoard(parse(h)); });
        }
        replaceBoard(doc);
        showFlash(doc);
      });
    }).catch(function () {
      showFlash(null, "error", "The deal could not be moved: the connection failed. Try again.");
      document.getElementById("board").removeAttribute("aria-busy");
    });
  }

  var dragged = null;

  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".board .deal-card[draggable=true]");
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-deal-id"));
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".board-column.drag-over").forEach(function (c) { c.classList.remove("drag-over"); });
  });

  document.addEventListener("dragover", function (e) {
    var col = e.target.closest && e.target.closest(".board .board-column");
    if (!col || !dragged) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    col.classList.add("drag-over");
  });

  document.addEventListener("dragleave", function (e) {
    var col = e.target.closest && e.target.closest(".board .board-column");
    if (col && !col.contains(e.relatedTarget)) col.classList.remove("drag-over");
  });

  document.addEventListener("drop", function (e) {
    var col = e.target.closest && e.target.closest(".board .board-column");
    if (!col) return;
    e.preventDefault();
    col.classList.remove("drag-over");
    var id = e.dataTransfer.getData("text/plain");
    var card = dragged || (id && document.getElementById("deal-" + id));
    dragged = null;
    if (!card) return;
    var stage = col.getAttribute("data-stage");
    // Lost asks why: the card's Lost link opens that form, with the way back.
    if (col.getAttribute("data-kind") === "lost") {
      var lost = card.querySelector("a.lost-link");
      if (lost) window.location.href = lost.href;
      return;
    }
    var cards = col.querySelector(".cards");
    var empty = cards.querySelector(".empty-column");
    if (empty) empty.remove();
    cards.insertBefore(card, cards.firstChild);
    card.classList.remove("dragging");
    move(card, stage);
  });

  // "Show more" appends the column's next cards in place.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest(".board .show-more");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    var col = link.closest(".board-column");
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { credentials: "same-origin" })
      .then(function (res) { return res.text(); })
      .then(function (html) {
        var doc = parse(html);
        var cards = col.querySelector(".cards");
        doc.querySelectorAll(".cards .deal-card").forEach(function (c) {
          if (!document.getElementById(c.id)) cards.appendChild(document.importNode(c, true));
        });
        var next = doc.querySelector(".show-more");
        if (next) {
          link.href = next.getAttribute("href");
          link.removeAttribute("aria-busy");
        } else {
          link.remove();
        }
      })
      .catch(function () { window.location.href = link.href; });
  });

  // Long-running forms (an import) show that they are working.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-progress")) return;
    var p = form.querySelector(".import-progress");
    if (p) {
      p.querySelector(".progress-text").textContent = form.getAttribute("data-progress");
      p.hidden = false;
    }
    var button = form.querySelector("button[type=submit]");
    if (button) setTimeout(function () { button.disabled = true; }, 0);
  });
})();

// Pickers (internal/crm pick.go): the contact form's company field and the deal form's
// contact field show the search's matches as one types; choosing one fills in its
// domain or email. Without this file the field takes a domain, an email or a name.
(function () {
  "use strict";
  function attach(input, type) {
    var box = document.createElement("div");
    box.className = "picker";
    input.setAttribute("autocomplete", "off");
    input.parentNode.insertBefore(box, input.nextSibling);
    var timer = null, asked = "";
    function close() { box.innerHTML = ""; }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        asked = q;
        fetch("/search/pick?type=" + type + "&q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            if (asked !== q) return; // a later keystroke asked again
            var doc = new DOMParser().parseFromString(html, "text/html");
            var list = doc.querySelector("[data-picker-results]");
            close();
            if (list) box.appendChild(document.importNode(list, true));
          })
          .catch(close);
      }, 150);
    });
    box.addEventListener("click", function (e) {
      var b = e.target.closest("[data-pick-value]");
      if (!b) return;
      input.value = b.getAttribute("data-pick-value");
      close();
      input.focus();
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('form[action^="/crm/contacts"] input[name="company_id"]').forEach(function (i) { attach(i, "company"); });
    document.querySelectorAll('form[action^="/crm/deals"] input[name="contact_id"]').forEach(function (i) { attach(i, "contact"); });
  });
})();
