// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // An error summary takes the focus, so a screen reader reads it first (GOV.UK pattern).
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus]");
    if (summary) { summary.focus(); }
    // A select marked data-autosubmit submits its form when changed.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    // A region marked data-poll="URL" is reloaded every few seconds until it says it is done.
    document.querySelectorAll("[data-poll]").forEach(function (el) {
      var timer = setInterval(function () {
        fetch(el.getAttribute("data-poll"), { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            el.innerHTML = html;
            if (el.querySelector("[data-done]")) {
              clearInterval(timer);
              var next = el.querySelector("[data-done]").getAttribute("data-done");
              if (next) { window.location.assign(next); }
            }
          });
      }, 1500);
    });
    // Keyboard shortcuts: an element with data-key="a" is clicked when that key is pressed
    // outside a text field.
    var keyed = document.querySelectorAll("[data-key]");
    if (keyed.length) {
      document.addEventListener("keydown", function (ev) {
        var tag = (ev.target.tagName || "").toLowerCase();
        if (ev.ctrlKey || ev.metaKey || ev.altKey || tag === "input" || tag === "textarea" || tag === "select") { return; }
        keyed.forEach(function (el) {
          if (el.getAttribute("data-key") === ev.key) { ev.preventDefault(); el.click(); }
        });
      });
    }
  });
})();
