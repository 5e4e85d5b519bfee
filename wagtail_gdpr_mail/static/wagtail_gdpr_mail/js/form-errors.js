// A subscription form sent back with errors: move the focus to its error summary, so
// keyboard and screen-reader users land on what to correct (no inline script: CSP-safe).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-gdpr-mail-errors]");
  if (summary) {
    summary.focus();
  }
});
