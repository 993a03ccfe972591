/* Tiến độ: draws every chart of the page from its JSON data island, with the partial plotly.js bundle.
 * One static script and no inline code, so the content security policy needs no 'unsafe-inline' script.
 *
 * Light on a phone: a chart is drawn when it comes near the viewport (IntersectionObserver), and plotly.js
 * itself (about 1 MB to parse) is only fetched when the first chart is about to show. A page read above
 * its charts never pays for them. Browsers without IntersectionObserver draw everything at once. */
(function () {
  "use strict";

  var config = { displayModeBar: false, responsive: true, displaylogo: false };
  var script = document.currentScript;
  var plotlyUrl = script && script.getAttribute("data-plotly");
  var plotlyLoading = null;
  var waiting = [];

  function withPlotly(callback) {
    if (window.Plotly) { callback(); return; }
    waiting.push(callback);
    if (plotlyLoading || !plotlyUrl) { return; }
    plotlyLoading = document.createElement("script");
    plotlyLoading.src = plotlyUrl;
    plotlyLoading.async = true;
    plotlyLoading.addEventListener("load", function () {
      var callbacks = waiting;
      waiting = [];
      for (var i = 0; i < callbacks.length; i++) { callbacks[i](); }
    });
    document.head.appendChild(plotlyLoading);
  }

  function draw(container) {
    if (container.getAttribute("data-drawing")) { return; }
    container.setAttribute("data-drawing", "1");
    var island = document.getElementById(container.getAttribute("data-figure"));
    if (!island) { return; }
    withPlotly(function () {
      var figure = JSON.parse(island.textContent);
      var layout = figure.layout || {};
      layout.autosize = true;
      window.Plotly.newPlot(container, figure.data || [], layout, config).then(function () {
        container.classList.add("is-drawn");
      });
    });
  }

  function drawWhenSeen() {
    var containers = document.querySelectorAll(".chart[data-figure]");
    if (!("IntersectionObserver" in window)) {
      for (var i = 0; i < containers.length; i++) { draw(containers[i]); }
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      for (var j = 0; j < entries.length; j++) {
        if (entries[j].isIntersecting) {
          observer.unobserve(entries[j].target);
          draw(entries[j].target);
        }
      }
    }, { rootMargin: "200px 0px" });
    for (var k = 0; k < containers.length; k++) { observer.observe(containers[k]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawWhenSeen);
  } else {
    drawWhenSeen();
  }
})();
