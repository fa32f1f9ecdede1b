// Site maps: the filtered site map (clustered markers, one icon per type) and the small map
// on a site's page. Both draw vectors only: tiles are decoration and may be absent
// (window.KALTARA_TILES.url empty on a closed network).
(function () {
  "use strict";
  if (!window.L) { return; }

  function addTiles(map) {
    var tiles = window.KALTARA_TILES || {};
    if (tiles.url) {
      L.tileLayer(tiles.url, { maxZoom: 19, attribution: tiles.attribution || "" }).addTo(map);
    }
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function safeColor(color) {
    return /^#[0-9a-fA-F]{3,8}$/.test(color || "") ? color : "#64748b";
  }

  // A round marker in the type's colour with its short icon or code.
  function typeIcon(props) {
    var label = props.icon && props.icon !== "•" ? props.icon : (props.code || "").slice(0, 3).toUpperCase();
    var closed = props.status === "closed" ? " opacity:.55;" : "";
    return L.divIcon({
      className: "",
      html: "<div class=\"site-marker\" style=\"background:" + safeColor(props.color) +
        ";color:" + safeColor(props.ink || "#fff") + ";" + closed +
        " width:28px;height:28px;font-size:11px;line-height:24px;font-weight:700\">" +
        escapeHtml(label || "•") + "</div>",
      iconSize: [28, 28],
      iconAnchor: [14, 14],
      popupAnchor: [0, -14]
    });
  }

  function popupHtml(props) {
    return "<strong><a href=\"" + escapeHtml(props.url) + "\">" + escapeHtml(props.name) + "</a></strong><br>" +
      escapeHtml((props.types || []).join(", "));
  }

  // Region outlines for orientation (the user's territory, or the province): thin lines
  // under the markers that never catch a click.
  function drawOutlines(target) {
    var urlsEl = document.getElementById("site-territory-urls");
    var urls = urlsEl ? JSON.parse(urlsEl.textContent) : [];
    urls.forEach(function (url) {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (fc) {
          L.geoJSON(fc, {
            interactive: false,
            style: function (f) {
              return f.properties.role === "self"
                ? { color: "#475569", weight: 2, fill: false }
                : { color: "#94a3b8", weight: 1, fill: false };
            }
          }).addTo(target);
        })
        .catch(function () { /* markers alone still work */ });
    });
  }

  var listEl = document.getElementById("site-map");
  if (listEl) {
    // maxZoom is set here because clustering needs it and there may be no tile layer to give it.
    var map = L.map(listEl, { zoomSnap: 0.5, maxZoom: 19 });
    addTiles(map);
    map.setView([-6.2, 106.85], 11);
    drawOutlines(map);
    var group = L.markerClusterGroup ? L.markerClusterGroup({ maxClusterRadius: 50 }) : L.featureGroup();
    group.addTo(map);
    fetch(listEl.dataset.url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        var layers = fc.features.map(function (f) {
          var c = f.geometry.coordinates;
          return L.marker([c[1], c[0]], { icon: typeIcon(f.properties), title: f.properties.name })
            .bindPopup(popupHtml(f.properties));
        });
        if (group.addLayers) { group.addLayers(layers); } else { layers.forEach(function (l) { group.addLayer(l); }); }
        var count = document.getElementById("site-map-count");
        // The label comes translated from the template (data-count-label).
        if (count) {
          count.textContent = fc.features.length
            ? (listEl.dataset.countLabel || "Situs di peta:") + " " + fc.features.length
            : listEl.dataset.empty;
        }
        if (layers.length) {
          map.fitBounds(group.getBounds(), { maxZoom: 16, padding: [20, 20], animate: false });
        }
        listEl.dataset.loaded = String(fc.features.length);
      });
  }

  var detailEl = document.getElementById("site-detail-map");
  if (detailEl) {
    var here = [parseFloat(detailEl.dataset.lat), parseFloat(detailEl.dataset.lon)];
    var dmap = L.map(detailEl, { zoomSnap: 0.5, maxZoom: 19 });
    addTiles(dmap);
    dmap.setView(here, 16);
    L.marker(here, {
      icon: typeIcon({
        color: detailEl.dataset.color, ink: detailEl.dataset.ink, icon: detailEl.dataset.icon
      }),
      title: detailEl.dataset.name
    }).addTo(dmap);
    var pointsEl = document.getElementById("site-link-points");
    var points = pointsEl ? JSON.parse(pointsEl.textContent) : [];
    var bounds = L.latLngBounds([here]);
    points.forEach(function (p) {
      var there = [p.lat, p.lon];
      L.polyline([here, there], { color: "#0f766e", weight: 2, dashArray: "4 4" }).addTo(dmap);
      var label = p.url ? "<a href=\"" + escapeHtml(p.url) + "\">" + escapeHtml(p.name) + "</a>" : escapeHtml(p.name);
      L.circleMarker(there, { radius: 6, color: "#0f766e", fillOpacity: 0.8 })
        .bindPopup(label + "<br>" + escapeHtml(p.kind)).addTo(dmap);
      bounds.extend(there);
    });
    if (points.length) { dmap.fitBounds(bounds, { maxZoom: 16, padding: [20, 20], animate: false }); }
    detailEl.dataset.loaded = String(points.length + 1);
  }
}());
