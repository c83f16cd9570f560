// Subject picker for the comparison matrix: choose which subject columns to show.
// Without this script every column is shown and the picker stays hidden.
(function () {
  "use strict";
  var KEY = "archsite-compare-hidden";
  var picker = document.querySelector(".subject-picker");
  var table = document.querySelector("table.matrix");
  if (!picker || !table) return;
  var boxes = Array.prototype.slice.call(picker.querySelectorAll("input[type=checkbox]"));
  if (boxes.length < 2) return;

  function load() {
    try {
      var v = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(v) ? v : [];
    } catch (e) {
      return [];
    }
  }

  function save(hidden) {
    try {
      localStorage.setItem(KEY, JSON.stringify(hidden));
    } catch (e) {
      /* private mode: the choice just does not persist */
    }
  }

  function apply(hidden) {
    var cells = table.querySelectorAll("[data-subject]");
    for (var i = 0; i < cells.length; i++) {
      var off = hidden.indexOf(cells[i].getAttribute("data-subject")) !== -1;
      // Inline style, so it also wins over the stacked-card layout on small screens.
      cells[i].style.display = off ? "none" : "";
      if (off) cells[i].setAttribute("aria-hidden", "true");
      else cells[i].removeAttribute("aria-hidden");
    }
    table.setAttribute("data-hidden", hidden.join(" "));
  }

  var hidden = load().filter(function (id) {
    return boxes.some(function (b) { return b.value === id; });
  });
  // Never hide every column.
  if (hidden.length >= boxes.length) hidden = [];
  boxes.forEach(function (b) {
    b.checked = hidden.indexOf(b.value) === -1;
    b.addEventListener("change", function () {
      var next = boxes.filter(function (x) { return !x.checked; }).map(function (x) { return x.value; });
      if (next.length >= boxes.length) {
        b.checked = true;
        return;
      }
      hidden = next;
      save(hidden);
      apply(hidden);
    });
  });
  apply(hidden);
  picker.hidden = false;
})();
