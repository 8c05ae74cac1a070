/* Follows a matcher job live on the job page: long polls the page's status.json (same origin; the
   server waits until the job changes), updates the <progress> and the phase in an aria-live region,
   and opens the new version when the job is done. Without this script the page reloads itself. */
(function () {
  "use strict";
  var root = document.getElementById("job");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var statusText = document.getElementById("job-status");
  var phase = document.getElementById("job-phase");
  var failure = document.getElementById("job-failure");
  var result = document.getElementById("job-result");
  var resultLink = document.getElementById("job-result-link");
  var refresh = document.getElementById("job-refresh");
  var etag = null;
  var failures = 0;

  function show(job) {
    bar.value = job.progress;
    percent.textContent = job.progress + " %";
    // Only a changed text is written, so screen readers hear each phase once.
    if (statusText.textContent !== job.status_text) { statusText.textContent = job.status_text; }
    if (phase.textContent !== job.phase) { phase.textContent = job.phase; }
    if (job.failure_reason) {
      failure.textContent = job.failure_reason;
      failure.hidden = false;
    }
    if (job.result_url) {
      resultLink.href = job.result_url;
      result.hidden = false;
    }
  }

  function finished(job) {
    if (refresh) { refresh.hidden = true; }
    if (job.status === "done" && job.result_url) {
      window.location.assign(job.result_url);
    } else if (!job.failure_reason) {
      failure.textContent = root.getAttribute("data-failed-text");
      failure.hidden = false;
    }
  }

  function poll() {
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error("status " + response.status); }
        etag = response.headers.get("ETag") || etag;
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        if (job) {
          show(job);
          if (!job.active) { finished(job); return; }
        }
        poll();
      })
      .catch(function () {
        failures += 1;
        if (failures === 3) { phase.textContent = root.getAttribute("data-lost-text"); }
        // Back off up to 30 s when the server is away, then carry on.
        window.setTimeout(poll, Math.min(30000, 1000 * Math.pow(2, failures)));
      });
  }

  if (root.getAttribute("data-status") === "queued" || root.getAttribute("data-status") === "running") {
    poll();
  }
})();
