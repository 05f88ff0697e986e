// Rapport's progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Ask before destructive actions marked data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
  // "/" focuses the top bar's search box, unless the person is typing somewhere.
  var box = document.getElementById("global-search");
  if (box) {
    document.addEventListener("keydown", function (e) {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      box.focus();
      box.select();
    });
  }
  // Put the cursor in the first field that has an error.
  var bad = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (bad) bad.focus();
});
