(function () {
  "use strict";
  var cfg = document.getElementById("kaltara-tiles");
  window.KALTARA_TILES = cfg ? JSON.parse(cfg.textContent) : { url: "" };
}());
