// Web chat: one POST /api/chat per message; a retry reuses the message id so the bot answers once.
// While the page is open it polls GET /api/chat/messages every 2 s for a support agent's messages.
// Sent too fast (429), the server's sentence is shown, the words go back in the box, and Send waits.
(function () {
  "use strict";
  const root = document.querySelector(".chat");
  const log = document.getElementById("log");
  const choices = document.getElementById("choices");
  const form = document.getElementById("send");
  const input = document.getElementById("text");
  const status = document.getElementById("status");
  const sendButton = form.querySelector("button[type=submit]");
  const charger = root.dataset.charger || null;
  const lang = root.dataset.lang || null;  // the page's language (?lang= or Accept-Language); the bot may switch
  const texts = JSON.parse((document.getElementById("texts") || {}).textContent || "{}");
  function say(key, english) { return texts[key] || english; }
  const storeKey = "chargeline.session." + (charger || "none");
  let session = sessionStorage.getItem(storeKey);
  let busy = false;
  const POLL_MS = 2000;
  let after = 0;  // the last message id the poll has looked at
  let polling = false;
  let agentMode = false;
  let pausedUntil = 0;
  const shown = new Set();

  // The server refused the message for now (too many too fast): `retryAfter` seconds to wait.
  class Refused extends Error {
    constructor(message, retryAfter) {
      super(message);
      this.retryAfter = retryAfter;
    }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  // The bot writes lists as lines starting "- " or "1. ": show them as lists (built as nodes, never as HTML).
  function fill(item, text) {
    let list = null;
    let kind = null;
    text.split("\n").forEach(function (line) {
      const step = /^(\d+)[.)]\s+(.*)$/.exec(line);
      const lineKind = step ? "ol" : (line.startsWith("- ") ? "ul" : null);
      if (lineKind !== kind) { list = lineKind ? item.appendChild(document.createElement(lineKind)) : null; kind = lineKind; }
      if (list) {
        list.appendChild(document.createElement("li")).textContent = step ? step[2] : line.slice(2);
      } else if (line.trim()) {
        item.appendChild(document.createElement("span")).textContent = line;
        item.appendChild(document.createElement("br"));
      }
    });
    if (item.lastChild && item.lastChild.nodeName === "BR") item.lastChild.remove();
  }

  function add(kind, text) {
    const item = document.createElement("li");
    item.className = "msg " + kind;
    fill(item, text);
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function showOutOfBand(message) {
    if (shown.has(message.id)) return;
    shown.add(message.id);
    if (message.from !== "agent") {
      add("bot notice", message.text);
      return;
    }
    const item = add("agent", "");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = (message.agent || say("agent", "Support agent")) + say("support_suffix", " (support)");
    item.appendChild(who);
    fill(item, message.text);
    item.scrollIntoView({ block: "end" });
  }

  function showAgentMode(data) {
    if (data.agent_mode === agentMode) return;
    agentMode = data.agent_mode;
    status.textContent = agentMode
      ? (data.agent ? data.agent + say("agent_chatting", " from support is chatting with you.")
        : say("agent_has_it", "A support agent has your message."))
      : "";
  }

  async function poll() {
    if (!session || polling || document.hidden) return;
    polling = true;
    try {
      const url = "/api/chat/messages?session=" + encodeURIComponent(session) + "&after=" + after;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;  // 404 until the first message is stored; the next poll tries again
      const data = await response.json();
      (data.messages || []).forEach(showOutOfBand);
      after = Math.max(after, data.last || 0);
      showAgentMode(data);
    } catch (error) {
      // offline for a moment: the next poll tries again
    } finally {
      polling = false;
    }
  }

  function showReply(reply) {
    const item = add(reply.handoff ? "bot notice" : "bot", reply.text);
    if (reply.image_url) {
      const img = document.createElement("img");
      img.src = reply.image_url;
      img.alt = "";
      item.appendChild(img);
    }
    (reply.links || []).forEach(function (link) {
      const a = document.createElement("a");
      a.href = link.url;
      a.textContent = link.title;
      a.target = "_blank";
      a.rel = "noopener";
      item.appendChild(document.createElement("br"));
      item.appendChild(a);
    });
  }

  function showChoices(buttons) {
    choices.replaceChildren();
    (buttons || []).forEach(function (b) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () { send(b.title, b.payload); });
      choices.appendChild(button);
    });
  }

  async function post(body, attempt) {
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const data = await response.json().catch(function () { return {}; });  // a proxy's HTML error page
      if (response.status === 429) {
        const wait = parseInt(response.headers.get("Retry-After") || data.retry_after, 10) || 10;
        throw new Refused(data.detail || say("too_fast", "You are sending messages very fast. Please wait a moment."), wait);
      }
      if (!response.ok) throw new Error(data.detail || "the server answered " + response.status);
      return data;
    } catch (error) {
      if (attempt < 2 && error instanceof TypeError) {  // network error: retry with the same message id
        status.textContent = say("retrying", "Connection lost, retrying…");
        await new Promise(function (r) { setTimeout(r, 1000 * (attempt + 1)); });
        return post(body, attempt + 1);
      }
      throw error;
    }
  }

  function pause(seconds) {
    pausedUntil = Date.now() + seconds * 1000;
    sendButton.disabled = true;
    (function tick() {
      const left = Math.ceil((pausedUntil - Date.now()) / 1000);
      if (left <= 0) {
        sendButton.disabled = false;
        status.textContent = "";
        return;
      }
      status.textContent = say("send_again", "You can send again in {n} s.").replace("{n}", left);
      setTimeout(tick, Math.min(1000, pausedUntil - Date.now()));
    })();
  }

  async function send(text, button) {
    if (busy || Date.now() < pausedUntil || !text.trim()) return;
    busy = true;
    const mine = add("driver", text);
    showChoices([]);
    status.textContent = "…";
    const body = { text: text, message_id: newId() };
    if (session) body.session = session;
    if (charger) body.charger_id = charger;
    if (button) body.button = button;
    if (lang) body.lang = lang;
    try {
      const data = await post(body, 0);
      session = data.session;
      sessionStorage.setItem(storeKey, session);
      const replies = data.replies || [];
      replies.forEach(showReply);
      const last = replies[replies.length - 1];
      showChoices(last && last.buttons);
      status.textContent = data.agent_mode ? say("agent_has_it", "A support agent has your message.") : "";
      agentMode = Boolean(data.agent_mode);
    } catch (error) {
      mine.classList.add("unsent");
      if (error instanceof Refused) {
        add("bot notice", error.message);
        if (!button && !input.value) input.value = text;  // ready to send again, nothing to retype
        pause(Math.min(error.retryAfter, 600));
      } else {
        add("bot notice", say("not_sent", "Sorry, your message could not be sent ({error}). Please try again.")
          .replace("{error}", error.message));
        status.textContent = "";
      }
    } finally {
      busy = false;
      input.focus();
    }
  }

  setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
  poll();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    send(text, null);
  });
})();
