// A job's page: while the job waits or runs, ask for its status every second and move the
// progress bar; when it ends, reload the page (it then shows the result or the error).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var state = box.dataset.state;
  if (state !== "queued" && state !== "running") { return; }
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { window.setTimeout(poll, 2000); return; }
        if (status.state !== state) { window.location.reload(); return; }
        if (status.percent !== null) {
          bar.value = status.percent;
          count.textContent = format.format(status.done) + " / " + format.format(status.total) +
            " (" + status.percent + " %)";
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 500);
})();
