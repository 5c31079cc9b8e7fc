// The agent console's small script: SLA countdowns, live updates over server-sent events, replies by fetch.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function countdown(due) {
    var left = Math.round((Date.parse(due) - Date.now()) / 1000), abs = Math.abs(left);
    var h = Math.floor(abs / 3600), m = Math.floor((abs % 3600) / 60), s = abs % 60;
    var text = (h ? h + "h " : "") + (h || m ? String(m).padStart(2, "0") + "m " : "") + String(s).padStart(2, "0") + "s";
    return {text: left < 0 ? "overdue " + text : "in " + text, overdue: left < 0};
  }

  function tick() {
    document.querySelectorAll(".sla[data-due]").forEach(function (el) {
      if (!el.dataset.due || el.dataset.due === "None") { return; }
      var c = countdown(el.dataset.due);
      el.textContent = c.text;
      el.title = el.dataset.due;
      el.classList.toggle("overdue", c.overdue);
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
    cell(tr, prio); cell(tr, link);
    cell(tr, t.sla_due, "sla").dataset.due = t.sla_due;
    cell(tr, t.tier); cell(tr, t.status, "status"); cell(tr, t.charger_id); cell(tr, t.summary);
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
      var li = document.createElement("li");
      li.textContent = a.action + " " + JSON.stringify(a.params || {}) + " → " + a.result +
        (a.verified === true ? ", verified" : a.verified === false ? ", not verified" : "") + (a.by ? " by " + a.by : "");
      list.appendChild(li);
    });
  }

  function showCharger(c) {
    var panel = document.getElementById("charger");
    if (!panel) { return; }
    var online = document.getElementById("online");
    if (online) { online.textContent = c.online ? "online" : "offline"; }
    var body = panel.querySelector("tbody");
    if (!body) { return; }
    body.textContent = "";
    (c.connectors || []).forEach(function (k) {
      var tr = document.createElement("tr");
      cell(tr, k.id + " " + (k.type || "")); cell(tr, k.status); cell(tr, k.error_code || "");
      body.appendChild(tr);
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
        document.getElementById("status").textContent = d.status;
        showActions(d.actions || []);
      }
    });
  }
  var reply = document.getElementById("reply");
  if (reply) { replyByFetch(reply); }
}());
