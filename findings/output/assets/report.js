(function () {
  "use strict";
  var selects = document.querySelectorAll("select[data-filter]");
  var rows = document.querySelectorAll("#findings tbody tr");
  var shown = document.getElementById("shown");
  function apply() {
    var want = {};
    selects.forEach(function (s) { want[s.getAttribute("data-filter")] = s.value; });
    var n = 0;
    rows.forEach(function (r) {
      var ok = Object.keys(want).every(function (k) {
        return want[k] === "" || r.getAttribute("data-" + k) === want[k];
      });
      r.classList.toggle("hidden", !ok);
      if (ok) { n++; }
    });
    shown.textContent = String(n);
  }
  selects.forEach(function (s) { s.addEventListener("change", apply); });
  apply();
})();
