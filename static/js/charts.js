/* Tiến độ: draws every chart of the page from its JSON data island, with the partial plotly.js bundle.
 * One static script and no inline code, so the content security policy needs no 'unsafe-inline' script.
 * Each chart gets buttons (keyboard-reachable) to download it as PNG or SVG and its data as CSV.
 *
 * Light on a phone: a chart is drawn when it comes near the viewport (IntersectionObserver), and plotly.js
 * itself (about 1 MB to parse) is only fetched when the first chart is about to show. A page read above
 * its charts never pays for them. Browsers without IntersectionObserver draw everything at once, and so
 * does printing, which must show every chart whole. */
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

  function figureOf(container) {
    var island = document.getElementById(container.getAttribute("data-figure"));
    return island ? JSON.parse(island.textContent) : null;
  }

  function draw(container) {
    if (container.getAttribute("data-drawing")) { return; }
    container.setAttribute("data-drawing", "1");
    var figure = figureOf(container);
    if (!figure) { return; }
    withPlotly(function () {
      var layout = figure.layout || {};
      layout.autosize = true;
      window.Plotly.newPlot(container, figure.data || [], layout, config).then(function () {
        container.classList.add("is-drawn");
        var tools = document.querySelector('.chart-tools[data-chart="' + container.id + '"]');
        if (tools) { tools.hidden = false; }
      });
    });
  }

  function csvCell(value) {
    var text = value === null || value === undefined ? "" : String(value);
    // A cell a spreadsheet would read as a formula is neutralised, as the table exports do.
    if (/^[=+\-@\t\r]/.test(text)) { text = "'" + text; }
    return /[",\n;]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csvOf(figure) {
    var lines = [["series", "x", "y"].join(",")];
    (figure.data || []).forEach(function (trace, index) {
      var name = trace.name || "series " + (index + 1);
      var xs = trace.x || [], ys = trace.y || [];
      var n = Math.max(xs.length, ys.length);
      for (var i = 0; i < n; i++) { lines.push([csvCell(name), csvCell(xs[i]), csvCell(ys[i])].join(",")); }
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  function save(blob, filename) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

  function onDownload(event) {
    var button = event.target.closest("button[data-download]");
    if (!button) { return; }
    var tools = button.closest(".chart-tools");
    var container = document.getElementById(tools.getAttribute("data-chart"));
    var filename = tools.getAttribute("data-filename") || container.id;
    var format = button.getAttribute("data-download");
    if (format === "csv") {
      save(new Blob([csvOf(figureOf(container))], { type: "text/csv;charset=utf-8" }), filename + ".csv");
    } else if (window.Plotly) {
      image(container, format, filename);
    }
  }

  // Plotly's own downloadImage loads a blob: image, which img-src 'self' data: forbids. The SVG comes as a
  // data: URL instead; the PNG is that SVG drawn on a canvas, so the policy needs no loosening.
  function image(container, format, filename) {
    var size = { width: 1000, height: 560 };
    window.Plotly.toImage(container, { format: "svg", width: size.width, height: size.height }).then(function (url) {
      var svg = decodeURIComponent(url.slice(url.indexOf(",") + 1));
      if (format === "svg") {
        save(new Blob([svg], { type: "image/svg+xml" }), filename + ".svg");
        return;
      }
      var picture = new Image();
      picture.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = size.width * 2;
        canvas.height = size.height * 2;
        var context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(picture, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) { save(blob, filename + ".png"); }, "image/png");
      };
      picture.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    });
  }

  // On paper a chart takes its container's width and the height print CSS gives it; back on screen, its own.
  function fitAll() {
    if (!window.Plotly) { return; }
    var printing = window.matchMedia && window.matchMedia("print").matches;
    var drawn = document.querySelectorAll(".chart.is-drawn");
    for (var i = 0; i < drawn.length; i++) {
      var chart = drawn[i];
      if (!chart.hasAttribute("data-height")) {
        chart.setAttribute("data-height", (chart.layout && chart.layout.height) || chart.clientHeight);
      }
      var height = printing ? chart.clientHeight : Number(chart.getAttribute("data-height"));
      window.Plotly.relayout(chart, { width: chart.clientWidth, height: height });
    }
  }

  function drawEvery() {
    var containers = document.querySelectorAll(".chart[data-figure]");
    for (var i = 0; i < containers.length; i++) { draw(containers[i]); }
  }

  function drawWhenSeen() {
    var containers = document.querySelectorAll(".chart[data-figure]");
    if (!("IntersectionObserver" in window)) {
      drawEvery();
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

  function start() {
    drawWhenSeen();
    document.addEventListener("click", onDownload);
    // Printing lays the page out narrower: every chart is drawn, then redrawn to the paper's width, whole.
    if (window.matchMedia) {
      var print = window.matchMedia("print");
      if (print.addEventListener) { print.addEventListener("change", function () { drawEvery(); fitAll(); }); }
    }
    window.addEventListener("beforeprint", function () { drawEvery(); fitAll(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
