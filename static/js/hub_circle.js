// The kawasan's walking circle on the site form's map picker (a next step "add a site of
// this type near the hub": kawasan/add_type.html). Its own file and function, so the
// picker's scripts stay as they are: it only draws, never places or moves the point.
(function () {
  "use strict";
  var data = document.getElementById("kawasan-hub-circle");
  if (!window.L || !data) { return; }
  var hub = JSON.parse(data.textContent || "null");
  if (!hub) { return; }

  function drawHubCircle(map) {
    var circle = L.circle([hub.lat, hub.lon], {
      radius: hub.radius, color: "#0f766e", weight: 2, fillOpacity: 0.08, interactive: false
    }).addTo(map);
    L.circleMarker([hub.lat, hub.lon], {
      radius: 5, color: "#0f766e", fillOpacity: 1, interactive: false
    }).bindTooltip(hub.name).addTo(map);
    // After the picker's own framing (the territory), so the walk is what the user sees.
    setTimeout(function () { map.fitBounds(circle.getBounds(), { animate: false }); }, 0);
  }

  window.addEventListener("map:init", function (e) { drawHubCircle(e.detail.map); });
}());
