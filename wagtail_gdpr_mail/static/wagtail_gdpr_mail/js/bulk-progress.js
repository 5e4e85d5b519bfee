// The progress bar of a bulk operation: poll its JSON status until it is finished.
(function () {
  "use strict";
  function start() {
    var box = document.querySelector("[data-gdpr-mail-progress]");
    if (!box) return;
    var url = box.getAttribute("data-gdpr-mail-progress");
    var bar = box.querySelector("[data-gdpr-mail-bar]");
    var progress = box.querySelector("[data-gdpr-mail-progressbar]");
    function show(data) {
      bar.textContent = data.percent + "%";
      progress.value = data.percent;
      ["state_display", "done", "total", "changed", "skipped"].forEach(function (key) {
        var name = key === "state_display" ? "state" : key;
        var el = box.querySelector("[data-gdpr-mail-" + name + "]");
        if (el) el.textContent = data[key];
      });
      if (data.finished || data.state === "failed") {
        box.setAttribute("data-gdpr-mail-finished", data.state);
        return true;
      }
      return false;
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !show(data)) setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
