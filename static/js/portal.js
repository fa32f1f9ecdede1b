// Behaviour every page shares, wired by data attributes: the Content Security Policy
// refuses inline event handlers (onchange=, onclick=, onsubmit=), so they live here.
//   <select data-autosubmit>            submits its form when the choice changes
//   <form data-confirm="Question?">     asks before submitting; Cancel keeps the page
//   <button data-confirm="Question?">   the same for one button of a form
//   <button data-print>                 opens the print dialog
//   <div class="table-wrap">            focusable (Tab, then arrow keys) while it scrolls
(function () {
  "use strict";
  var cfg = document.getElementById("kaltara-tiles");
  window.KALTARA_TILES = cfg ? JSON.parse(cfg.textContent) : { url: "" };

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
      // requestSubmit runs the form's own submit handlers (data-confirm) and validation.
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    var button = e.submitter;
    if (button && button.hasAttribute("data-confirm")) {
      question = button.getAttribute("data-confirm");
    }
    if (question && !window.confirm(question)) { e.preventDefault(); }
  });

  document.addEventListener("click", function (e) {
    var el = e.target && e.target.closest ? e.target.closest("[data-print]") : null;
    if (el) {
      e.preventDefault();
      window.print();
    }
  });

  // A table wider than its box scrolls inside it: without the keyboard focus a keyboard
  // user could not scroll it (WCAG 2.1.1). Only while it scrolls, so narrow tables add no
  // tab stop; again when the width changes (a phone turned).
  function scrollersFocusable() {
    var wraps = document.querySelectorAll(".table-wrap");
    for (var i = 0; i < wraps.length; i++) {
      var el = wraps[i];
      var scrolls = el.scrollWidth > el.clientWidth + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && el.hasAttribute("data-scroll-focus")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-scroll-focus");
      }
    }
  }
  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(scrollersFocusable, 100);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scrollersFocusable);
  } else {
    scrollersFocusable();
  }
}());
