// Shared by the sign-in page, the planner dashboard and the customer portal: the bearer token,
// API calls with clear errors, formatting, and small DOM helpers. Plain JS, no build step.
// Text from the API is only ever inserted as text (textContent), never as HTML.
"use strict";

const Allot = (() => {
  const TOKEN_KEY = "allot.token";

  const token = {
    get: () => sessionStorage.getItem(TOKEN_KEY),
    set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
    clear: () => sessionStorage.removeItem(TOKEN_KEY),
  };

  /** An API call that failed: HTTP status and the server's message. */
  class ApiFailure extends Error {
    constructor(status, message, retryAfter) {
      super(message);
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }

  /** A message for people, whatever went wrong. */
  function describe(err) {
    if (!(err instanceof ApiFailure)) {
      return `Could not reach the server (${err && err.message ? err.message : err}).`;
    }
    switch (err.status) {
      case 401:
        return "Your token is not valid or was revoked. Sign in again with a valid token.";
      case 403:
        return `Not allowed (403): ${err.message}`;
      case 429: {
        const wait = err.retryAfter ? ` Retry in ${err.retryAfter} s.` : " Retry shortly.";
        return `Too many requests (429).${wait}`;
      }
      default:
        return `${err.message} (${err.status})`;
    }
  }

  /** Random idempotency key; crypto.randomUUID needs a secure context, getRandomValues does not. */
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  /**
   * Calls the API with the signed-in token. Resolves to the parsed JSON body; rejects with an
   * ApiFailure carrying the server's `{"error": ...}` message.
   */
  async function api(path, { method = "GET", body, headers = {}, tokenOverride } = {}) {
    const t = tokenOverride || token.get();
    const h = { Accept: "application/json", ...headers };
    if (t) h.Authorization = `Bearer ${t}`;
    if (body !== undefined) h["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      data = null;
    }
    if (!res.ok) {
      const msg = (data && data.error) || res.statusText || "request failed";
      throw new ApiFailure(res.status, msg, res.headers.get("Retry-After"));
    }
    return data;
  }

  const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const pctFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

  /** 1234567 -> "1,234,567". */
  const int = (n) => (n === null || n === undefined ? "–" : intFmt.format(n));
  /** Full dollars with separators: "$1,234,567". */
  const usd = (n) => (n < 0 ? `-$${intFmt.format(-n)}` : `$${intFmt.format(n)}`);
  /** Short dollars: $1.23B, $45.6M, $789k. */
  function usdShort(n) {
    const a = Math.abs(n);
    const s = n < 0 ? "-" : "";
    if (a >= 1e9) return `${s}$${(a / 1e9).toFixed(2)}B`;
    if (a >= 1e6) return `${s}$${(a / 1e6).toFixed(1)}M`;
    if (a >= 1e3) return `${s}$${(a / 1e3).toFixed(0)}k`;
    return `${s}$${a.toFixed(0)}`;
  }
  const pct = (part, whole) => (whole > 0 ? `${pctFmt.format((part * 100) / whole)}%` : "–");

  /** Creates an element: el("td", {class: "num"}, "12"). Children are nodes or text. */
  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k === "dataset") Object.assign(e.dataset, v);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /**
   * A table. columns: [{label, num?, cell: row => text|Node, title?}]. Numeric columns are right
   * aligned with tabular figures. `empty` is shown when there are no rows.
   */
  function table(columns, rows, { empty = "Nothing to show.", testid, rowAttrs } = {}) {
    const thead = el("thead", {}, el("tr", {}, columns.map((c) =>
      el("th", { class: c.num ? "num" : null, title: c.title }, c.label))));
    const tbody = el("tbody");
    if (rows.length === 0) {
      tbody.append(el("tr", { class: "empty" }, el("td", { colspan: columns.length }, empty)));
    }
    for (const r of rows) {
      tbody.append(el("tr", rowAttrs ? rowAttrs(r) : {}, columns.map((c) => {
        const v = c.cell(r);
        return el("td", { class: c.num ? "num" : c.cls }, v instanceof Node ? v : String(v ?? "–"));
      })));
    }
    return el("div", { class: "table-wrap" },
      el("table", { "data-testid": testid }, thead, tbody));
  }

  /** Replaces the children of element `id` with `nodes`. */
  function fill(id, ...nodes) {
    const e = typeof id === "string" ? document.getElementById(id) : id;
    e.replaceChildren(...nodes.flat());
    return e;
  }

  /** Shows a message in the page's notice area; kind is "error", "ok" or "info". */
  function notice(id, kind, text) {
    const e = document.getElementById(id);
    if (!text) {
      e.hidden = true;
      e.replaceChildren();
      return;
    }
    e.hidden = false;
    e.className = `notice ${kind}`;
    e.setAttribute("role", kind === "error" ? "alert" : "status");
    e.replaceChildren(text instanceof Node ? text : document.createTextNode(text));
  }

  /** A small pill: status badges. */
  const pill = (text, kind) => el("span", { class: `pill ${kind || text}` }, text);

  /** Wires the sign-out button and shows who is signed in. */
  function header(me) {
    const who = document.getElementById("who");
    if (who && me) {
      who.textContent = me.customer && !document.getElementById("customer-chip") ? `${me.role} · ${me.customer}` : me.role;
    }
    const out = document.getElementById("signout");
    if (out && !out.dataset.wired) {
      out.dataset.wired = "true";
      out.addEventListener("click", () => {
        token.clear();
        location.assign("/");
      });
    }
  }

  /** Sends people without a token to the sign-in page. Returns false when it did. */
  function requireToken() {
    if (token.get()) return true;
    location.replace("/");
    return false;
  }

  /** Disables `button` while `work` runs. */
  async function busy(button, work) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      return await work();
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  return {
    token, api, ApiFailure, describe, newKey, int, usd, usdShort, pct, el, table, fill, notice,
    pill, header, requireToken, busy,
  };
})();
