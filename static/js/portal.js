// Behaviour every page shares, wired by data attributes: the Content Security Policy
// refuses inline event handlers (onchange=, onclick=, onsubmit=), so they live here.
//   <select data-autosubmit>            submits its form when the choice changes
//   <form data-confirm="Question?">     asks before submitting; Cancel keeps the page
//   <button data-confirm="Question?">   the same for one button of a form
//   <button data-print>                 opens the print dialog
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
}());
