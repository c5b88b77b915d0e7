// Draws every chart of the page (and of each fragment htmx swaps in) from the JSON figure
// the server rendered next to it. The table alternative stays in the page either way.
(function () {
  function draw(root) {
    if (!window.Plotly) return;
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      var data = document.getElementById(el.dataset.figure);
      if (!data) return;
      var figure = JSON.parse(data.textContent);
      // The figure's caption shows its title; inside the plot it would be said twice.
      var layout = Object.assign({}, figure.layout || {}, { autosize: true, title: { text: "" } });
      layout.margin = Object.assign({}, layout.margin || {}, { t: 16 });
      window.Plotly.react(el, figure.data || [], layout, { responsive: true, displayModeBar: false });
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.detail.elt || document); });
})();
