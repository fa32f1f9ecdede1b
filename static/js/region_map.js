// Draws a region's boundary and its children. Works without tiles: the boundary is a
// vector layer on the page, the tile layer is only decoration.
(function () {
  "use strict";
  var el = document.getElementById("region-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { zoomSnap: 0.5 });
  var tiles = el.dataset.tileUrl || (window.KALTARA_TILES && window.KALTARA_TILES.url);
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: window.KALTARA_TILES.attribution }).addTo(map);
  }
  map.setView([-6.2, 106.85], 11);
  fetch(el.dataset.boundaryUrl, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          return f.properties.role === "self"
            ? { color: "#b91c1c", weight: 3, fillOpacity: 0.05 }
            : { color: "#1d4ed8", weight: 1, fillOpacity: 0.1 };
        },
        onEachFeature: function (f, l) {
          l.bindTooltip(f.properties.name + " (" + f.properties.code + ")");
          if (f.properties.role === "child") {
            l.on("click", function () { window.location = f.properties.url; });
          }
        }
      }).addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
      el.dataset.loaded = String(fc.features.length);
    });
}());
