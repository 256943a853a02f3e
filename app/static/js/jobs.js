// A background job's page: ask /jobs/<id>.json every second and update the progress bar, the state and the
// message; stop once the job has finished. Without JS the page shows the state when it was loaded (reload it).
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("job");
    if (!box || box.getAttribute("data-finished") === "1") return;
    var url = box.getAttribute("data-status-url");
    function part(name) { return box.querySelector('[data-job="' + name + '"]'); }
    function show(s) {
      var bar = part("progress");
      bar.max = s.total || 1;
      bar.value = s.done;
      bar.textContent = s.percent + "%";
      part("count").textContent = s.done + " / " + s.total;
      part("state").textContent = s.state_label;
      part("message").textContent = s.message || "";
      var error = part("error");
      error.textContent = s.error || "";
      error.hidden = !s.error;
      if (s.finished) {
        var cancel = part("cancel");
        if (cancel) cancel.hidden = true;
        if (s.link) {
          var holder = part("link");
          var a = document.createElement("a");
          a.className = "btn";
          a.href = s.link.href;
          a.textContent = s.link.text;
          holder.textContent = "";
          holder.appendChild(a);
          holder.hidden = false;
        }
      }
    }
    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          show(s);
          if (!s.finished) window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
