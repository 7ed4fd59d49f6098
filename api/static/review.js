// The review queue: one paragraph at a time; keys 1-4 set a label, Enter accepts the model's,
// J/K move. Each choice is saved at once (PATCH /api/v1/paragraphs/{id}) and shown in the audit trail.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".qitem"));
  if (!items.length) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var status = document.getElementById("review-status");
  var position = document.getElementById("position");
  var savedCount = document.getElementById("saved");
  var message = document.getElementById("message");
  var KEYS = { "1": "overview", "2": "problems", "3": "improvements", "4": "other" };
  var current = 0;
  var pending = 0;
  var saved = 0;
  var chain = Promise.resolve();

  function show(i) {
    current = Math.max(0, Math.min(items.length - 1, i));
    items.forEach(function (el, k) { el.hidden = k !== current; });
    position.textContent = String(current + 1);
  }

  function setPending(delta) {
    pending += delta;
    status.setAttribute("data-pending", String(pending));
  }

  function say(text) { message.textContent = text ? " · " + text : ""; }

  function cell(text, cls) {
    var td = document.createElement("td");
    if (cls) {
      var span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      td.appendChild(span);
    } else {
      td.textContent = text;
    }
    return td;
  }

  function addAudit(item, p) {
    var change = p.changes[p.changes.length - 1];
    var body = document.getElementById("audit-rows");
    if (!change || !body) { return; }
    var none = body.querySelector("tr.none");
    if (none) { none.remove(); }
    var tr = document.createElement("tr");
    tr.setAttribute("data-paragraph-id", String(p.id));
    tr.appendChild(cell((change.at || "").slice(0, 19).replace("T", " ")));
    tr.appendChild(cell(change.by));
    var where = document.createElement("td");
    var a = document.createElement("a");
    a.href = "/reports/" + p.document_id + "#p-" + p.idx;
    a.textContent = "#" + p.document_id + "/" + p.idx;
    var snip = document.createElement("span");
    snip.className = "snippet";
    snip.textContent = " " + p.text.slice(0, 80);
    where.appendChild(a);
    where.appendChild(snip);
    tr.appendChild(where);
    tr.appendChild(cell(change.from, "badge lab-" + change.from));
    tr.appendChild(cell(change.to, "badge lab-" + change.to));
    tr.appendChild(cell(change.model_version || ""));
    body.insertBefore(tr, body.firstChild);
  }

  function applied(item, p) {
    item.setAttribute("data-label", p.label);
    item.classList.add("saved");
    var badge = item.querySelector(".current");
    badge.textContent = p.label;
    badge.className = "badge current lab-" + p.label;
    item.querySelector(".saved-mark").hidden = false;
    saved += 1;
    savedCount.textContent = String(saved);
    addAudit(item, p);
  }

  function save(item, label) {
    setPending(1);
    var id = item.getAttribute("data-id");
    chain = chain.then(function () {
      return fetch("/api/v1/paragraphs/" + encodeURIComponent(id), {
        method: "PATCH",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ label: label })
      }).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error((body && body.error && body.error.code) || String(r.status)); }
          return body;
        });
      }).then(function (p) {
        applied(item, p);
        say("");
      }).catch(function (err) {
        item.classList.add("save-failed");
        say("not saved: " + err.message);
      }).then(function () { setPending(-1); });
    });
  }

  function choose(label) {
    var item = items[current];
    save(item, label);
    if (current < items.length - 1) { show(current + 1); } else { say("end of this page of the queue; reload for more"); }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
    var key = e.key;
    if (KEYS[key]) { e.preventDefault(); choose(KEYS[key]); }
    else if (key === "Enter") { e.preventDefault(); choose(items[current].getAttribute("data-predicted")); }
    else if (key === "j" || key === "J") { e.preventDefault(); show(current + 1); }
    else if (key === "k" || key === "K") { e.preventDefault(); show(current - 1); }
  });

  items.forEach(function (item, k) {
    item.querySelectorAll("button.choice").forEach(function (btn) {
      btn.addEventListener("click", function () {
        btn.blur();
        current = k;
        choose(btn.getAttribute("data-label"));
      });
    });
  });

  show(0);
}());
