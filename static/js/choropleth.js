// The score choropleth: one GeoJSON request per level and detail, coloured by the server's
// class colour, a tooltip per area, and a click that opens the area's page. Zooming in
// past level 13 fetches the finer outlines once. Works without tiles (vector layers only).
(function () {
  "use strict";
  var el = document.getElementById("choropleth");
  if (!el || !window.L) { return; }
  var map = L.map(el, { zoomSnap: 0.5, preferCanvas: true });
  var tiles = window.KALTARA_TILES && window.KALTARA_TILES.url;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: window.KALTARA_TILES.attribution }).addTo(map);
  }
  map.setView([-6.2, 106.85], 11);
  var layer = null;
  var loaded = null;
  var fitted = false;

  // Scores in the page's language, as the server writes them: "172,1" in Indonesian, "172.1"
  // in English, one decimal, no grouping (floatformat:1 without a thousands separator).
  var number = new Intl.NumberFormat(document.documentElement.lang || "id", {
    minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false
  });
  function fmt(v) { return v === null || v === undefined ? "–" : number.format(Number(v)); }

  function tooltip(p) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = p.name;
    box.appendChild(title);
    var text = document.createElement("div");
    // Labels come translated from the template (data-no-kawasan, data-score-label).
    text.textContent = p.kawasan === 0 ? (el.dataset.noKawasan || "Belum ada kawasan")
      : (el.dataset.scoreLabel || "Skor") + " " + fmt(p.score) + " · " + p.band + " · #" + p.rank +
        (p.change === null ? "" : " · Δ " + fmt(p.change));
    box.appendChild(text);
    return box;
  }

  // Kepulauan Seribu's islands reach 80 km north of the mainland: the first view fits the
  // other areas (data-fit-exclude, a code prefix) so the mainland is not a speck.
  function fit(geo) {
    var exclude = el.dataset.fitExclude;
    var bounds = L.latLngBounds([]);
    geo.eachLayer(function (l) {
      var code = l.feature.properties.code;
      if (!exclude || (code !== exclude && code.indexOf(exclude + ".") !== 0)) {
        bounds.extend(l.getBounds());
      }
    });
    if (!bounds.isValid()) { bounds = geo.getBounds(); }
    if (bounds.isValid()) { map.fitBounds(bounds); }
  }

  function load(detail) {
    if (loaded === detail) { return; }
    loaded = detail;
    var url = el.dataset.url + "?tingkat=" + encodeURIComponent(el.dataset.level) + "&detail=" + detail;
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        var next = L.geoJSON(fc, {
          style: function (f) {
            return { color: "#475569", weight: 0.7, fillColor: f.properties.color, fillOpacity: 0.8 };
          },
          onEachFeature: function (f, l) {
            l.bindTooltip(tooltip(f.properties), { sticky: true });
            l.on("click", function () { window.location = f.properties.url; });
            l.on("mouseover", function () { l.setStyle({ weight: 2.5, color: "#111827" }); });
            l.on("mouseout", function () { l.setStyle({ weight: 0.7, color: "#475569" }); });
          }
        }).addTo(map);
        if (layer) { map.removeLayer(layer); }
        layer = next;
        if (!fitted) { fit(next); fitted = true; }
        el.dataset.loaded = String(fc.features.length);
      });
  }

  load(map.getZoom() >= 13 ? 1 : 0);
  map.on("zoomend", function () { if (map.getZoom() >= 13) { load(1); } });
}());
