/* List pages: the header checkbox ticks or clears every row of its table (select-all for bulk actions). */
(function () {
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var table = all.closest("table"), name = all.dataset.selectAll;
    function rows() { return table.querySelectorAll("tbody input[type=checkbox][name='" + name + "']"); }
    all.addEventListener("change", function () {
      rows().forEach(function (box) { box.checked = all.checked; });
    });
    table.addEventListener("change", function (event) {
      if (event.target === all) return;
      var boxes = Array.prototype.slice.call(rows());
      all.checked = boxes.length > 0 && boxes.every(function (box) { return box.checked; });
    });
  });
})();
