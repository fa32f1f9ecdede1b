// The review page: "Konfirmasi semua butir yang terpenuhi" ticks (or unticks) every item
// answered "terpenuhi" the officer confirms. Without this script the server does the same
// for the ticked box; here the page shows it, and unticking one such item unticks the box,
// so what is ticked is what the server confirms. Items not met are never ticked for them.
(function () {
  "use strict";
  var all = document.getElementById("confirm-all-met");
  if (!all || !all.form) { return; }
  var form = all.form;
  function met() {
    return Array.prototype.slice.call(form.querySelectorAll("input[name=confirmed][data-met]"));
  }
  if (all.checked) { met().forEach(function (box) { box.checked = true; }); }
  all.addEventListener("change", function () {
    met().forEach(function (box) { box.checked = all.checked; });
  });
  form.addEventListener("change", function (e) {
    var el = e.target;
    if (el !== all && el.name === "confirmed" && el.hasAttribute("data-met")) {
      all.checked = met().every(function (box) { return box.checked; });
    }
  });
}());
