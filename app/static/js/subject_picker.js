/* The record form's subject picker: filter the in-scope members by name or pinyin initials. */
(function () {
  var box = document.getElementById("subject-search"), select = document.getElementById("subject");
  if (!box || !select) return;
  var units = Array.prototype.filter.call(select.querySelectorAll("option"), function (o) { return o.value.indexOf("u:") === 0; });
  var timer = null;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(box.dataset.url + "?q=" + encodeURIComponent(box.value), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (rows) {
          var keep = select.value;
          select.innerHTML = "";
          select.appendChild(new Option("—", ""));
          rows.forEach(function (row) { select.appendChild(new Option(row.label, row.value, false, row.value === keep)); });
          units.forEach(function (o) { select.appendChild(o); });
        });
    }, 250);
  });
})();
