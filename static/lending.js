/* Sums the maximum loan of the ticked assets on the request form (the server computes it too). */
(function () {
  "use strict";
  var table = document.getElementById("collateral-choice");
  var out = document.getElementById("total-max-loan");
  if (!table || !out) { return; }
  function yuan(fen) {
    var whole = Math.floor(fen / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = String(fen % 100).padStart(2, "0");
    return "¥" + whole + "." + cents;
  }
  function update() {
    var total = 0;
    table.querySelectorAll("input[type=checkbox][data-max-loan]").forEach(function (box) {
      if (box.checked) { total += parseInt(box.getAttribute("data-max-loan"), 10) || 0; }
    });
    out.textContent = yuan(total);
  }
  table.addEventListener("change", update);
})();
