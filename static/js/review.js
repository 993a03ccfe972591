// The review queue: "select all on this page" and a count of the ticked reports.
// Without script every checkbox still works one by one; the select-all box is shown only here.
(function () {
  "use strict";
  function ready() {
    var form = document.getElementById("bulk-review");
    var all = document.getElementById("select-all");
    var count = document.getElementById("selected-count");
    if (!form || !all) return;
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input.select-report"));
    var ticked = function () {
      return document.querySelectorAll('input[name="reports"][form="bulk-review"]:checked').length;
    };
    var template = count ? count.getAttribute("data-template") || "" : "";
    function update() {
      var n = ticked();
      var heads = boxes.filter(function (box) { return box.checked; }).length;
      all.checked = boxes.length > 0 && heads === boxes.length;
      all.indeterminate = heads > 0 && heads < boxes.length;
      if (count) count.textContent = n ? template.replace("__n__", String(n)) : "";
    }
    all.closest("label").hidden = boxes.length === 0;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
    document.addEventListener("change", function (event) {
      if (event.target.name === "reports") update();
    });
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
