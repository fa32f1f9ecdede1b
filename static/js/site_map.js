// Site maps: the filtered site map (what the view shows: clusters from the server at low
// zoom, one icon per type close up, see sites/map_data.py) and the small map
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

  // A server-side cluster: a dark disc with the count (white on #1e3a8a, ~10:1), ringed
  // by its types' colours, at least 32 px wide; a click zooms in on its sites. A server
  // cluster brings its width ("size", sites/map_data.py disc_size): the server merged any
  // two that would have touched at this zoom.
  function clusterIcon(count, types, catalogue, size) {
    size = size || Math.round(32 + 6 * Math.log10(Math.max(count, 1)));
    var ring = "#64748b";
    if (types && types.length) {
      var at = 0;
      var stops = types.map(function (t) {
        var from = at;
        at += 100 * t[1] / count;
        var info = catalogue[t[0]] || {};
        return safeColor(info.color) + " " + from.toFixed(1) + "% " + at.toFixed(1) + "%";
      });
      ring = "conic-gradient(" + stops.join(",") + ")";
    }
    return L.divIcon({
      className: "",
      html: "<div class=\"site-cluster\" style=\"width:" + size + "px;height:" + size + "px;background:" + ring + "\">" +
        "<span>" + escapeHtml(count.toLocaleString("id-ID")) + "</span></div>",
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2]
    });
  }

  function clusterTitle(el, count, types, catalogue) {
    var parts = (types || []).map(function (t) {
      var info = catalogue[t[0]] || {};
      return (info.name || el.dataset.otherLabel || "") + " " + t[1];
    });
    return count + " " + (el.dataset.clusterLabel || "") + (parts.length ? ": " + parts.join(", ") : "") +
      ". " + (el.dataset.zoomHint || "");
  }

  var listEl = document.getElementById("site-map");
  if (listEl) {
    // maxZoom is set here because clustering needs it and there may be no tile layer to give it.
    var map = L.map(listEl, { zoomSnap: 0.5, maxZoom: 19 });
    addTiles(map);
    var extent = listEl.dataset.extent ? JSON.parse(listEl.dataset.extent) : null;
    if (extent) {
      map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]], { maxZoom: 16, padding: [20, 20], animate: false });
    } else {
      map.setView([-6.2, 106.85], 11);
    }
    drawOutlines(map);
    // Server clusters below the zoom of points; from it on the sites themselves, where the
    // client still groups markers that overlap (a campus of three schools), in the same look.
    var clusterLayer = L.layerGroup().addTo(map);
    // The browser's own groups of close-up markers: pointer targets like the markers.
    if (L.MarkerCluster && L.MarkerCluster.mergeOptions) { L.MarkerCluster.mergeOptions({ keyboard: false }); }
    var pointLayer = L.markerClusterGroup
      ? L.markerClusterGroup({
        maxClusterRadius: 30,
        iconCreateFunction: function (c) { return clusterIcon(c.getChildCount(), [], {}); }
      })
      : L.featureGroup();
    pointLayer.addTo(map);
    var countEl = document.getElementById("site-map-count");
    var pending = null;
    var timer = null;

    var dataUrl = function () {
      // The view, padded a little so a short pan needs no new request, kept inside the
      // ranges the endpoint accepts (Leaflet's bounds run past +-180 at low zoom).
      var b = map.getBounds().pad(0.1);
      var clamp = function (v, lo, hi) { return Math.min(hi, Math.max(lo, v)); };
      var bbox = [
        clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
        clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)
      ].map(function (v) { return v.toFixed(5); });
      var url = new URL(listEl.dataset.url, window.location.href);
      url.searchParams.set("bbox", bbox.join(","));
      url.searchParams.set("zoom", String(Math.floor(map.getZoom())));
      return url.pathname + url.search;
    };

    var draw = function (fc) {
      clusterLayer.clearLayers();
      pointLayer.clearLayers();
      var catalogue = fc.types || {};
      if (fc.mode === "clusters") {
        fc.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var p = f.properties;
          var title = clusterTitle(listEl, p.count, p.types, catalogue);
          var m = L.marker([c[1], c[0]], { icon: clusterIcon(p.count, p.types, catalogue, p.size), title: title, alt: title, riseOnHover: true });
          m.on("click", function () {
            var box = L.latLngBounds([[p.bbox[1], p.bbox[0]], [p.bbox[3], p.bbox[2]]]);
            var next = Math.max(map.getBoundsZoom(box, false, L.point(40, 40)), map.getZoom() + 1);
            map.setView(box.getCenter(), Math.min(next, map.getMaxZoom()));
          });
          clusterLayer.addLayer(m);
        });
      } else {
        var layers = fc.features.map(function (f) {
          var c = f.geometry.coordinates;
          // Not tab stops (keyboard: false, so no role="button"): "Lihat daftar" above the
          // map lists the same sites with the same filters, the keyboard's and screen
          // reader's way to them; sites on one campus sit closer than WCAG 2.5.8's spacing.
          return L.marker([c[1], c[0]], { icon: typeIcon(f.properties), title: f.properties.name, keyboard: false })
            .bindPopup(popupHtml(f.properties));
        });
        if (pointLayer.addLayers) { pointLayer.addLayers(layers); } else { layers.forEach(function (l) { pointLayer.addLayer(l); }); }
      }
      // The labels come translated from the template (data-*).
      if (countEl) {
        var text;
        if (!extent) {
          text = listEl.dataset.empty;
        } else if (!fc.total) {
          text = listEl.dataset.noneHere;
        } else {
          text = (listEl.dataset.countLabel || "") + " " + fc.total.toLocaleString("id-ID");
          if (fc.truncated) { text += ". " + (listEl.dataset.tooMany || ""); }
        }
        countEl.textContent = text;
      }
      listEl.dataset.mode = fc.mode;
      listEl.dataset.zoom = String(map.getZoom());
      listEl.dataset.loaded = String(fc.total);
    };

    var load = function () {
      if (pending) { pending.abort(); }
      var controller = window.AbortController ? new AbortController() : null;
      pending = controller;
      listEl.dataset.loading = "1";
      fetch(dataUrl(), {
        credentials: "same-origin",
        headers: { Accept: "application/geo+json" },
        signal: controller ? controller.signal : undefined
      })
        .then(function (r) {
          if (!r.ok) { throw new Error("map data " + r.status); }
          return r.json();
        })
        .then(function (fc) {
          if (pending !== controller) { return; }
          pending = null;
          delete listEl.dataset.loading;
          draw(fc);
        })
        .catch(function (err) {
          if (err && err.name === "AbortError") { return; }
          pending = null;
          delete listEl.dataset.loading;
          if (countEl) { countEl.textContent = listEl.dataset.failed || ""; }
        });
    };

    // moveend comes after every pan and zoom; a burst of them (a flick, a wheel) asks once.
    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(load, 250);
    });
    load();
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
