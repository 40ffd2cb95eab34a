// The planner dashboard: draws GET /api/dashboard (staff only) with Chart.js, and re-plans with
// POST /api/plan. Customer tokens get 403 from the API and see a clear message instead.
"use strict";

(() => {
  const { api, describe, el, table, fill, notice, pill, int, usd, usdShort, pct, busy } = Allot;
  if (!Allot.requireToken()) return;
  Allot.header(null);

  const COLORS = {
    orders: "#2f6fde",
    contracts: "#7b5cd6",
    cloud: "#1fa38a",
    inventory: "#c2c9d3",
    supply: "#1b2430",
    demand: "#e0802b",
    pool: "#1b2430",
    internal: "#7fd1c0",
    reserved: "#8fb3f0",
    cloudDemand: "#e0802b",
    gens: ["#8c96a3", "#2f6fde", "#1fa38a", "#c0468e", "#e0a21b", "#6a4fc9"],
  };

  const CUSTOMER_COLORS = ["#2f6fde", "#7b5cd6", "#1fa38a", "#e0802b", "#c0468e", "#5b8c2a",
    "#d4a017", "#3aa0c8", "#8c96a3", "#b5523b", "#4c5fd5", "#2e8b57"];

  const state = { data: null, gen: 0, charts: {} };

  // Chart.js defaults: no animation (stable screenshots and immediate drawing), readable numbers.
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = "#5d6b7c";
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.tooltip.callbacks.label = (ctx) =>
    `${ctx.dataset.label}: ${int(ctx.parsed.y ?? ctx.parsed)}`;

  const numberTicks = { callback: (v) => int(v) };

  function draw(id, config) {
    if (state.charts[id]) state.charts[id].destroy();
    state.charts[id] = new Chart(document.getElementById(id), config);
  }

  // ---- KPIs -------------------------------------------------------------------------------
  function kpi(label, value, detail, kind) {
    return el("div", { class: `kpi ${kind || ""}` },
      el("div", { class: "label" }, label),
      el("div", { class: "value" }, value),
      detail ? el("div", { class: "detail" }, detail) : null);
  }

  function renderKpis(d) {
    const o = d.plan.objectives;
    const ct = d.commitments_total;
    const r = d.reservations;
    fill("kpis",
      kpi("Commitment shortfall", usdShort(o.commitment_shortfall_usd), "tier 1 · lower is better",
        o.commitment_shortfall_usd === 0 ? "good" : "bad"),
      kpi("Promise lateness", `${int(o.promise_lateness_unit_periods)}`, "tier 2 · unit-months late",
        o.promise_lateness_unit_periods === 0 ? "good" : "bad"),
      kpi("Plan value", usdShort(o.value_usd),
        `tier 3 · sales ${usdShort(o.sale_revenue_usd)} · cloud ${usdShort(o.cloud_internal_usd)} · reserved ${usdShort(o.cloud_reserved_usd)}`),
      kpi("Commitments met", pct(ct.met_units, ct.units),
        `${int(ct.met_units)} of ${int(ct.units)} units · ${int(ct.short)} short`,
        ct.short === 0 ? "good" : "bad"),
      kpi("Units to orders", int(d.plan.served_units), "shipped to merchant orders"),
      kpi("Waitlist", int(d.plan.waitlisted_orders), "orders not served in full",
        d.plan.waitlisted_orders === 0 ? "good" : ""),
      kpi("Reservations accepted", pct(r.accepted_units, r.units),
        `${int(r.accepted_units)} of ${int(r.units)} units`),
      kpi("Promises moved", int(d.moves_total), "since the last recorded plan",
        d.moves_total === 0 ? "good" : "bad"));
  }

  // ---- Supply against demand (per generation) ---------------------------------------------
  function renderTabs(d) {
    fill("gen-tabs", d.generations.map((g, i) =>
      el("button", {
        type: "button", class: "tab small", "aria-pressed": String(i === state.gen),
        "data-gen": g.id, title: g.unit_name,
        onclick: () => { state.gen = i; renderTabs(d); renderGenerationCharts(d); },
      }, g.name)));
  }

  function renderGenerationCharts(d) {
    const g = d.generations[state.gen];
    const inventory = g.supply.map((s, t) => s - g.sold[t] - g.deployed[t]);
    const otherSold = g.sold.map((s, t) => s - g.sold_orders[t] - g.sold_contracts[t]);
    const bars = [
      { label: "To orders", data: g.sold_orders, backgroundColor: COLORS.orders },
      { label: "On contracts", data: g.sold_contracts, backgroundColor: COLORS.contracts },
      { label: "To the cloud", data: g.deployed, backgroundColor: COLORS.cloud },
      { label: "Into (out of) inventory", data: inventory, backgroundColor: COLORS.inventory },
    ];
    if (otherSold.some((v) => v !== 0)) {
      bars.splice(2, 0, { label: "Recorded deliveries", data: otherSold, backgroundColor: "#a6b4c8" });
    }
    draw("chart-supply", {
      type: "bar",
      data: {
        labels: d.months,
        datasets: [
          { type: "line", label: "Finished units", data: g.supply, borderColor: COLORS.supply,
            backgroundColor: COLORS.supply, borderWidth: 2, pointRadius: 0, stack: "line1", order: 0 },
          { type: "line", label: "Open-order demand in window", data: g.demand_in_window,
            borderColor: COLORS.demand, backgroundColor: COLORS.demand, borderDash: [6, 4],
            borderWidth: 2, pointRadius: 0, stack: "line2", order: 0 },
          ...bars.map((b) => ({ ...b, stack: "alloc", order: 1 })),
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: true, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
                  y: { stacked: true, ticks: numberTicks, title: { display: true, text: "planning units" } } },
        plugins: { title: { display: true, text: `${g.name} · ${g.unit_name}` } },
      },
    });
    draw("chart-cloud", {
      type: "line",
      data: {
        labels: d.months,
        datasets: [
          { label: "Serving own demand", data: g.internal, fill: "origin", borderColor: COLORS.internal,
            backgroundColor: "rgba(127, 209, 192, 0.55)", pointRadius: 0, stack: "use" },
          { label: "Held for reservations and capacity", data: g.reserved, fill: "-1",
            borderColor: COLORS.reserved, backgroundColor: "rgba(143, 179, 240, 0.55)", pointRadius: 0, stack: "use" },
          { label: "Pool size", data: g.pool, borderColor: COLORS.pool, borderWidth: 2, pointRadius: 0,
            stack: "pool" },
          { label: "Own demand forecast", data: g.cloud_demand, borderColor: COLORS.cloudDemand,
            borderDash: [6, 4], borderWidth: 2, pointRadius: 0, stack: "forecast", order: -1 },
        ],
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { maxRotation: 0, autoSkipPadding: 12 } },
                  y: { stacked: true, ticks: numberTicks, title: { display: true, text: "planning units" } } },
        plugins: { title: { display: true, text: `${g.name} cloud pool` } },
      },
    });
    renderChannel(d);
  }

  // ---- What binds --------------------------------------------------------------------------
  const cls = (label) => (label || "").replace(/\s+/g, "-");

  function renderBinding(d) {
    const strip = document.getElementById("binding-strip");
    strip.style.gridTemplateColumns = `max-content repeat(${d.months.length}, minmax(16px, 1fr))`;
    const cells = [];
    for (const g of d.generations) {
      cells.push(el("div", { class: "gen" }, g.id));
      g.binding.forEach((b, t) => cells.push(el("div", {
        class: `cell ${cls(b)}`, title: `${g.id} ${d.months[t]}: ${b || (d.foundry_supply ? "nothing binds" : "explicit supply")}`,
      })));
    }
    cells.push(el("div"));
    d.months.forEach((m, t) => cells.push(el("div", { class: "month" }, t % 3 === 0 ? m : "")));
    strip.replaceChildren(...cells);

    const runs = (g) => {
      if (!d.foundry_supply && g.binding_runs.length === 0) return el("span", { class: "muted" }, "explicit supply");
      if (g.binding_runs.length === 0) return el("span", { class: "muted" }, "nothing binds");
      return el("span", { class: "runs" }, g.binding_runs.map((r) => el("span", { class: "run" },
        pill(r.input, cls(r.input)), " ", r.from === r.to ? r.from : `${r.from} – ${r.to}`)));
    };
    fill("generations-table", table([
      { label: "Generation", cell: (g) => el("span", {}, el("strong", {}, g.id), el("span", { class: "sub" }, g.unit_name)) },
      { label: "First ship", cell: (g) => g.first_ship },
      { label: "Finished", num: true, cell: (g) => int(g.totals.supply), title: "units finished from now" },
      { label: "Carried in", num: true, cell: (g) => int(g.totals.carried_in) },
      { label: "To orders", num: true, cell: (g) => int(g.totals.sold_orders) },
      { label: "On contracts", num: true, cell: (g) => int(g.totals.sold_contracts) },
      { label: "To the cloud", num: true, cell: (g) => int(g.totals.deployed) },
      { label: "Left over", num: true, cell: (g) => int(g.totals.carried_out), title: "inventory at the horizon's end" },
      { label: "Buyer demand", num: true, cell: (g) => int(g.totals.buyer_demand), title: "open orders naming it first and delivery commitments due from now" },
      { label: "Cloud peak", num: true, cell: (g) => int(g.totals.cloud_peak), title: "own demand + reservations + capacity commitments in the busiest month" },
      { label: "What binds", cell: runs, cls: "reason" },
    ], d.generations, { testid: "binding-table" }));
  }

  // ---- Allocation by channel ---------------------------------------------------------------
  function renderChannel(d) {
    const g = d.generations[state.gen];
    const t = g.totals;
    const recorded = t.sold - t.sold_orders - t.sold_contracts;
    const parts = [
      ["To orders", t.sold_orders, COLORS.orders],
      ["On contracts", t.sold_contracts, COLORS.contracts],
      ["Recorded deliveries", recorded, "#a6b4c8"],
      ["To the cloud", t.deployed, COLORS.cloud],
      ["Left over", t.carried_out, COLORS.inventory],
    ].filter(([, v]) => v > 0);
    document.getElementById("channel-hint").textContent =
      `${g.name}: ${int(t.supply + t.carried_in)} units available from now`;
    draw("chart-channel", {
      type: "doughnut",
      data: {
        labels: parts.map((p) => p[0]),
        datasets: [{ data: parts.map((p) => p[1]), backgroundColor: parts.map((p) => p[2]), borderWidth: 1 }],
      },
      options: {
        responsive: true, maintainAspectRatio: false, cutout: "58%",
        plugins: {
          legend: { position: "right" },
          tooltip: { callbacks: { label: (ctx) => `${ctx.label}: ${int(ctx.parsed)} units (${pct(ctx.parsed, t.supply + t.carried_in)})` } },
        },
      },
    });
    const rows = d.generations.map((x) => ({ g: x, avail: x.totals.supply + x.totals.carried_in }));
    fill("channel-table", table([
      { label: "Generation", cell: (r) => r.g.id },
      { label: "To orders", num: true, cell: (r) => `${int(r.g.totals.sold_orders)} · ${pct(r.g.totals.sold_orders, r.avail)}` },
      { label: "On contracts", num: true, cell: (r) => `${int(r.g.totals.sold_contracts)} · ${pct(r.g.totals.sold_contracts, r.avail)}` },
      { label: "To the cloud", num: true, cell: (r) => `${int(r.g.totals.deployed)} · ${pct(r.g.totals.deployed, r.avail)}` },
    ], rows, { testid: "channel-table" }));
  }

  // ---- Allocation by customer --------------------------------------------------------------
  function renderCustomers(d) {
    // Each generation's shipments split by customer (units of different generations differ in
    // size, so shares within a generation compare, raw units across generations do not).
    const totals = d.generations.map((g, i) =>
      d.customers.reduce((a, c) => a + c.shipped_by_generation[i], 0));
    const gens = d.generations.map((g, i) => i).filter((i) => totals[i] > 0);
    // The biggest buyers each get a colour; with many customers the rest are summed as one.
    const MAX_BUYERS = 10;
    const shippedTotal = (c) => c.shipped_by_generation.reduce((a, v) => a + v, 0);
    let buyers = d.customers.filter((c) => shippedTotal(c) > 0)
      .map((c) => ({ label: c.id, units: c.shipped_by_generation }));
    if (buyers.length > MAX_BUYERS) {
      buyers.sort((a, b) => b.units.reduce((x, v) => x + v, 0) - a.units.reduce((x, v) => x + v, 0));
      const rest = buyers.slice(MAX_BUYERS - 1);
      buyers = buyers.slice(0, MAX_BUYERS - 1);
      buyers.push({
        label: `${int(rest.length)} others`,
        units: d.generations.map((g, i) => rest.reduce((a, r) => a + r.units[i], 0)),
        color: "#c2c9d3",
      });
    }
    draw("chart-customers", {
      type: "bar",
      data: {
        labels: gens.map((i) => `${d.generations[i].id} · ${int(totals[i])} units`),
        datasets: buyers.map((b, k) => ({
          label: b.label,
          data: gens.map((i) => (100 * b.units[i]) / totals[i]),
          units: gens.map((i) => b.units[i]),
          backgroundColor: b.color || CUSTOMER_COLORS[k % CUSTOMER_COLORS.length],
        })),
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true, min: 0, max: 100, ticks: { callback: (v) => `${v}%` },
                       title: { display: true, text: "share of the generation's units shipped" } },
                  y: { stacked: true } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: (ctx) =>
            `${ctx.dataset.label}: ${int(ctx.dataset.units[ctx.dataIndex])} units (${ctx.parsed.x.toFixed(1)}%)` } },
        },
      },
    });

    const genCols = d.generations.map((g, i) => ({
      label: g.id, num: true, title: `units of ${g.id} shipped (orders and contracts)`,
      cell: (c) => (c.shipped_by_generation[i] ? int(c.shipped_by_generation[i]) : "–"),
    }));
    document.getElementById("customers-table").classList.toggle("tall", d.customers.length > 40);
    fill("customers-table", table([
      { label: "Customer", cell: (c) => el("span", {}, el("strong", {}, c.id), el("span", { class: "sub" }, `${c.name} · ${c.kind}`)) },
      { label: "Open orders", num: true, cell: (c) => int(c.open_orders) },
      { label: "Units ordered", num: true, cell: (c) => int(c.ordered_units) },
      { label: "Units served", num: true, cell: (c) => int(c.order_units_served) },
      { label: "Fill", num: true, cell: (c) => pct(c.order_units_served, c.ordered_units) },
      { label: "Contract met / owed", num: true, cell: (c) => (c.contract_units_owed ? `${int(c.contract_units_met)} / ${int(c.contract_units_owed)}` : "–") },
      { label: "Cloud reserved", num: true, cell: (c) => (c.reserved_units ? int(c.reserved_units) : "–") },
      { label: "Waitlisted", num: true, cell: (c) => (c.waitlisted_orders ? `${int(c.waitlisted_orders)} (${int(c.waitlisted_units)} u)` : "–") },
      ...genCols,
    ], d.customers, { testid: "customers-table" }));
  }

  // ---- Commitments -------------------------------------------------------------------------
  function renderCommitments(d) {
    const ct = d.commitments_total;
    document.getElementById("commitments-hint").textContent =
      `tier 1: met before anything else · ${int(ct.met_units)} of ${int(ct.units)} units met (${pct(ct.met_units, ct.units)})`;
    document.getElementById("commitments-table").classList.toggle("tall", d.commitments.length > 40);
    fill("commitments-table", table([
      { label: "Contract", cell: (c) => `${c.contract} #${c.index}` },
      { label: "Customer", cell: (c) => c.customer },
      { label: "Generation", cell: (c) => c.generation },
      { label: "Kind", cell: (c) => c.kind },
      { label: "Months", cell: (c) => (c.kind === "delivery" ? `${c.from} – due ${c.to}` : `${c.from} – ${c.to}`) },
      { label: "Delivered", num: true, cell: (c) => (c.delivered_units ? int(c.delivered_units) : "–"), title: "units already recorded as shipped against it" },
      { label: "Owed", num: true, cell: (c) => int(c.units), title: "units still owed" },
      { label: "Met", num: true, cell: (c) => int(c.met_units) },
      { label: "", cell: (c) => (c.met_units >= c.units ? pill("met", "met") : pill(`short ${int(c.units - c.met_units)}`, "short")) },
    ], d.commitments, { testid: "commitments-table", empty: "No contract commitments." }));
  }

  // ---- Waitlist ----------------------------------------------------------------------------
  function estimate(w) {
    if (!w.earliest_period) return pill("beyond the horizon", "late");
    if (w.after_window) return el("span", {}, w.earliest_period, " ", pill("after its window", "late"));
    return w.earliest_period;
  }

  function renderWaitlist(d) {
    const total = d.plan.waitlisted_orders;
    document.getElementById("waitlist-hint").textContent =
      `${int(total)} orders wait, confirmed ones first, then in the order they were placed` +
      (d.waitlist.length < total ? ` · the first ${int(d.waitlist.length)} are listed` : "");
    document.getElementById("waitlist-table").classList.toggle("tall", d.waitlist.length > 40);
    fill("waitlist-table", table([
      { label: "#", num: true, cell: (w) => int(w.position) },
      { label: "Order", cell: (w) => el("span", { class: "mono" }, w.order) },
      { label: "Customer", cell: (w) => w.customer },
      { label: "SKU", cell: (w) => w.sku },
      { label: "Waiting", num: true, cell: (w) => `${int(w.remaining_units)} of ${int(w.units)}` },
      { label: "Window ends", cell: (w) => w.latest },
      { label: "Estimated", cell: estimate, cls: "estimate" },
      { label: "Why", cell: (w) => w.reason_text, cls: "reason" },
    ], d.waitlist, { testid: "waitlist-table", empty: "Nobody is waiting: every open order is served in full." }));
  }

  // ---- Re-plan -----------------------------------------------------------------------------
  function promiseText(p) {
    return p ? `${int(p.units)} by ${p.by}` : "nothing";
  }

  function renderMoves(moves, total, title) {
    document.getElementById("moves-title").textContent = title;
    document.getElementById("moves-table").classList.toggle("tall", moves.length > 40);
    fill("moves-table", table([
      { label: "Order", cell: (m) => el("span", { class: "mono" }, m.order) },
      { label: "Customer", cell: (m) => m.customer },
      { label: "Before", cell: (m) => promiseText(m.before) },
      { label: "After", cell: (m) => promiseText(m.after) },
      { label: "", cell: (m) => (m.breaks_confirmed ? pill("breaks a confirmed promise", "short") : "") },
      { label: "Why", cell: (m) => m.reason, cls: "reason" },
    ], moves, { testid: "moves-table", empty: "No promise moved: the plan keeps every recorded promise." }));
    if (total > moves.length) {
      document.getElementById("moves-table").append(
        el("p", { class: "muted" }, `… and ${int(total - moves.length)} more.`));
    }
  }

  function renderObjectives(now, last) {
    const rows = [
      ["Tier 1 · commitment shortfall", now.commitment_shortfall_usd, last && last.commitment_shortfall_usd, usd, -1],
      ["Tier 2 · promise lateness (unit-months)", now.promise_lateness_unit_periods, last && last.promise_lateness_unit_periods, int, -1],
      ["Tier 3 · value", now.value_usd, last && last.value_usd, usd, 1],
    ];
    const change = (r) => {
      if (r[2] === null || r[2] === undefined) return "–";
      const delta = r[1] - r[2];
      if (delta === 0) return el("span", { class: "muted" }, "no change");
      const better = delta * r[4] > 0;
      return pill(`${delta > 0 ? "+" : "−"}${r[3](Math.abs(delta))}`, better ? "met" : "short");
    };
    fill("objectives-table", table([
      { label: "Objective", cell: (r) => r[0] },
      { label: last ? `Last recorded (${last.now})` : "Last recorded", num: true, cell: (r) => (r[2] === null || r[2] === undefined ? (last ? "not computed" : "–") : r[3](r[2])) },
      { label: "This plan", num: true, cell: (r) => r[3](r[1]) },
      { label: "Change", num: true, cell: change },
    ], rows, { testid: "objectives-table" }));
  }

  function renderReplan(d) {
    const last = d.last_recorded;
    document.getElementById("replan-hint").textContent = !last
      ? "no plan has been recorded yet"
      : last.objectives_computed
        ? `compared with the last recorded plan (made in ${last.now}, ${int(last.promises)} promises)`
        : `compared with the last recorded promises (${int(last.promises)}, imported: their objectives were not computed)`;
    renderObjectives(d.plan.objectives, last);
    renderMoves(d.plan.moves, d.moves_total,
      `Promises the current plan moves since the last recorded plan (${int(d.moves_total)})`);
  }

  async function replan(dryRun) {
    const button = document.getElementById(dryRun ? "dry-run" : "record-plan");
    notice("replan-notice", "info", dryRun ? "Re-planning (dry run)…" : "Re-planning and recording the promises…");
    await busy(button, async () => {
      try {
        const s = await api("/api/plan", { method: "POST", body: { dry_run: dryRun } });
        const at = new Date().toLocaleTimeString("en-GB");
        renderObjectives(s.objectives, state.data.last_recorded);
        renderMoves(s.moves, s.moves.length,
          `${dryRun ? "Dry run" : "Re-plan"} at ${at}: ${int(s.moves.length)} promises ${dryRun ? "would move" : "moved"}`);
        if (dryRun) {
          notice("replan-notice", "ok",
            `Dry run done for ${s.now}: ${int(s.served_units)} units to orders, ${int(s.waitlisted_orders)} orders waiting, ${int(s.moves.length)} promises would move. Nothing was recorded.`);
        } else {
          notice("replan-notice", "ok",
            `Plan recorded as event ${s.recorded_as_event}: ${int(s.moves.length)} promises moved and are now the recorded ones.`);
          await load({ keepNotice: true });
        }
      } catch (err) {
        notice("replan-notice", "error", describe(err));
      }
    });
  }

  // ---- Loading -----------------------------------------------------------------------------
  function render(d) {
    state.data = d;
    if (state.gen >= d.generations.length) state.gen = 0;
    const chip = document.getElementById("book-chip");
    chip.hidden = false;
    chip.textContent = `book ${d.book} · now ${d.now}`;
    renderKpis(d);
    renderTabs(d);
    renderGenerationCharts(d);
    renderBinding(d);
    renderCustomers(d);
    renderCommitments(d);
    renderWaitlist(d);
    renderReplan(d);
  }

  async function load({ keepNotice } = {}) {
    try {
      const [me, d] = await Promise.all([api("/api/me"), api("/api/dashboard")]);
      Allot.header(me);
      if (state.data === null) {
        // Start on the generation buyers want most.
        let best = 0;
        d.generations.forEach((g, i) => {
          if (g.totals.buyer_demand > d.generations[best].totals.buyer_demand) best = i;
        });
        state.gen = best;
      }
      document.getElementById("loading").hidden = true;
      document.getElementById("content").hidden = false;
      if (!keepNotice) notice("notice", "", "");
      render(d);
      document.body.dataset.ready = "true";
    } catch (err) {
      document.getElementById("loading").hidden = true;
      if (err instanceof Allot.ApiFailure && err.status === 403) {
        document.getElementById("content").hidden = true;
        document.getElementById("refused").hidden = false;
        document.getElementById("refused-text").textContent =
          `Your token may not see the planning dashboard (403: ${err.message}). ` +
          "Customers find their orders, promises and waitlist position in the customer portal.";
        api("/api/me").then((me) => Allot.header(me)).catch(() => {});
      } else if (err instanceof Allot.ApiFailure && err.status === 401) {
        notice("notice", "error", describe(err));
        Allot.token.clear();
      } else {
        notice("notice", "error", `The dashboard could not be loaded: ${describe(err)}`);
      }
      document.body.dataset.ready = "error";
    }
  }

  document.getElementById("dry-run").addEventListener("click", () => replan(true));
  document.getElementById("record-plan").addEventListener("click", () => replan(false));
  document.getElementById("refused-signin").addEventListener("click", () => Allot.token.clear());
  load();
})();
