// Draws a kawasan on every element with data-kawasan-map (the id of its JSON data): member
// sites (one icon per type), active links between members as lines, and the hub with its
// walking-distance circle. Used by the kawasan page and the dashboards. Works without tiles:
// everything drawn here is a vector layer, the tile layer is only decoration.
(function () {
  "use strict";
  if (!window.L) { return; }
  document.querySelectorAll("[data-kawasan-map]").forEach(draw);

  function draw(el) {
  var dataEl = document.getElementById(el.dataset.kawasanMap);
  if (!dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, { zoomSnap: 0.5 });
  var tiles = window.KALTARA_TILES && window.KALTARA_TILES.url;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: window.KALTARA_TILES.attribution }).addTo(map);
  }
  map.setView([-6.2, 106.85], 12);

  var bounds = L.latLngBounds([]);
  var byId = {};
  data.members.forEach(function (m) { byId[m.id] = m; });

  data.links.forEach(function (link) {
    var a = byId[link.a], b = byId[link.b];
    if (!a || !b) { return; }
    L.polyline([[a.lat, a.lon], [b.lat, b.lon]], { color: "#7c3aed", weight: 3, opacity: 0.8 })
      .bindTooltip(link.kind).addTo(map);
  });

  if (data.hub) {
    L.circle([data.hub.lat, data.hub.lon], {
      radius: data.radius, color: "#0f766e", weight: 2, fillOpacity: 0.06
    }).addTo(map);
    bounds.extend([data.hub.lat, data.hub.lon]);
  }

  data.members.forEach(function (m) {
    var size = m.hub ? 32 : 24;
    var icon = L.divIcon({
      className: "",
      html: '<div class="site-marker" style="background:' + m.color + ";width:" + size +
        "px;height:" + size + "px;line-height:" + size + "px" +
        (m.closed ? ";opacity:.45" : "") + '"></div>',
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2]
    });
    var marker = L.marker([m.lat, m.lon], { icon: icon, title: m.name }).addTo(map);
    if (el.dataset.markerLinks && m.url) {
      marker.on("click", function () { window.location = m.url; });
    }
    // textContent, never innerHTML, for names typed by users.
    marker.getElement().firstChild.textContent = m.icon;
    var tip = document.createElement("span");
    tip.textContent = m.name + (m.types.length ? " – " + m.types.join(", ") : "");
    marker.bindTooltip(tip);
    bounds.extend([m.lat, m.lon]);
  });

  if (bounds.isValid()) { map.fitBounds(bounds.pad(0.2), { maxZoom: 17 }); }
  el.dataset.members = String(data.members.length);

  // The kawasan's region boundary, for orientation.
  if (el.dataset.boundaryUrl) {
    fetch(el.dataset.boundaryUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        var self = fc.features.filter(function (f) { return f.properties.role === "self"; });
        var layer = L.geoJSON(self, {
          style: { color: "#b91c1c", weight: 2, fillOpacity: 0.03 }, interactive: false
        }).addTo(map);
        layer.bringToBack();
        if (!bounds.isValid() && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
      });
  }
  }
}());
