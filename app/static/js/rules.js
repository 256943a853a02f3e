// 评分细则: the editor opens scrolled to the first mistake; a click on a mistake's place puts the cursor there.
function placeInEditor(line, column, focus) {
  var area = document.getElementById("text");
  if (!area) return;
  var lines = area.value.split("\n");
  line = Math.max(1, Math.min(lines.length, line));
  var offset = 0;
  for (var i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  offset += Math.max(0, Math.min(lines[line - 1].length, column - 1));
  if (focus) {
    area.focus();
    area.setSelectionRange(offset, offset);
  }
  var height = area.scrollHeight / Math.max(lines.length, 1);
  area.scrollTop = Math.max(0, (line - 5) * height);
}

document.addEventListener("click", function (event) {
  var link = event.target.closest("a.goto");
  if (!link || !document.getElementById("text")) return;
  event.preventDefault();
  placeInEditor(parseInt(link.dataset.line, 10), parseInt(link.dataset.column, 10), true);
});

document.addEventListener("DOMContentLoaded", function () {
  var first = document.querySelector("a.goto");
  if (first) placeInEditor(parseInt(first.dataset.line, 10), parseInt(first.dataset.column, 10), false);
});
