// Draws a kawasan on every element with data-kawasan-map (the id of its JSON data): member
// sites (one icon per type), active links between members as lines, and the hub with its
// walking-distance circle. Used by the kawasan page and the dashboards. Works without tiles:
// everything drawn here is a vector layer, the tile layer is only decoration.
//
// Legible at every zoom: each label (the type's short code) is sized to sit inside its
// circle, and markers that would overlap (sites in one building, a school next to its
// RPTRA) are pushed apart on screen just enough to touch no other, with a thin line back
// to where the site really is. The hub never moves: the walking circle is centred on it.
(function () {
  "use strict";
  if (!window.L) { return; }
  // Before the maps are drawn: a var is hoisted, its value is not.
  var GAP = 2; // px between two markers
  var GOLDEN = 2.399963; // radians: spreads markers that sit on the very same point
  document.querySelectorAll("[data-kawasan-map]").forEach(draw);

  function labelLength(label) { return Array.from(label || "").length; }

  // The circle grows with its label (a 3-letter code such as SMP needs a wider one) and the
  // label shrinks with its length: every label fits inside its circle's border.
  function markerSize(label, hub) {
    var n = labelLength(label);
    return (n >= 3 ? 30 : 26) + (hub ? 8 : 0);
  }

  function labelSize(label, hub) {
    var n = labelLength(label);
    return (n <= 1 ? 14 : n === 2 ? 12 : 10) + (hub ? 2 : 0);
  }

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
  var markers = [];
  var lines = [];
  var leaders = L.layerGroup().addTo(map);
  data.members.forEach(function (m) { byId[m.id] = m; });

  data.links.forEach(function (link) {
    var a = byId[link.a], b = byId[link.b];
    if (!a || !b) { return; }
    var line = L.polyline([[a.lat, a.lon], [b.lat, b.lon]], { color: "#7c3aed", weight: 3, opacity: 0.8 })
      .bindTooltip(link.kind).addTo(map);
    lines.push({ line: line, a: a.id, b: b.id });
  });

  if (data.hub) {
    L.circle([data.hub.lat, data.hub.lon], {
      radius: data.radius, color: "#0f766e", weight: 2, fillOpacity: 0.06, interactive: false
    }).addTo(map);
    bounds.extend([data.hub.lat, data.hub.lon]);
  }

  var maxSize = 26;
  data.members.forEach(function (m) {
    var size = markerSize(m.icon, m.hub);
    maxSize = Math.max(maxSize, size);
    var icon = L.divIcon({
      className: "",
      html: '<div class="site-marker" style="background:' + m.color + ";color:" + (m.ink || "#fff") +
        ";width:" + size +
        "px;height:" + size + "px;line-height:" + (size - 4) + "px;font-size:" +
        labelSize(m.icon, m.hub) + "px;font-weight:700;overflow:hidden;white-space:nowrap" +
        (m.closed ? ";opacity:.45" : "") + '"></div>',
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2]
    });
    var home = L.latLng(m.lat, m.lon);
    // Not a tab stop (keyboard: false, so no role="button" either): the member list beside
    // every kawasan map names and links the same sites, and is the keyboard's and screen
    // reader's way to them. A school next to its RPTRA can only be drawn so far apart on a
    // phone's map; as buttons such markers failed WCAG 2.5.8's spacing, which the list meets.
    var marker = L.marker(home, {
      icon: icon, title: m.name, zIndexOffset: m.hub ? 1000 : 0, keyboard: false
    }).addTo(map);
    if (el.dataset.markerLinks && m.url) {
      marker.on("click", function () { window.location = m.url; });
    }
    // textContent, never innerHTML, for names typed by users.
    marker.getElement().firstChild.textContent = m.icon;
    var tip = document.createElement("span");
    tip.textContent = m.name + (m.types.length ? " – " + m.types.join(", ") : "");
    marker.bindTooltip(tip);
    markers.push({ id: m.id, marker: marker, home: home, r: size / 2, fixed: !!m.hub });
    bounds.extend(home);
  });

  // Push overlapping markers apart in screen pixels at the current zoom (a few rounds of
  // pairwise separation), then place each at its new point with a line to its true place.
  function layout() {
    if (!isFinite(map.getZoom())) { return; }
    var pts = markers.map(function (item, i) {
      var p = map.latLngToLayerPoint(item.home);
      return { x: p.x, y: p.y, i: i };
    });
    // Enough rounds for a dense cluster (schools sharing a building) on a phone's narrow
    // map: 80 left some markers overlapping, under WCAG's 24 px target spacing.
    for (var round = 0; round < 200; round++) {
      var moved = false;
      for (var i = 0; i < pts.length; i++) {
        for (var j = i + 1; j < pts.length; j++) {
          var a = pts[i], b = pts[j];
          var need = markers[i].r + markers[j].r + GAP;
          var dx = b.x - a.x, dy = b.y - a.y;
          var d = Math.sqrt(dx * dx + dy * dy);
          if (d >= need) { continue; }
          if (d < 0.01) { // the same point: a direction of its own for each pair
            var angle = (i * 7 + j) * GOLDEN;
            dx = Math.cos(angle); dy = Math.sin(angle); d = 1;
          }
          var push = need - d + 0.01;
          var ux = dx / d, uy = dy / d;
          var fa = markers[i].fixed, fb = markers[j].fixed;
          var sa = fa ? 0 : fb ? 1 : 0.5, sb = fb ? 0 : fa ? 1 : 0.5;
          a.x -= ux * push * sa; a.y -= uy * push * sa;
          b.x += ux * push * sb; b.y += uy * push * sb;
          moved = true;
        }
      }
      if (!moved) { break; }
    }
    leaders.clearLayers();
    var shown = {};
    pts.forEach(function (p) {
      var item = markers[p.i];
      var at = map.layerPointToLatLng(L.point(p.x, p.y));
      var home = map.latLngToLayerPoint(item.home);
      item.marker.setLatLng(at);
      shown[item.id] = at;
      if (Math.abs(home.x - p.x) + Math.abs(home.y - p.y) > 1) {
        L.polyline([item.home, at], {
          color: "#334155", weight: 1, opacity: 0.7, interactive: false
        }).addTo(leaders);
        L.circleMarker(item.home, {
          radius: 2, color: "#334155", weight: 1, fillOpacity: 1, interactive: false
        }).addTo(leaders);
      }
    });
    lines.forEach(function (l) { l.line.setLatLngs([shown[l.a], shown[l.b]]); });
    el.dataset.laidOut = String(map.getZoom());
  }

  // Padding of a marker's size, so no marker at the edge is cut in half; none in a map too
  // small for it (or not laid out yet: a zero size), where Leaflet's zoom would be NaN.
  var size = map.getSize();
  var pad = size.x > 4 * maxSize && size.y > 4 * maxSize ? maxSize : 0;
  // On the left, room for the zoom buttons too (top left): a marker under them could not be
  // tapped (WCAG 2.5.8, axe target-size on a 390 px phone).
  var fitOptions = {
    paddingTopLeft: [pad + 44, pad], paddingBottomRight: [pad, pad], maxZoom: 17, animate: false
  };
  if (bounds.isValid()) { map.fitBounds(bounds, fitOptions); }
  layout();
  map.on("zoomend", layout);
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
