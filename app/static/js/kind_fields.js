/* The record form: show only the fields the chosen kind declares (each wrapper's data-kinds lists its kinds).
   A hidden field's inputs are disabled, so a value typed before the kind changed is not sent. Without this
   script every field shows, each naming the kinds it is for. */
(function () {
  var kind = document.getElementById("kind");
  if (!kind) return;
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".kind-field[data-kinds]"));
  function update() {
    var chosen = kind.value;
    boxes.forEach(function (box) {
      var show = !chosen || box.dataset.kinds.split("|").indexOf(chosen) >= 0;
      box.hidden = !show;
      Array.prototype.forEach.call(box.querySelectorAll("input, select, textarea"), function (input) {
        input.disabled = !show;
      });
      var note = box.querySelector(".kinds-note");
      if (note) note.hidden = true;
      var label = box.dataset.labels && box.querySelector("label");
      if (label) {  // kinds counting the amount in different units: the chosen kind's unit in the label
        if (!label.dataset.general) label.dataset.general = label.textContent;
        var labels = JSON.parse(box.dataset.labels);
        label.textContent = labels[chosen] || label.dataset.general;
      }
    });
  }
  kind.addEventListener("change", update);
  update();
})();
