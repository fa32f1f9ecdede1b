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
    if (pan && map) { map.setView(latlng, Math.max(map.getZoom(), 16)); }
  }

  window.addEventListener("map:init", function (e) {
    map = e.detail.map;
    var tiles = window.KALTARA_TILES || {};
    if (!tiles.url) {
      // No base map: keep the map usable with the region outlines missing but markers shown.
      map.getContainer().style.background = "#e5e7eb";
    }
    map.on("map:loadfield", function (me) {
      field = me.field;
      var c = fromRaw();
      if (c) {
        fillInputs(c[1], c[0]);
      } else {
        map.setView([-6.2, 106.85], 11);
      }
    });
    map.on("click", function (ev) { place(ev.latlng, false); });
    map.on("draw:created draw:edited", function () {
      var c = fromRaw();
      if (c) { fillInputs(c[1], c[0]); }
    });
  });

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
