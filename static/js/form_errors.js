// The error summary of a refused form (templates/_error_summary.html).
// - When the page opens, the focus moves to the summary: a screen reader reads it first, and
//   a phone shows it in the first screen, whatever the position of the field at fault.
// - A link of the summary moves the focus to its field, with the field's label (or the
//   map's heading) in view too: a plain jump to the input would leave its label above the
//   top of the screen.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  summary.focus();

  summary.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("a[href^='#']") : null;
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) { return; }
    e.preventDefault();
    var box = target.closest(".field, fieldset, .form-map, .checklist-item") || target;
    box.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
}());
