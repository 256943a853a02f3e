// 签到大屏: ask the server every few seconds for the current code, the count and the names; no other source.
(function () {
  var body = document.body;
  var url = body.getAttribute("data-state-url");
  var late = document.getElementById("checkin-late").textContent;
  function show(state) {
    var qr = document.getElementById("checkin-qr");
    var closed = document.getElementById("checkin-closed");
    if (state.svg) { qr.innerHTML = state.svg; } else { qr.innerHTML = ""; }
    closed.textContent = state.closed || "";
    closed.hidden = !state.closed;
    document.getElementById("checkin-signed").textContent = state.signed;
    document.getElementById("checkin-invited").textContent = state.invited;
    var list = document.getElementById("checkin-names");
    list.innerHTML = "";
    state.names.forEach(function (n) {
      var item = document.createElement("li");
      item.appendChild(document.createTextNode(n.name + " "));
      var when = document.createElement("span");
      when.textContent = n.time + (n.late ? " " + late : "");
      item.appendChild(when);
      list.appendChild(item);
    });
  }
  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) { show(state); } })
      .catch(function () {})
      .then(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 5000);
})();
