/* The record form's subject picker: filter the in-scope members by name or pinyin initials. */
/* The search URL keeps the query the page gave it (`…json?branch=30` stays filtered by branch) and sets q. */
function pickerUrl(base, q, here) {
  var url = new URL(base, here);
  url.searchParams.set("q", q);
  return url.pathname + url.search;
}
if (typeof module !== "undefined") module.exports = {pickerUrl: pickerUrl};
(function () {
  if (typeof document === "undefined") return;
  var box = document.getElementById("subject-search"), select = document.getElementById("subject");
  if (!box || !select) return;
  var units = Array.prototype.filter.call(select.querySelectorAll("option"), function (o) { return o.value.indexOf("u:") === 0; });
  var timer = null;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(pickerUrl(box.dataset.url, box.value, window.location.href), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (rows) {
          var keep = select.value;
          select.innerHTML = "";
          select.appendChild(new Option("—", ""));
          rows.forEach(function (row) { select.appendChild(new Option(row.label, row.value, false, row.value === keep)); });
          units.forEach(function (o) { select.appendChild(o); });
          // One match is the one the user is looking for: choose it rather than leave "—".
          if (rows.length === 1) select.value = rows[0].value;
        });
    }, 250);
  });
})();
