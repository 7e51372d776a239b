// Progressive enhancement of the privacy page: the progress of a data export being prepared refreshes itself.
// Without this file the page offers a reload link that shows the same.
(function () {
  "use strict";
  var INTERVAL = 2000;
  var rows = document.querySelectorAll("[data-export-status]");
  if (!rows.length || !window.fetch) { return; }

  function poll(row) {
    fetch(row.getAttribute("data-export-status"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var bar = row.querySelector("progress");
        var text = row.querySelector("[data-export-text]");
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + " %"; }
        // The text is a live region: rewritten only at each quarter, so a screen reader is not flooded.
        var quarter = data.status + Math.floor(data.progress / 25);
        if (text && row.getAttribute("data-quarter") !== quarter) {
          row.setAttribute("data-quarter", quarter);
          text.textContent = data.text;
        }
        if (data.status === "pending" || data.status === "running") {
          window.setTimeout(function () { poll(row); }, INTERVAL);
        } else {
          // Finished or failed: the page renders the download link (or the failure) and enables the button again.
          window.location.reload();
        }
      })
      .catch(function () { /* offline for a moment: the reload link still works */ });
  }

  Array.prototype.forEach.call(rows, function (row) {
    window.setTimeout(function () { poll(row); }, INTERVAL);
  });
})();
