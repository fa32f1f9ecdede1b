// Site form: a click (or tap) on the map places the site's point, and the lat/lon inputs
// follow the map and the map follows them, so a phone user can type coordinates instead.
(function () {
  "use strict";
  var latInput = document.getElementById("id_latitude");
  var lonInput = document.getElementById("id_longitude");
  var raw = document.getElementById("id_location");
  if (!latInput || !lonInput || !raw) { return; }

  var field = null;
  var map = null;

  function fromRaw() {
    try {
      var g = JSON.parse(raw.value || "null");
      if (g && g.type === "Point" && g.coordinates) { return g.coordinates; }
    } catch (e) { /* an empty or broken value: nothing placed yet */ }
    return null;
  }

  function fillInputs(lat, lon) {
    latInput.value = lat.toFixed(7);
    lonInput.value = lon.toFixed(7);
  }

  // Replaces the point through the widget itself, so its textarea stays the source of truth.
  function place(latlng, pan) {
    if (!field) { return; }
    field.onCreated({ layer: L.marker(latlng) });
    fillInputs(latlng.lat, latlng.lng);
    if (pan && map) { map.setView(latlng, Math.max(map.getZoom(), 16), { animate: false }); }
  }

  window.addEventListener("map:init", function (e) {
    map = e.detail.map;
    var placed = false;
    map.on("map:loadfield", function (me) {
      field = me.field;
      var c = fromRaw();
      if (c) {
        placed = true;
        fillInputs(c[1], c[0]);
      }
    });
    drawTerritory(map, function (bounds) {
      if (!placed && bounds.isValid()) { map.fitBounds(bounds, { animate: false }); }
    });
    map.on("click", function (ev) { place(ev.latlng, false); });
    map.on("draw:created draw:edited", function () {
      var c = fromRaw();
      if (c) { fillInputs(c[1], c[0]); }
    });
  });

  // The user's territory outlines: where a point may go, visible without a base map.
  function drawTerritory(target, done) {
    var urlsEl = document.getElementById("site-territory-urls");
    var urls = urlsEl ? JSON.parse(urlsEl.textContent) : [];
    var group = L.featureGroup().addTo(target);
    var pending = urls.length;
    urls.forEach(function (url) {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (fc) {
          L.geoJSON(fc, {
            interactive: false,
            style: function (f) {
              return f.properties.role === "self"
                ? { color: "#b91c1c", weight: 3, fill: false }
                : { color: "#1d4ed8", weight: 1, fillOpacity: 0.05 };
            }
          }).addTo(group);
        })
        .catch(function () { /* the map still works without outlines */ })
        .then(function () {
          pending -= 1;
          if (pending === 0) { done(group.getBounds()); }
        });
    });
  }

  function fromInputs() {
    var lat = parseFloat(latInput.value);
    var lon = parseFloat(lonInput.value);
    if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      place(L.latLng(lat, lon), true);
    }
  }
  latInput.addEventListener("change", fromInputs);
  lonInput.addEventListener("change", fromInputs);

  var locate = document.getElementById("use-my-location");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(L.latLng(pos.coords.latitude, pos.coords.longitude), true);
      });
    });
  }
}());
