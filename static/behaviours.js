/* Page behaviours without inline script or style (the Content-Security-Policy allows neither):
   - <form data-confirm="question"> asks before it is sent;
   - <button data-print> prints the page;
   - <span data-width="42.5" data-left="10"> sizes bars and bands in percent. */
(function () {
  "use strict";
  function percent(value) {
    var n = parseFloat(value);
    return isFinite(n) ? Math.max(0, Math.min(100, n)) + "%" : "";
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-print]")) { window.print(); }
  });
  function sizeBars() {
    document.querySelectorAll("[data-width], [data-left]").forEach(function (el) {
      if (el.hasAttribute("data-width")) { el.style.width = percent(el.getAttribute("data-width")); }
      if (el.hasAttribute("data-left")) { el.style.left = percent(el.getAttribute("data-left")); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sizeBars);
  } else {
    sizeBars();
  }
})();
