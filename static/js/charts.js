/* Tiến độ: draws every chart of the page from its JSON data island, with the partial plotly.js bundle.
 * One static script and no inline code, so the content security policy needs no 'unsafe-inline' script. */
(function () {
  "use strict";

  var config = { displayModeBar: false, responsive: true, displaylogo: false };

  function draw(container) {
    var island = document.getElementById(container.getAttribute("data-figure"));
    if (!island || !window.Plotly) { return; }
    var figure = JSON.parse(island.textContent);
    var layout = figure.layout || {};
    layout.autosize = true;
    window.Plotly.newPlot(container, figure.data || [], layout, config).then(function () {
      container.classList.add("is-drawn");
    });
  }

  function drawAll() {
    var containers = document.querySelectorAll(".chart[data-figure]");
    for (var i = 0; i < containers.length; i++) { draw(containers[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
