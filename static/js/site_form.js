// Site form: a click (or tap) on the map places the site's point, and the lat/lon inputs
// follow the map and the map follows them, so a phone user can type coordinates instead.
//
// Each time the point moves (tap, drag, typed coordinates, "use my location"), the page
// says at once, next to the map, whether it lies inside the user's territory and in which
// kelurahan, from the outlines already drawn on the map. The server's check stays the
// authority (the outlines are simplified to about 5 m, so a point on the line itself may be
// judged differently); this one only spares the user a refused save.
//
// Built from small functions: another layer that follows the point (a circle around it, say)
// is one more function added with onPointMoved(fn); fn gets the point's L.LatLng, or null
// when the point is removed. It is first called once the outlines are drawn (with the
// point of an edit or of a refused save).
(function () {
  "use strict";
  var latInput = document.getElementById("id_latitude");
  var lonInput = document.getElementById("id_longitude");
  var raw = document.getElementById("id_location");
  var status = document.getElementById("location-check");
  if (!latInput || !lonInput || !raw) { return; }

  var field = null;
  var map = null;
  // The outlines of the user's territory, as GeoJSON features: "self" is a region of the
  // territory, "child" a region inside it (the kelurahan of a camat's kecamatan).
  var outlines = [];
  var pointListeners = [];

  function onPointMoved(fn) { pointListeners.push(fn); }

  function pointMoved(latlng) {
    pointListeners.forEach(function (fn) { fn(latlng); });
  }

  function fromRaw() {
    try {
      var g = JSON.parse(raw.value || "null");
      if (g && g.type === "Point" && g.coordinates) { return L.latLng(g.coordinates[1], g.coordinates[0]); }
    } catch (e) { /* an empty or broken value: nothing placed yet */ }
    return null;
  }

  function fillInputs(latlng) {
    latInput.value = latlng.lat.toFixed(7);
    lonInput.value = latlng.lng.toFixed(7);
  }

  // Replaces the point through the widget itself, so its textarea stays the source of truth.
  function place(latlng, pan) {
    if (!field) { return; }
    field.onCreated({ layer: L.marker(latlng) });
    fillInputs(latlng);
    if (pan && map) { map.setView(latlng, Math.max(map.getZoom(), 16), { animate: false }); }
    pointMoved(latlng);
  }

  // ---- point in polygon ----

  // Ray casting: a ray from the point towards +x crosses the ring's edges an odd number of
  // times when the point is inside. Coordinates are GeoJSON [lon, lat]; at kelurahan scale
  // the plane is close enough to the sphere.
  function inRing(x, y, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      // The edge straddles the ray's height, and the ray meets it right of the point.
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }

  // A polygon is its outer ring minus its holes; a multipolygon, any of its polygons.
  function inPolygon(x, y, rings) {
    if (!rings.length || !inRing(x, y, rings[0])) { return false; }
    for (var k = 1; k < rings.length; k++) {
      if (inRing(x, y, rings[k])) { return false; }
    }
    return true;
  }

  function inGeometry(latlng, geometry) {
    if (!geometry) { return false; }
    var x = latlng.lng, y = latlng.lat;
    if (geometry.type === "Polygon") { return inPolygon(x, y, geometry.coordinates); }
    if (geometry.type === "MultiPolygon") {
      return geometry.coordinates.some(function (rings) { return inPolygon(x, y, rings); });
    }
    return false;
  }

  // ---- the check beside the map ----

  function regionName(feature) {
    var level = status ? status.getAttribute("data-level-" + feature.properties.level) : "";
    return ((level || "") + " " + feature.properties.name).trim();
  }

  // {inside: bool, area: "Kelurahan X"}, or null while no outline is known.
  function checkPoint(latlng) {
    var territory = outlines.filter(function (f) { return f.properties.role === "self"; });
    if (!territory.length) { return null; }
    var home = territory.filter(function (f) { return inGeometry(latlng, f.geometry); });
    if (!home.length) {
      return { inside: false, area: territory.map(regionName).join(", ") };
    }
    // The kelurahan holding the point: the territory itself for a lurah, one of its
    // kelurahan for a camat; a wider territory names itself.
    var kelurahan = outlines.filter(function (f) {
      return f.properties.level === "kelurahan" && inGeometry(latlng, f.geometry);
    })[0];
    return { inside: true, area: regionName(kelurahan || home[0]) };
  }

  function setDescribedBy(input, id, on) {
    var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    ids = ids.filter(function (x) { return x !== id; });
    if (on) { ids.push(id); }
    if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); }
    else { input.removeAttribute("aria-describedby"); }
  }

  function showCheck(latlng) {
    if (!status) { return; }
    var result = latlng ? checkPoint(latlng) : null;
    if (!result) {
      if (!latlng) { clearCheck(); }
      return;
    }
    var text = status.getAttribute(result.inside ? "data-inside" : "data-outside");
    status.textContent = text.replace("{area}", result.area);
    status.className = "location-check " + (result.inside ? "ok" : "error");
    [latInput, lonInput].forEach(function (input) {
      if (result.inside) { input.removeAttribute("aria-invalid"); }
      else { input.setAttribute("aria-invalid", "true"); }
      setDescribedBy(input, status.id, !result.inside);
    });
  }
  onPointMoved(showCheck);

  // No point (deleted with the toolbar): nothing to say, nothing marked by this check.
  function clearCheck() {
    status.textContent = "";
    status.className = "location-check";
    [latInput, lonInput].forEach(function (input) {
      if ((input.getAttribute("aria-describedby") || "").indexOf(status.id) !== -1) {
        input.removeAttribute("aria-invalid");
        setDescribedBy(input, status.id, false);
      }
    });
  }

  // ---- the map ----

  // The user's territory outlines: where a point may go, visible without a base map.
  function drawTerritory(target, done) {
    var urlsEl = document.getElementById("site-territory-urls");
    var urls = urlsEl ? JSON.parse(urlsEl.textContent) : [];
    var group = L.featureGroup().addTo(target);
    var pending = urls.length;
    if (!pending) { done(group); }
    urls.forEach(function (url) {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (fc) {
          outlines = outlines.concat(fc.features || []);
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
          if (pending === 0) { done(group); }
        });
    });
  }

  // The point and the outline it should be in, both on screen: the kelurahan holding the
  // point (else the smallest outline holding it), or, for a point outside the territory,
  // the territory stretched to the point. Without a point, the whole territory.
  function fitPointAndOutline(latlng, group) {
    var bounds = L.latLngBounds([]);
    if (latlng) {
      var holding = outlines.filter(function (f) { return inGeometry(latlng, f.geometry); });
      var kelurahan = holding.filter(function (f) { return f.properties.level === "kelurahan"; });
      var shown = kelurahan.length ? kelurahan : holding;
      var result = checkPoint(latlng);
      if (!result || !result.inside || !shown.length) {
        shown = outlines.filter(function (f) { return f.properties.role === "self"; });
      } else if (!kelurahan.length) {
        shown = [smallest(shown)];
      }
      shown.forEach(function (f) { bounds.extend(L.geoJSON(f).getBounds()); });
      bounds.extend(latlng);
    } else {
      bounds = group.getBounds();
    }
    if (!bounds.isValid()) { return; }
    var fit = function () { map.fitBounds(bounds, { padding: [24, 24], animate: false }); };
    // The widget zooms onto the point with an animation when it loads; a view set while that
    // runs is undone when it ends (outlines from the browser's cache come that fast).
    if (map._animatingZoom) { map.once("zoomend", fit); } else { fit(); }
  }

  function smallest(features) {
    var area = function (f) {
      var b = L.geoJSON(f).getBounds();
      return (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
    };
    return features.reduce(function (a, b) { return area(b) < area(a) ? b : a; });
  }

  // The map's name and descriptions for a screen reader: it is a focus stop (Leaflet's
  // keyboard panning) and the error summary's link for the location leads to it.
  function describeMap(container) {
    var label = document.querySelector("label[for='id_location']");
    if (label && !container.hasAttribute("aria-label")) {
      container.setAttribute("aria-label", label.textContent.trim());
    }
    ["location-help", "id_location_error", "location-check"].forEach(function (id) {
      if (document.getElementById(id)) { setDescribedBy(container, id, true); }
    });
  }

  window.addEventListener("map:init", function (e) {
    map = e.detail.map;
    describeMap(map.getContainer());
    map.on("map:loadfield", function (me) {
      field = me.field;
      var c = fromRaw();
      if (c) { fillInputs(c); }
    });
    drawTerritory(map, function (group) {
      // After a refused save, or when editing: the point and its outline, at a scale
      // where both show (the widget alone centres on the point at a street's scale).
      var c = fromRaw();
      fitPointAndOutline(c, group);
      pointMoved(c);
    });
    map.on("click", function (ev) { place(ev.latlng, false); });
    // The drawing toolbar: a new marker, or the marker dragged in its edit mode.
    map.on("draw:created", function (ev) {
      if (ev.layer && ev.layer.getLatLng) {
        fillInputs(ev.layer.getLatLng());
        pointMoved(ev.layer.getLatLng());
      }
    });
    map.on("draw:editmove", function (ev) {
      if (ev.layer && ev.layer.getLatLng) {
        fillInputs(ev.layer.getLatLng());
        pointMoved(ev.layer.getLatLng());
      }
    });
    map.on("draw:deleted", function () {
      setTimeout(function () { pointMoved(fromRaw()); }, 0);
    });
    // Saved or cancelled: the widget's value is what counts again.
    map.on("draw:editstop", function () {
      setTimeout(function () {
        var c = fromRaw();
        if (c) {
          fillInputs(c);
          pointMoved(c);
        }
      }, 0);
    });
  });

  // ---- the keyboard way: typed coordinates ----

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

  // For the other layers of the picker (see the top of this file).
  window.kaltaraSitePicker = {
    onPointMoved: onPointMoved,
    map: function () { return map; },
    point: fromRaw,
    outlines: function () { return outlines; }
  };
}());
