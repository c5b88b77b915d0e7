// Draws every chart of the page (and of each fragment htmx swaps in) from the JSON figure
// the server rendered next to it; the table alternative stays in the page either way.
// When a live fragment replaces a region, the tables the reader opened stay open and the
// keyboard focus stays where it was.
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

  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
  var kept = null;

  function remember(target) {
    var open = [];
    target.querySelectorAll("details[open][id]").forEach(function (d) { open.push(d.id); });
    var active = document.activeElement;
    var focus = null;
    if (active && active !== document.body && target.contains(active)) {
      focus = active.id ? { id: active.id } : {
        index: Array.prototype.indexOf.call(target.querySelectorAll(FOCUSABLE), active)
      };
    }
    kept = { targetId: target.id, open: open, focus: focus };
  }

  function restore() {
    if (!kept) return;
    var target = document.getElementById(kept.targetId) || document;
    kept.open.forEach(function (id) {
      var d = document.getElementById(id);
      if (d) d.open = true;
    });
    var f = kept.focus;
    var el = f && (f.id ? document.getElementById(f.id) : target.querySelectorAll(FOCUSABLE)[f.index]);
    if (el) el.focus({ preventScroll: true });
    kept = null;
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.shouldSwap && event.detail.target) remember(event.detail.target);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    restore();
    draw(event.detail.elt || document);
  });
})();
