// The live count of a segment's edit form: post the form (rules, match) to the count
// URL a moment after each change and show the answer. No inline script, no framework.
(function () {
  "use strict";
  function start() {
    var box = document.querySelector("[data-gdpr-mail-live-count]");
    if (!box || box.dataset.started) return;
    box.dataset.started = "1";
    var form = box.closest("form");
    var output = box.querySelector("[data-gdpr-mail-count]");
    var url = box.getAttribute("data-gdpr-mail-live-count");
    var timer = null;
    var sent = 0;
    function refresh() {
      var mine = ++sent;
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && mine === sent) output.textContent = data.text;
        })
        .catch(function () {});
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    // Choosers set hidden inputs without an input event; new blocks add fields.
    new MutationObserver(later).observe(form, { subtree: true, childList: true, attributes: true, attributeFilter: ["value"] });
    refresh();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
