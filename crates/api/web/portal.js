// The customer portal: my orders and promises, my waitlist position, placing and cancelling
// orders, and "when could I get N items of SKU s?". Everything comes from the API with the
// customer's token, which only ever returns this customer's data.
"use strict";

(() => {
  const { api, describe, el, table, fill, notice, pill, int, usd, busy } = Allot;
  if (!Allot.requireToken()) return;
  Allot.header(null);

  const REASONS = {
    window_passed: "the order's delivery window has passed",
    not_shipping: "its generation does not ship within the delivery window",
    commitments: "supply in the window is held for contract commitments",
    confirmed_promises: "supply in the window is held for confirmed orders",
    cloud_worth_more: "supply in the window is allocated to higher-value use at this price",
    outbid: "other orders offer more for the supply in the window",
  };

  const state = { me: null, book: null, orders: [], waitlist: [], placed: null, draft: null };

  // ---- Loading -----------------------------------------------------------------------------
  async function allOrders() {
    const out = [];
    let offset = 0;
    for (let page = 0; page < 50; page++) {
      const p = await api(`/api/orders?offset=${offset}&limit=100`);
      out.push(...p.orders);
      if (p.next_offset === null || p.next_offset === undefined) break;
      offset = p.next_offset;
    }
    return out;
  }

  // The waitlist comes in pages of at most 500 entries (a shorter page is the last).
  async function allWaitlist() {
    const out = [];
    for (let page = 0; page < 50; page++) {
      const p = await api(`/api/waitlist?offset=${out.length}&limit=500`);
      out.push(...p);
      if (p.length < 500) break;
    }
    return out;
  }

  async function refresh() {
    const [orders, waitlist] = await Promise.all([allOrders(), allWaitlist()]);
    state.orders = orders;
    state.waitlist = waitlist;
    renderKpis();
    renderOrders();
    renderWaitlist();
  }

  // ---- KPIs --------------------------------------------------------------------------------
  function kpi(label, value, detail, kind) {
    return el("div", { class: `kpi ${kind || ""}` },
      el("div", { class: "label" }, label),
      el("div", { class: "value" }, value),
      detail ? el("div", { class: "detail" }, detail) : null);
  }

  function renderKpis() {
    const open = state.orders.filter((o) => ["placed", "promised", "confirmed"].includes(o.status));
    const promised = open.reduce((a, o) => a + (o.confirmed || o.promise ? (o.confirmed || o.promise).units : 0), 0);
    const confirmed = open.filter((o) => o.status === "confirmed").length;
    const best = state.waitlist.length ? Math.min(...state.waitlist.map((w) => w.position)) : null;
    fill("kpis",
      kpi("Open orders", int(open.length), `${int(state.orders.length)} in all`),
      kpi("Units promised", int(promised), "on open orders"),
      kpi("Confirmed", int(confirmed), "binding promises"),
      kpi("Waitlisted orders", int(state.waitlist.length),
        best === null ? "none waiting" : `best place in line: #${int(best)}`,
        state.waitlist.length ? "" : "good"));
  }

  // ---- Orders ------------------------------------------------------------------------------
  const skuOf = (id) => (state.book ? state.book.skus.find((s) => s.id === id) : null);
  const promiseText = (p) => (p ? `${int(p.units)} units by ${p.by}` : "–");

  function actions(o) {
    const cell = el("span", { class: "form-actions" });
    if (o.status === "promised") {
      cell.append(el("button", {
        type: "button", class: "small", "data-action": "confirm", "data-order": o.id,
        title: "Make the promise binding", onclick: (ev) => confirmOrder(o, ev.currentTarget),
      }, "Confirm"));
    }
    if (["placed", "promised", "confirmed"].includes(o.status)) {
      cell.append(el("button", {
        type: "button", class: "small danger", "data-action": "cancel", "data-order": o.id,
        onclick: (ev) => cancelOrder(o, ev.currentTarget),
      }, "Cancel"));
    }
    return cell;
  }

  function renderOrders() {
    const waiting = new Map(state.waitlist.map((w) => [w.order, w]));
    const open = state.orders.filter((o) => ["placed", "promised", "confirmed"].includes(o.status)).length;
    document.getElementById("orders-hint").textContent =
      `${int(state.orders.length)} orders, ${int(open)} open · promises are in planning units`;
    fill("orders-table", table([
      { label: "Order", cell: (o) => el("span", { class: "mono" }, o.id) },
      { label: "SKU", cls: "nowrap", cell: (o) => {
        const s = skuOf(o.sku);
        return el("span", { title: s ? s.name : null }, o.sku);
      } },
      { label: "Items", num: true, cell: (o) => int(o.quantity) },
      { label: "Units", num: true, cell: (o) => int(o.units) },
      { label: "Window", cls: "nowrap", cell: (o) => (o.earliest === o.latest ? o.earliest : `${o.earliest} – ${o.latest}`) },
      { label: "Price / unit", num: true, cell: (o) => usd(o.price_usd_per_unit) },
      { label: "Status", cell: (o) => pill(o.status) },
      { label: "Promise", cls: "nowrap", cell: (o) => {
        if (o.delivered) return `delivered ${int(o.delivered.units)} units in ${o.delivered.period}`;
        if (o.confirmed) return el("span", {}, promiseText(o.confirmed), el("span", { class: "sub" }, "confirmed: binding"));
        return promiseText(o.promise);
      } },
      { label: "Waitlist", cls: "nowrap", cell: (o) => {
        const w = waiting.get(o.id);
        if (!w) return "–";
        return `#${int(w.position)} · ${w.earliest_period ? `est. ${w.earliest_period}` : "beyond the horizon"}`;
      } },
      { label: "", cls: "nowrap", cell: actions },
    ], state.orders, {
      testid: "orders-table",
      empty: "You have no orders yet. Place one below.",
      rowAttrs: (o) => ({ "data-order": o.id, "data-status": o.status, class: o.id === state.placed ? "highlight" : null }),
    }));
  }

  async function confirmOrder(o, button) {
    await busy(button, async () => {
      try {
        const r = await api(`/api/orders/${encodeURIComponent(o.id)}/confirm`, { method: "POST" });
        notice("orders-notice", "ok", `Order ${r.id} confirmed: ${promiseText(r.confirmed)} is now binding.`);
        await refresh();
      } catch (err) {
        notice("orders-notice", "error", `Could not confirm ${o.id}: ${describe(err)}`);
      }
    });
  }

  // Cancelling takes two clicks: the first arms the button for a few seconds.
  async function cancelOrder(o, button) {
    if (button.dataset.armed !== "true") {
      button.dataset.armed = "true";
      button.textContent = "Really cancel?";
      setTimeout(() => {
        if (button.isConnected && button.dataset.armed === "true") {
          button.dataset.armed = "false";
          button.textContent = "Cancel";
        }
      }, 6000);
      return;
    }
    button.dataset.armed = "false";
    await busy(button, async () => {
      try {
        const r = await api(`/api/orders/${encodeURIComponent(o.id)}/cancel`, {
          method: "POST", body: { reason: "cancelled by the customer in the portal" },
        });
        notice("orders-notice", "ok", `Order ${r.id} is ${r.status}.`);
        await refresh();
      } catch (err) {
        notice("orders-notice", "error", `Could not cancel ${o.id}: ${describe(err)}`);
      }
    });
  }

  // ---- Waitlist ----------------------------------------------------------------------------
  function renderWaitlist() {
    fill("waitlist-table", table([
      { label: "Place in line", num: true, cell: (w) => `#${int(w.position)}` },
      { label: "Order", cell: (w) => el("span", { class: "mono" }, w.order) },
      { label: "SKU", cell: (w) => w.sku },
      { label: "Waiting", num: true, cell: (w) => `${int(w.remaining_units)} of ${int(w.units)} units` },
      { label: "Estimated", cell: (w) => (w.earliest_period ? w.earliest_period : pill("not within the horizon", "late")) },
      { label: "Why", cell: (w) => REASONS[w.reason] || w.reason, cls: "reason" },
    ], state.waitlist, { testid: "waitlist-table", empty: "None of your orders is waiting: the plan serves them in full." }));
  }

  // ---- Place an order ----------------------------------------------------------------------
  const addMonths = (ym, n) => {
    const [y, m] = ym.split("-").map(Number);
    const o = y * 12 + (m - 1) + n;
    return `${Math.floor(o / 12)}-${String((o % 12) + 1).padStart(2, "0")}`;
  };

  function setupForms() {
    const b = state.book;
    const skuOptions = () => b.skus.map((s) =>
      el("option", { value: s.id }, `${s.id} · ${s.name} (${s.size_units} unit${s.size_units === 1 ? "" : "s"} per item)`));
    fill("order-sku", skuOptions());
    fill("atp-sku", skuOptions());
    const subs = document.getElementById("order-sub");
    subs.append(...b.generations.map((g) => el("option", { value: g.id }, `${g.name} (${g.id})`)));
    // Months as YYYY-MM, from the planning month to the horizon's end.
    const months = [];
    for (let m = b.now; m <= b.horizon.end && months.length < 240; m = addMonths(m, 1)) months.push(m);
    const monthOptions = () => months.map((m) => el("option", { value: m }, m));
    fill("order-earliest", monthOptions());
    fill("order-latest", monthOptions());
    fill("atp-by", el("option", { value: "" }, "any month"), monthOptions());
    document.getElementById("order-earliest").value = months[Math.min(3, months.length - 1)];
    document.getElementById("order-latest").value = months[Math.min(9, months.length - 1)];
    const orderSku = document.getElementById("order-sku");
    const qty = document.getElementById("order-qty");
    const units = () => {
      const s = skuOf(orderSku.value);
      const n = Number(qty.value) || 0;
      document.getElementById("order-units").textContent = s
        ? `${int(n)} × ${s.id} = ${int(n * s.size_units)} planning units of ${s.generation}. Orders can ask for ${b.now} to ${b.horizon.end}.`
        : "";
    };
    orderSku.addEventListener("change", units);
    qty.addEventListener("input", units);
    units();
    document.getElementById("order-form").addEventListener("submit", placeOrder);
    document.getElementById("atp-form").addEventListener("submit", askAtp);
  }

  function orderBody() {
    const v = (id) => document.getElementById(id).value.trim();
    const problems = [];
    const quantity = Number(v("order-qty"));
    const price = Number(v("order-price"));
    const penalty = v("order-penalty") === "" ? 0 : Number(v("order-penalty"));
    if (!Number.isInteger(quantity) || quantity < 1) problems.push("quantity must be a whole number of items, at least 1");
    if (!/^\d{4}-\d{2}$/.test(v("order-earliest"))) problems.push("earliest month: choose a month (YYYY-MM)");
    if (!/^\d{4}-\d{2}$/.test(v("order-latest"))) problems.push("latest month: choose a month (YYYY-MM)");
    if (v("order-earliest") > v("order-latest")) problems.push("the latest month is before the earliest");
    if (!Number.isInteger(price) || price < 1) problems.push("price per planning unit: a whole number of USD, at least 1");
    if (!Number.isInteger(penalty) || penalty < 0) problems.push("lateness penalty: a whole number of USD, 0 or more");
    const body = {
      sku: v("order-sku"),
      quantity,
      earliest: v("order-earliest"),
      latest: v("order-latest"),
      price_usd_per_unit: price,
      lateness_penalty_usd_per_unit_period: penalty,
    };
    if (v("order-sub")) {
      const f = Number(v("order-factor"));
      if (!Number.isInteger(f) || f < 1 || f > 100) problems.push("substitute value: a whole percentage from 1 to 100");
      body.substitutes = [{ generation: v("order-sub"), value_factor_bp: f * 100 }];
    }
    return { body, problems };
  }

  async function placeOrder(ev) {
    ev.preventDefault();
    const { body, problems } = orderBody();
    if (problems.length) {
      notice("order-notice", "error", `Please fix: ${problems.join("; ")}.`);
      return;
    }
    // The same request retried (say after a network error) reuses its Idempotency-Key, so it is
    // placed at most once; a changed request gets a new key.
    const text = JSON.stringify(body);
    if (!state.draft || state.draft.text !== text) state.draft = { text, key: Allot.newKey() };
    const button = document.getElementById("place-order");
    await busy(button, async () => {
      try {
        const o = await api("/api/orders", { method: "POST", body, headers: { "Idempotency-Key": state.draft.key } });
        state.draft = null;
        state.placed = o.id;
        notice("order-notice", "ok",
          `Order ${o.id} placed: ${int(o.quantity)} × ${o.sku} (${int(o.units)} units), ${o.earliest} – ${o.latest}. ` +
          "It is in your orders below; the next plan promises it or puts it on the waitlist.");
        await refresh();
      } catch (err) {
        if (err instanceof Allot.ApiFailure && err.status >= 400 && err.status < 500 && err.status !== 429) {
          state.draft = null; // refused as it stands: a corrected request starts afresh
        }
        notice("order-notice", "error", `The order was not placed: ${describe(err)}`);
      }
    });
  }

  // ---- Available to promise ----------------------------------------------------------------
  async function askAtp(ev) {
    ev.preventDefault();
    const sku = document.getElementById("atp-sku").value;
    const qty = Number(document.getElementById("atp-qty").value);
    const by = document.getElementById("atp-by").value;
    const answer = document.getElementById("atp-answer");
    if (!Number.isInteger(qty) || qty < 1) {
      notice("atp-notice", "error", "Quantity must be a whole number of items, at least 1.");
      return;
    }
    notice("atp-notice", "", "");
    const q = new URLSearchParams({ sku, qty: String(qty) });
    if (by) q.set("by", by);
    await busy(document.getElementById("ask-atp"), async () => {
      try {
        const a = await api(`/api/promise?${q}`);
        const s = skuOf(a.sku);
        const what = `${int(qty)} × ${s ? s.name : a.sku}`;
        const lines = [];
        if (a.earliest) {
          answer.className = "answer";
          lines.push(el("p", {}, `${what}: earliest `, el("strong", { "data-testid": "atp-month" }, a.earliest), "."));
        } else {
          answer.className = "answer none";
          lines.push(el("p", {}, `${what}: `, el("strong", { "data-testid": "atp-month" }, "not within the horizon"),
            ` (it ends ${state.book.horizon.end}).`));
        }
        if (a.by) {
          lines.push(el("p", {}, `By ${a.by}: up to ${int(a.quantity_by)} items can be promised.`));
        }
        lines.push(el("p", { class: "muted" }, `As planned in ${a.now}; supply promised to others is not counted.`));
        answer.replaceChildren(...lines);
        answer.hidden = false;
      } catch (err) {
        answer.hidden = true;
        notice("atp-notice", "error", describe(err));
      }
    });
  }

  // ---- Start -------------------------------------------------------------------------------
  async function start() {
    try {
      const [me, book] = await Promise.all([api("/api/me"), api("/api/book")]);
      state.me = me;
      state.book = book;
      Allot.header(me);
      const chip = document.getElementById("customer-chip");
      const self = book.customers.find((c) => c.id === me.customer);
      chip.textContent = self ? `${self.name} (${self.id})` : me.customer || "staff";
      chip.hidden = false;
      if (me.role !== "customer") {
        notice("notice", "info", "You are signed in as staff: this portal shows every customer's orders. The dashboard is at /dashboard.");
      }
      setupForms();
      await refresh();
      document.getElementById("loading").hidden = true;
      document.getElementById("content").hidden = false;
      document.body.dataset.ready = "true";
    } catch (err) {
      document.getElementById("loading").hidden = true;
      if (err instanceof Allot.ApiFailure && err.status === 401) Allot.token.clear();
      notice("notice", "error", `The portal could not be loaded: ${describe(err)}`);
      document.body.dataset.ready = "error";
    }
  }

  document.getElementById("refresh").addEventListener("click", async (ev) => {
    await busy(ev.currentTarget, async () => {
      try {
        await refresh();
        notice("orders-notice", "", "");
      } catch (err) {
        notice("orders-notice", "error", describe(err));
      }
    });
  });
  start();
})();
