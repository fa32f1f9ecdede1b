// Follows a background export: polls its status every two seconds and shows the download
// link when the file is ready. Without JavaScript the page refreshes itself (noscript).
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box || box.dataset.finished === "1") { return; }
  var bar = document.getElementById("export-bar");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("export-state").textContent = s.status_label;
        document.getElementById("export-percent").textContent = String(s.progress);
        bar.value = s.progress;
        if (s.download) {
          document.getElementById("export-link").href = s.download;
          document.getElementById("export-ready").hidden = false;
        }
        if (s.error) { document.getElementById("export-error").hidden = false; }
        if (!s.finished) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
