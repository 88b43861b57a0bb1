// TestFarm dashboard: live updates (server-sent events) and the log viewer. No build step, no dependencies.
"use strict";
(function () {
  function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function dur(s) {
    if (s === null || s === undefined) return "…";
    if (s < 60) return s.toFixed(1) + "s";
    if (s < 3600) return Math.floor(s / 60) + "m" + String(Math.floor(s % 60)).padStart(2, "0") + "s";
    return Math.floor(s / 3600) + "h" + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "m";
  }
  function badge(state) { return el("span", "badge b-" + (state || "none"), state || "—"); }

  // Phases: rebuild each list showing this cell from a "cell" event (same markup as the server's PhaseList).
  function renderPhases(list, phases) {
    const compact = list.classList.contains("compact");
    const longest = Math.max(1, ...phases.map(p => p.durationSeconds || 0));
    list.replaceChildren(...phases.filter(p => !compact || p.phase.indexOf("/") < 0).map(p => {
      const li = el("li", "ph p-" + p.state + (p.phase.indexOf("/") >= 0 ? " sub" : ""));
      li.dataset.phase = p.phase;
      li.append(el("span", "pname", p.phase), " ", el("span", "pstate", p.state), " ", el("span", "pdur", dur(p.durationSeconds)));
      if (!compact) {
        li.append(el("span", "bar w-" + 5 * Math.round(20 * (p.durationSeconds || 0) / longest)));
        if (p.error) li.append(el("span", "perr", p.error));
      }
      return li;
    }));
  }

  const live = document.querySelector("[data-live]");
  let running = !!live;
  if (live && window.EventSource) {
    const source = new EventSource(live.dataset.live);
    source.addEventListener("cell", ev => {
      const u = JSON.parse(ev.data);
      document.querySelectorAll("[data-phases]").forEach(list => { if (list.dataset.phases === u.cell) renderPhases(list, u.phases); });
      document.querySelectorAll("[data-cell-verdict]").forEach(v => { if (v.dataset.cellVerdict === u.cell) v.replaceChildren(badge(u.verdict || "Running")); });
    });
    source.addEventListener("run", ev => {
      const u = JSON.parse(ev.data);
      document.querySelectorAll("[data-run-state]").forEach(s => s.replaceChildren(badge(u.state)));
    });
    source.addEventListener("end", () => { running = false; source.close(); });
  }

  // Logs: the tail first, older pages on demand, follow the end while the page is live, search on the server.
  document.querySelectorAll("[data-log]").forEach(box => {
    const url = box.dataset.log, text = box.querySelector("[data-text]"), meta = box.querySelector("[data-meta]");
    const hits = box.querySelector("[data-hits]"), older = box.querySelector("[data-older]");
    let start = 0, end = 0, size = 0;
    const get = q => fetch(url + q, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(r => r.ok ? r.json() : r.json().then(p => Promise.reject(new Error(p.detail || r.statusText))));
    const show = () => { meta.textContent = "bytes " + start + "–" + end + " of " + size; older.disabled = start === 0; };
    const fail = e => { meta.textContent = "could not read the log: " + e.message; };
    get("").then(c => {
      start = c.start; end = c.end; size = c.size; text.textContent = c.text; text.scrollTop = text.scrollHeight; show();
      if (box.dataset.follow === "1") follow();
    }, fail);
    older.addEventListener("click", () => get("?before=" + start).then(c => {
      const keep = text.scrollHeight - text.scrollTop;
      text.textContent = c.text + text.textContent; start = c.start; size = c.size; text.scrollTop = text.scrollHeight - keep; show();
    }, fail));
    function follow() {
      setTimeout(() => get("?after=" + end).then(c => {
        if (c.text.length > 0) {
          const atEnd = text.scrollTop + text.clientHeight >= text.scrollHeight - 4;
          text.append(c.text); if (atEnd) text.scrollTop = text.scrollHeight;
        }
        end = c.end; size = c.size; show();
        if (running || c.text.length > 0) follow();
      }, fail), 1000);
    }
    box.querySelector("[data-search]").addEventListener("submit", ev => {
      ev.preventDefault();
      const q = new FormData(ev.target).get("q");
      if (!q) return;
      meta.textContent = "searching…";
      get("?q=" + encodeURIComponent(q) + "&max=100").then(r => {
        hits.replaceChildren(...r.hits.map(h => {
          const li = el("li"), i = h.line.indexOf(q);
          li.append(el("span", "", "@" + h.offset + ": " + h.line.slice(0, i)), el("mark", "", q), el("span", "", h.line.slice(i + q.length)));
          return li;
        }));
        meta.textContent = r.hits.length + (r.truncated ? "+ hits (first shown)" : " hits") + " in " + r.size + " bytes";
      }, fail);
    });
  });

  // Serial console: output streamed from the API (server-sent "output" events), a line typed in posted with the page's
  // antiforgery token. Escape sequences are dropped and a backspace erases; the text keeps its newest 200,000 characters.
  // wireConsole returns the box's EventSource (closed when a live page drops the panel).
  function wireConsole(box) {
    const out = box.querySelector("[data-console-output]"), state = box.querySelector("[data-console-state]");
    const form = box.querySelector("[data-console-input]");
    let text = "";
    const show = () => {
      const atEnd = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
      out.textContent = text; if (atEnd) out.scrollTop = out.scrollHeight;
    };
    const add = chunk => {
      chunk = chunk.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\x1b[()][A-Za-z0-9]/g, "").replace(/\r\n/g, "\n").replace(/\r/g, "");
      chunk.split("\b").forEach((part, i) => { if (i > 0) text = text.slice(0, -1); text += part; });
      if (text.length > 200000) text = text.slice(-200000);
      show();
    };
    let source = null;
    if (window.EventSource) {
      source = new EventSource(box.dataset.console);
      source.addEventListener("output", ev => add(JSON.parse(ev.data).text));
      source.addEventListener("open", () => { state.textContent = "live"; });
      source.addEventListener("error", () => { state.textContent = "reconnecting…"; });
    }
    if (!form) return source;
    const line = form.querySelector("input[name=input]");
    const send = (input, newline) => {
      const body = new FormData(form);
      body.set("input", input); body.set("newline", newline ? "1" : "0");
      return fetch(form.action, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(r => r.ok ? r.json() : r.json().then(p => Promise.reject(new Error(p.detail || r.statusText))))
        .then(() => { state.textContent = "live"; }, e => { state.textContent = "not sent: " + e.message; });
    };
    form.addEventListener("submit", ev => { ev.preventDefault(); const v = line.value; line.value = ""; send(v, true); });
    form.querySelectorAll("[data-console-key]").forEach(b => b.addEventListener("click", () => send(b.dataset.consoleKey, false)));
    return source;
  }
  const consoleSources = new Map();
  document.querySelectorAll("[data-console]").forEach(box => consoleSources.set(box, wireConsole(box)));

  // A reservation's page: when the stream's key differs from the one the page was rendered with, fetch the page again and
  // swap its live parts; console panels are kept by machine (their streams go on), new ones wired, dropped ones closed.
  const reservation = document.querySelector("[data-live-reservation]");
  if (reservation && window.EventSource) {
    let busy = false, again = false;
    const dropPanel = panel => {
      panel.querySelectorAll("[data-console]").forEach(box => { const s = consoleSources.get(box); if (s) s.close(); consoleSources.delete(box); });
      panel.remove();
    };
    const syncConsoles = doc => {
      const here = reservation.querySelector("[data-live-consoles]"), there = doc.querySelector("[data-live-consoles]");
      if (!here || !there) return;
      const kept = new Map(Array.from(here.querySelectorAll("[data-console-panel]")).map(p => [p.dataset.consolePanel, p]));
      const wanted = Array.from(there.querySelectorAll("[data-console-panel]"));
      const names = new Set(wanted.map(p => p.dataset.consolePanel));
      kept.forEach((panel, name) => { if (!names.has(name)) { dropPanel(panel); kept.delete(name); } });
      wanted.forEach(p => {
        let panel = kept.get(p.dataset.consolePanel);
        if (!panel) {
          panel = document.importNode(p, true);
          panel.querySelectorAll("[data-console]").forEach(box => consoleSources.set(box, wireConsole(box)));
        }
        here.append(panel);
      });
    };
    const refresh = () => {
      if (busy) { again = true; return; }
      busy = true;
      fetch(location.pathname + location.search, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(r => r.ok ? r.text() : Promise.reject(new Error(r.status + " " + r.statusText)))
        .then(html => {
          const doc = new DOMParser().parseFromString(html, "text/html");
          const fresh = doc.querySelector("[data-live-reservation]");
          if (!fresh) return;
          reservation.querySelectorAll("[data-live-part]").forEach(part => {
            const next = fresh.querySelector("[data-live-part=\"" + part.dataset.livePart + "\"]");
            if (next) part.replaceChildren(...Array.from(next.childNodes).map(n => document.importNode(n, true)));
          });
          syncConsoles(doc);
          reservation.dataset.liveKey = fresh.dataset.liveKey;
        })
        .catch(e => { reservation.dataset.liveError = e.message; })
        .finally(() => { busy = false; if (again) { again = false; refresh(); } });
    };
    const source = new EventSource(reservation.dataset.liveReservation);
    source.addEventListener("reservation", ev => { if (JSON.parse(ev.data).key !== reservation.dataset.liveKey) refresh(); });
    source.addEventListener("end", () => source.close());
  }

})();
