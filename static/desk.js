// Progress bar of a forecast job: polls the job's JSON status, reloads the page when done.
(function () {
  "use strict";
  var bar = document.getElementById("job-progress");
  if (!bar) { return; }
  var url = bar.getAttribute("data-status-url");
  var text = document.getElementById("job-progress-text");
  var state = document.getElementById("job-state");
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        bar.max = Math.max(s.total, 1);
        bar.value = s.done;
        if (text) { text.textContent = s.done + " / " + s.total + " (" + s.percent + "%)"; }
        if (state) { state.textContent = s.label; }
        if (s.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
}());
