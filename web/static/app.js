// Rapport's progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Ask before destructive actions marked data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
  // Put the cursor in the first field that has an error.
  var bad = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (bad) bad.focus();
});
