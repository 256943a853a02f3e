// 评分细则: a click on a mistake's place puts the cursor there in the editor.
document.addEventListener("click", function (event) {
  var link = event.target.closest("a.goto");
  if (!link) return;
  var area = document.getElementById("text");
  if (!area) return;
  event.preventDefault();
  var lines = area.value.split("\n");
  var line = Math.max(1, Math.min(lines.length, parseInt(link.dataset.line, 10)));
  var offset = 0;
  for (var i = 0; i < line - 1; i++) offset += lines[i].length + 1;
  offset += Math.max(0, Math.min(lines[line - 1].length, parseInt(link.dataset.column, 10) - 1));
  area.focus();
  area.setSelectionRange(offset, offset);
  var height = area.scrollHeight / Math.max(lines.length, 1);
  area.scrollTop = Math.max(0, (line - 5) * height);
});
