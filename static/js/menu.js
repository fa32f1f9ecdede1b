// The header's menu on a narrow screen (static/css/phone.css): the "Menu" button shows and
// hides the navigation and tools it controls (aria-controls), and says which (aria-expanded).
// Escape closes the menu and gives the focus back to the button. From 960 px the button is
// not shown and the menu is always open; without script (noscript.css) it is always open too.
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle[aria-controls]");
  var menu = button ? document.getElementById(button.getAttribute("aria-controls")) : null;
  if (!menu) { return; }

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
}());
