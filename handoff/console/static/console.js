// The agent console's small script: SLA countdowns, live updates over server-sent events, replies by fetch.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function span(seconds) {  // as handoff.sla.span: "45s", "02m 43s", "1h 08m 57s"
    var abs = Math.abs(Math.round(seconds)), h = Math.floor(abs / 3600), m = Math.floor((abs % 3600) / 60), s = abs % 60;
    var pad = function (n) { return String(n).padStart(2, "0"); };
    return h ? h + "h " + pad(m) + "m " + pad(s) + "s" : m ? pad(m) + "m " + pad(s) + "s" : s + "s";
  }

  function slaText(d, now) {  // as handoff.sla.sla_clock: the first-response clock, stopped once a person answered
    var due = Date.parse(d.due), created = Date.parse(d.created);
    var answered = [d.answered, d.resolved].filter(Boolean).map(Date.parse);
    if (!answered.length) {
      var left = (due - now) / 1000;
      return left >= 0 ? {text: "first response due in " + span(left), late: false}
                       : {text: "first response overdue " + span(left), late: true};
    }
    var first = Math.min.apply(null, answered), late = first > due;
    var said = "answered in " + span((first - created) / 1000) + (late ? " (" + span((first - due) / 1000) + " late)" : "");
    if (d.resolved) { return {text: said + "; resolved in " + span((Date.parse(d.resolved) - created) / 1000), late: late}; }
    return {text: said + "; open " + span((now - created) / 1000), late: late};
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla[data-due]").forEach(function (el) {
      if (!el.dataset.due || el.dataset.due === "None" || !el.dataset.created) { return; }
      var c = slaText(el.dataset, now);
      el.textContent = c.text;
      el.title = "first response due " + el.dataset.due.slice(0, 16).replace("T", " ") + " UTC";
      el.classList.toggle("late", c.late);
    });
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) { td.className = cls; }
    if (text instanceof Node) { td.appendChild(text); } else { td.textContent = text == null ? "–" : text; }
    tr.appendChild(td);
    return td;
  }

  function queueRow(table, t) {
    var tr = document.createElement("tr"), prio = document.createElement("span"), link = document.createElement("a");
    tr.dataset.id = t.id; tr.dataset.rank = t.rank; tr.dataset.due = t.sla_due;
    prio.className = "prio " + t.priority; prio.textContent = t.priority;
    link.href = table.dataset.ticketUrl.replace("__ID__", encodeURIComponent(t.id)); link.textContent = t.id;
    cell(tr, prio); cell(tr, link, "ticket-id");
    var sla = cell(tr, t.sla, "sla");
    sla.dataset.due = t.sla_due; sla.dataset.created = t.created_at; sla.dataset.answered = t.first_response_at || "";
    cell(tr, t.tier_name); cell(tr, t.status_name, "status"); cell(tr, t.charger_id, "nowrap"); cell(tr, t.summary);
    return tr;
  }

  function before(a, b) {  // does row a sort before row b: priority, then SLA due, then id
    if (+a.dataset.rank !== +b.dataset.rank) { return +a.dataset.rank < +b.dataset.rank; }
    if (a.dataset.due !== b.dataset.due) { return Date.parse(a.dataset.due) < Date.parse(b.dataset.due); }
    return a.dataset.id < b.dataset.id;
  }

  function upsert(table, t) {
    var body = table.tBodies[0], old = body.querySelector('tr[data-id="' + CSS.escape(t.id) + '"]');
    var row = queueRow(table, t);
    if (old) { old.remove(); }
    var next = Array.prototype.find.call(body.rows, function (r) { return before(row, r); });
    body.insertBefore(row, next || null);
    recount(table);
  }

  function recount(table) {
    var count = document.getElementById("count");
    if (count) { count.textContent = "(" + table.tBodies[0].rows.length + " open)"; }
  }

  function stream(url, handlers) {
    var live = document.getElementById("live"), source = new EventSource(url);
    source.onopen = function () { if (live) { live.textContent = "live"; } };
    source.onerror = function () { if (live) { live.textContent = "reconnecting…"; } };
    source.addEventListener("expired", function () { source.close(); window.location.reload(); });
    source.addEventListener("problem", function (e) { if (live) { live.textContent = JSON.parse(e.data).detail; } });
    Object.keys(handlers).forEach(function (name) {
      source.addEventListener(name, function (e) { handlers[name](JSON.parse(e.data)); tick(); });
    });
    window.addEventListener("beforeunload", function () { source.close(); });
    return source;
  }

  function appendMessage(m) {
    var box = document.getElementById("transcript");
    if (!box || box.querySelector('[data-id="' + m.id + '"]')) { return; }
    var div = document.createElement("div"), who = document.createElement("div"), text = document.createElement("div");
    div.className = "msg " + m.from; div.dataset.id = m.id;
    who.className = "who"; who.textContent = m.from + (m.agent ? " " + m.agent : "") + " · " + (m.at || "").slice(0, 16).replace("T", " ") + " UTC";
    text.className = "text"; text.textContent = m.text;
    div.appendChild(who); div.appendChild(text); box.appendChild(div);
    box.scrollTop = box.scrollHeight;
  }

  function showActions(actions) {
    var list = document.getElementById("actions");
    if (!list || !actions.length) { return; }
    list.textContent = "";
    actions.forEach(function (a) {
      var li = document.createElement("li"), at = document.createElement("span");
      at.className = "muted"; at.textContent = a.at ? a.at.slice(0, 16).replace("T", " ") + " UTC" : "";
      li.textContent = (a.words || a.action) + " ";
      li.appendChild(at);
      list.appendChild(li);
    });
  }

  function showCharger(c) {  // the live half of the charger panel: the "Now" column and the connection line
    var online = document.getElementById("online"), body = document.getElementById("connectors");
    if (online && c.line) { online.textContent = c.line; }
    if (!body) { return; }
    (c.connectors || []).forEach(function (k) {
      var row = Array.prototype.find.call(body.rows, function (r) { return r.cells[0].textContent.split(" ")[0] === String(k.id); });
      if (!row) {
        row = document.createElement("tr");
        cell(row, k.id + " " + (k.type || "")); cell(row, "–"); cell(row, ""); cell(row, "");
        body.appendChild(row);
      }
      row.cells[2].textContent = k.status || "Unknown"; row.cells[3].textContent = k.error_code || "";
    });
  }

  function replyByFetch(form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var input = document.getElementById("reply-text"), status = document.getElementById("reply-status");
      fetch(form.action, {method: "POST", credentials: "same-origin", body: new FormData(form),
                          headers: {"X-CSRF-Token": csrf, "Accept": "application/json"}})
        .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
        .then(function (r) {
          status.textContent = r.body.detail || (r.ok ? "Sent." : "Not sent.");
          if (r.ok) { input.value = ""; input.focus(); }
        })
        .catch(function () { status.textContent = "Not sent: the server cannot be reached."; });
    });
  }

  tick();
  setInterval(tick, 1000);
  var table = document.getElementById("queue");
  if (table) {
    stream(table.dataset.stream, {
      ticket: function (t) { upsert(table, t); },
      gone: function (t) {
        var row = table.querySelector('tr[data-id="' + CSS.escape(t.id) + '"]');
        if (row) { row.remove(); recount(table); }
      }
    });
  }
  var ticket = document.getElementById("ticket");
  if (ticket) {
    stream(ticket.dataset.stream, {
      message: appendMessage,
      charger: showCharger,
      detail: function (d) {
        if (d.id !== ticket.dataset.id) { return; }
        document.getElementById("status").textContent = d.status_name || d.status;
        var sla = ticket.querySelector(".sla");
        if (sla) { sla.dataset.answered = d.first_response_at || ""; sla.dataset.resolved = d.resolved_at || ""; }
        showActions(d.actions || []);
      }
    });
  }
  var reply = document.getElementById("reply");
  if (reply) { replyByFetch(reply); }
}());
