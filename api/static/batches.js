// Progress of running batches on the documents page: poll each batch until it has finished.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("li.batch[data-batch-id]"));
  function poll(li) {
    var id = li.getAttribute("data-batch-id");
    fetch("/api/v1/batches/" + encodeURIComponent(id), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) {
        if (!b) { return; }
        var finished = b.counts.done + b.counts.failed;
        var bar = li.querySelector("progress");
        bar.max = b.total;
        bar.value = finished;
        li.querySelectorAll("[data-k]").forEach(function (el) { el.textContent = String(b.counts[el.getAttribute("data-k")]); });
        if (!b.finished) { setTimeout(function () { poll(li); }, 2000); }
        else { li.classList.add("finished"); }
      })
      .catch(function () { setTimeout(function () { poll(li); }, 5000); });
  }
  rows.forEach(function (li) { setTimeout(function () { poll(li); }, 1000); });
}());
