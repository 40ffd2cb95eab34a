// Browser test of the planner dashboard and the customer portal, in headless Chromium.
//
// Signs in as a planner and as a customer, clicks through each page, asserts what they show
// against the JSON API, and saves screenshots to e2e/artifacts/. Fails on any console error,
// page error, failed request or HTTP error response, except the one 403 it provokes on purpose
// (a customer token opening the dashboard).
//
// Environment: ALLOT_URL (e.g. http://127.0.0.1:8080), PLANNER_TOKEN, CUSTOMER_TOKEN,
// CUSTOMER_ID (the customer the token acts for), optionally CHROMIUM (default /usr/bin/chromium)
// and ARTIFACTS (default e2e/artifacts). Run through e2e/run.sh, which sets all of this up.

import { chromium } from "playwright-core";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.ALLOT_URL || "").replace(/\/$/, "");
const PLANNER = process.env.PLANNER_TOKEN;
const CUSTOMER = process.env.CUSTOMER_TOKEN;
const CUSTOMER_ID = process.env.CUSTOMER_ID;
const ARTIFACTS = process.env.ARTIFACTS || path.join(here, "artifacts");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 20_000;

for (const [k, v] of Object.entries({ ALLOT_URL: BASE, PLANNER_TOKEN: PLANNER, CUSTOMER_TOKEN: CUSTOMER, CUSTOMER_ID })) {
  if (!v) {
    console.error(`browser.mjs: ${k} is not set (run e2e/run.sh)`);
    process.exit(2);
  }
}

// ---- Small test harness --------------------------------------------------------------------
let step = "start";
let checks = 0;
function ok(cond, message) {
  checks++;
  if (!cond) throw new Error(`[${step}] ${message}`);
}
function log(msg) {
  console.log(`  ✓ ${msg}`);
}
const shotNames = [];
async function shot(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shotNames.push(file);
}
async function shotOf(locator, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await locator.screenshot({ path: file });
  shotNames.push(file);
}

/** JSON API calls with a token, outside the browser (the source of truth the pages are checked against). */
async function api(token, pathname, init = {}) {
  const res = await fetch(`${BASE}${pathname}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers || {}) },
  });
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}

/** Every page problem is recorded; `allowed` lets one step expect a specific failure. */
function watch(page, label) {
  const problems = [];
  const state = { allowed: null };
  const isAllowed = (url, status) => state.allowed && state.allowed(url, status);
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const url = (msg.location() && msg.location().url) || "";
    const m = /status of (\d{3})/.exec(msg.text());
    if (isAllowed(url, m ? Number(m[1]) : 0)) return;
    problems.push(`${label}: console error: ${msg.text()} (${url})`);
  });
  page.on("pageerror", (err) => problems.push(`${label}: page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    problems.push(`${label}: request failed: ${req.method()} ${req.url()} (${req.failure() && req.failure().errorText})`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400 && !isAllowed(res.url(), res.status())) {
      problems.push(`${label}: HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
    }
  });
  return {
    problems,
    allow(pred) { state.allowed = pred; },
    assertClean() { ok(problems.length === 0, `browser problems:\n    ${problems.join("\n    ")}`); },
  };
}

/** Pixels drawn on each canvas (non-transparent), by id. */
async function canvasInk(page) {
  return page.$$eval("canvas", (cs) => cs.map((c) => {
    const ctx = c.getContext("2d");
    const { width, height } = c;
    let ink = 0;
    if (width > 0 && height > 0) {
      const d = ctx.getImageData(0, 0, width, height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) ink++;
    }
    return { id: c.id, width, height, ink, visible: c.getBoundingClientRect().height > 0 };
  }));
}

async function assertChartsDrawn(page, ids) {
  const inks = await canvasInk(page);
  for (const id of ids) {
    const c = inks.find((x) => x.id === id);
    ok(c, `canvas #${id} is on the page`);
    ok(c.visible && c.width > 100 && c.height > 100, `canvas #${id} has a size (${c.width}x${c.height})`);
    ok(c.ink > 0.02 * c.width * c.height, `canvas #${id} is drawn (${c.ink} of ${c.width * c.height} pixels inked)`);
  }
  return inks;
}

/** Text cells of a table body (by data-testid), one array per row; skips the "empty" row. */
async function tableRows(page, testid) {
  return page.$$eval(`table[data-testid="${testid}"] tbody tr:not(.empty)`, (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.innerText.trim())));
}

async function headers(page, testid) {
  return page.$$eval(`table[data-testid="${testid}"] thead th`, (ths) => ths.map((th) => th.innerText.trim()));
}

const MONTH = /^\d{4}-\d{2}\b/;
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Whether `id` occurs in `text` as a whole identifier (not inside a longer id). */
const mentions = (text, id) => new RegExp(`(^|[^A-Za-z0-9_-])${escapeRe(id)}($|[^A-Za-z0-9_-])`).test(text);

async function signIn(page, token) {
  await page.goto(`${BASE}/`);
  await page.getByTestId("token-input").fill(token);
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/dashboard" || u.pathname === "/portal"),
    page.getByTestId("signin").click(),
  ]);
  await page.waitForSelector("body[data-ready]", { timeout: TIMEOUT });
  const ready = await page.getAttribute("body", "data-ready");
  ok(ready === "true", `the page loaded its data (data-ready=${ready})`);
}

// ---- The test ------------------------------------------------------------------------------
async function plannerFlow(browser, facts) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const w = watch(page, "planner");

  step = "planner: sign-in page";
  await page.goto(`${BASE}/`);
  ok(await page.getByTestId("token-input").isVisible(), "the sign-in form is shown");
  await shot(page, "01-sign-in");

  step = "planner: a wrong token is refused clearly";
  w.allow((url, status) => url.endsWith("/api/me") && status === 401);
  await page.getByTestId("token-input").fill("allot_not-a-real-token");
  await page.getByTestId("signin").click();
  await page.waitForSelector("#notice.error");
  const refusal = await page.innerText("#notice");
  ok(/not valid/i.test(refusal), `a bad token shows why: "${refusal}"`);
  ok(new URL(page.url()).pathname === "/", "a bad token stays on the sign-in page");
  await shot(page, "02-sign-in-refused");
  w.allow(null);
  log("sign-in page refuses a bad token with a clear message");

  step = "planner: dashboard";
  await signIn(page, PLANNER);
  ok(new URL(page.url()).pathname === "/dashboard", `a planner lands on /dashboard (at ${page.url()})`);
  ok((await page.innerText("#who")).includes("planner"), "the top bar says planner");
  const inks = await assertChartsDrawn(page, ["chart-supply", "chart-cloud", "chart-channel", "chart-customers"]);
  log(`4 charts drawn (${inks.map((c) => `${c.id} ${c.ink}px`).join(", ")})`);

  const kpis = await page.$$eval('[data-testid="kpis"] .kpi', (ks) => ks.map((k) => k.innerText));
  ok(kpis.length >= 6, `the KPI cards are shown (${kpis.length})`);
  ok(kpis.some((k) => /Commitment shortfall/i.test(k)) && kpis.some((k) => /Plan value/i.test(k)), "tier objectives are shown");

  // Binding inputs: one row per generation with its runs of binding months.
  const binding = await tableRows(page, "binding-table");
  ok(binding.length === facts.book.generations.length,
    `the binding table has a row per generation (${binding.length} vs ${facts.book.generations.length})`);
  const bindHead = await headers(page, "binding-table");
  const bindCol = bindHead.indexOf("What binds");
  ok(bindCol >= 0, "the binding table has a 'What binds' column");
  ok(binding.some((r) => /(wafers|HBM|packaging)\s+\d{4}-\d{2}/.test(r[bindCol])),
    `binding inputs with months are listed: ${binding.map((r) => r[bindCol]).join(" | ")}`);
  for (const r of binding) {
    const totals = r.filter((_, i) => i >= 2 && i < bindCol);
    ok(totals.every((t) => /^[\d,]+$/.test(t)), `generation figures are whole numbers with separators: ${totals.join(" ")}`);
  }
  const stripCells = await page.$$eval("#binding-strip .cell", (cs) => cs.length);
  ok(stripCells === facts.book.generations.length * facts.dash.months.length, `the binding strip has a cell per generation and month (${stripCells})`);
  log(`binding table: ${binding.length} generations, e.g. ${binding[1] ? binding[1][0].split("\n")[0] : ""}: ${binding[1] ? binding[1][bindCol].slice(0, 60) : ""}…`);

  // Waitlist rows with estimated months.
  const wl = await tableRows(page, "waitlist-table");
  const wlHead = await headers(page, "waitlist-table");
  const estCol = wlHead.indexOf("Estimated");
  ok(facts.waitlist.length > 0, "the demo book has a waitlist");
  ok(wl.length === Math.min(500, facts.waitlist.length), `the waitlist lists every entry (${wl.length} vs API ${facts.waitlist.length})`);
  for (let i = 0; i < wl.length; i++) {
    const entry = facts.waitlist[i];
    ok(wl[i][1] === entry.order, `waitlist row ${i + 1} is order ${entry.order} (page: ${wl[i][1]})`);
    const est = wl[i][estCol];
    ok(MONTH.test(est) || /beyond the horizon/.test(est), `waitlist row ${i + 1} has an estimated month: "${est}"`);
    if (entry.earliest_period) ok(est.startsWith(entry.earliest_period), `waitlist row ${i + 1} shows ${entry.earliest_period}: "${est}"`);
  }
  log(`waitlist: ${wl.length} rows, each with an estimated month (first: ${wl[0][1]} est. ${wl[0][estCol]})`);

  // Customers table: every customer, with thousands separators.
  const cust = await tableRows(page, "customers-table");
  ok(cust.length === facts.book.customers.length, `the customers table has every customer (${cust.length} vs ${facts.book.customers.length})`);
  for (const c of facts.book.customers) ok(cust.some((r) => r[0].startsWith(c.id)), `customer ${c.id} is listed`);
  const pageText = await page.innerText("main");
  const big = facts.dash.commitments_total.units;
  ok(big >= 1000 && pageText.includes(big.toLocaleString("en-US")), `large numbers carry thousands separators (${big.toLocaleString("en-US")})`);
  log(`customers table: ${cust.length} customers`);

  const commitments = await tableRows(page, "commitments-table");
  ok(commitments.length === facts.dash.commitments.length, `every commitment is listed (${commitments.length})`);
  await shot(page, "03-dashboard");

  step = "planner: switch generation";
  const before = (await canvasInk(page)).find((c) => c.id === "chart-supply").ink;
  const other = facts.book.generations.find((g) => g.id === "trn3") || facts.book.generations[0];
  await page.click(`#gen-tabs button[data-gen="${other.id}"]`);
  ok((await page.getAttribute(`#gen-tabs button[data-gen="${other.id}"]`, "aria-pressed")) === "true", "the generation tab is selected");
  const after = await assertChartsDrawn(page, ["chart-supply", "chart-cloud", "chart-channel"]);
  ok(after.find((c) => c.id === "chart-supply").ink !== before, "the supply chart redraws for the other generation");
  ok((await page.innerText("#channel-hint")).includes(other.name), "the channel panel follows the generation");
  await shotOf(page.locator("#supply-panel"), "04-dashboard-supply-trn3");
  log(`switched the charts to ${other.id}`);

  step = "planner: re-plan (dry run)";
  const movesBefore = await tableRows(page, "moves-table");
  ok(movesBefore.length === Math.min(500, facts.dash.moves_total), `moves since the last recorded plan are listed (${movesBefore.length})`);
  await page.getByTestId("dry-run").click();
  await page.waitForSelector("#replan-notice.ok");
  const done = await page.innerText("#replan-notice");
  ok(/Dry run done/.test(done) && /Nothing was recorded/.test(done), `the dry run reports its result: "${done}"`);
  const title = await page.innerText("#moves-title");
  ok(/^Dry run at/.test(title), `the moves section shows the dry run: "${title}"`);
  const moves = await tableRows(page, "moves-table");
  const dry = await api(PLANNER, "/api/plan", { method: "POST", body: JSON.stringify({ dry_run: true }) });
  ok(dry.status === 200, "the API dry run answers");
  ok(moves.length === dry.body.moves.length, `the page lists every move (${moves.length} vs API ${dry.body.moves.length})`);
  ok(moves.length > 0, "the supply cut moved promises (run.sh cuts supply before serving)");
  const movesHead = await headers(page, "moves-table");
  const why = movesHead.indexOf("Why");
  for (let i = 0; i < moves.length; i++) {
    ok(moves[i][0] === dry.body.moves[i].order, `move ${i + 1} is order ${dry.body.moves[i].order}`);
    ok(moves[i][why].length > 10, `move ${i + 1} says why: "${moves[i][why]}"`);
  }
  const obj = await tableRows(page, "objectives-table");
  ok(obj.length === 3, "the three tier objectives are compared with the last recorded plan");
  await page.locator("#replan-panel").scrollIntoViewIfNeeded();
  await shot(page, "05-dashboard-dry-run");
  log(`dry run: ${moves.length} promises would move, e.g. ${moves[0][0]} ${moves[0][2]} -> ${moves[0][3]}: ${moves[0][why]}`);

  w.assertClean();
  await ctx.close();
}

async function customerFlow(browser, facts) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const w = watch(page, "customer");

  step = "customer: portal";
  await signIn(page, CUSTOMER);
  ok(new URL(page.url()).pathname === "/portal", `a customer lands on /portal (at ${page.url()})`);
  ok((await page.innerText("#customer-chip")).includes(CUSTOMER_ID), `the portal names the customer ${CUSTOMER_ID}`);

  const mine = facts.orders.filter((o) => o.customer === CUSTOMER_ID);
  const others = facts.orders.filter((o) => o.customer !== CUSTOMER_ID);
  const otherCustomers = facts.book.customers.map((c) => c.id).filter((id) => id !== CUSTOMER_ID);
  ok(mine.length > 0 && others.length > 0 && otherCustomers.length > 0, "the book has orders of this and of other customers");

  async function assertOnlyMine(when) {
    const ids = await page.$$eval('table[data-testid="orders-table"] tbody tr[data-order]', (trs) => trs.map((t) => t.dataset.order));
    const own = new Set(mine.map((o) => o.id));
    for (const id of ids) ok(own.has(id) || id === facts.placed, `${when}: order ${id} listed is the customer's own`);
    const text = await page.innerText("body");
    const html = await page.content();
    for (const c of otherCustomers) {
      ok(!mentions(text, c) && !mentions(html, c), `${when}: another customer's id (${c}) appears nowhere on the page`);
    }
    for (const o of others) {
      ok(!mentions(text, o.id) && !mentions(html, o.id), `${when}: another customer's order id (${o.id}) appears nowhere on the page`);
    }
    return ids;
  }

  const ids = await assertOnlyMine("on arrival");
  ok(ids.length === mine.length, `every own order is listed (${ids.length} vs ${mine.length})`);
  log(`${CUSTOMER_ID} sees its ${ids.length} orders and none of ${otherCustomers.length} other customers' ids or ${others.length} other orders`);

  // Waitlist position.
  const wl = await tableRows(page, "waitlist-table");
  const myWait = facts.waitlist.filter((e) => e.customer === CUSTOMER_ID);
  ok(myWait.length > 0, `${CUSTOMER_ID} has waitlisted orders in the demo (pick another CUSTOMER_ID otherwise)`);
  ok(wl.length === myWait.length, `the portal lists the customer's waitlist entries (${wl.length} vs ${myWait.length})`);
  for (let i = 0; i < wl.length; i++) {
    ok(wl[i][0] === `#${myWait[i].position}`, `waitlist entry ${i + 1} shows position #${myWait[i].position}: ${wl[i][0]}`);
    ok(MONTH.test(wl[i][4]) || /not within the horizon/.test(wl[i][4]), `waitlist entry ${i + 1} has an estimated month: "${wl[i][4]}"`);
  }
  const waitingRow = await page.innerText(`table[data-testid="orders-table"] tr[data-order="${myWait[0].order}"]`);
  ok(waitingRow.includes(`#${myWait[0].position}`), "the orders table shows the order's place in line");
  await shot(page, "06-portal");
  log(`waitlist: ${wl.map((r) => `${r[1]} ${r[0]} est. ${r[4]}`).join(", ")}`);

  step = "customer: place an order";
  const sku = facts.book.skus.find((s) => s.id === "trn3-ultraserver") || facts.book.skus[0];
  await page.selectOption("#order-sku", sku.id);
  await page.fill("#order-qty", "3");
  await page.selectOption("#order-earliest", "2027-06");
  await page.selectOption("#order-latest", "2027-12");
  await page.fill("#order-price", "4100000");
  await page.fill("#order-penalty", "50000");
  await page.getByTestId("place-order").click();
  await page.waitForSelector("#order-notice.ok");
  const placedMsg = await page.innerText("#order-notice");
  const m = /Order (\S+) placed/.exec(placedMsg);
  ok(m, `the portal confirms the order: "${placedMsg}"`);
  facts.placed = m[1];
  const row = page.locator(`table[data-testid="orders-table"] tr[data-order="${facts.placed}"]`);
  await row.waitFor();
  ok((await row.getAttribute("data-status")) === "placed", "the new order is listed as placed");
  const rowText = await row.innerText();
  ok(rowText.includes(sku.id) && rowText.includes("2027-06") && rowText.includes("2027-12") && rowText.includes("$4,100,000"),
    `the new row shows what was ordered: ${rowText.replace(/\s+/g, " ")}`);
  const viaApi = await api(CUSTOMER, `/api/orders/${facts.placed}`);
  ok(viaApi.status === 200 && viaApi.body.customer === CUSTOMER_ID && viaApi.body.quantity === 3, "the API has the order, for this customer");
  await shot(page, "07-portal-order-placed");
  log(`placed order ${facts.placed}: ${rowText.replace(/\s+/g, " ").slice(0, 90)}`);

  step = "customer: when could I get N units?";
  await page.selectOption("#atp-sku", sku.id);
  await page.fill("#atp-qty", "5");
  await page.selectOption("#atp-by", "2027-09");
  await page.getByTestId("ask-atp").click();
  await page.waitForSelector('[data-testid="atp-answer"]:not([hidden])');
  const month = (await page.getByTestId("atp-month").innerText()).trim();
  ok(/^\d{4}-\d{2}$/.test(month) || month === "not within the horizon", `the answer is a month or "not within the horizon": "${month}"`);
  const atp = await api(CUSTOMER, `/api/promise?sku=${sku.id}&qty=5&by=2027-09`);
  ok(atp.status === 200, "the API answers the same question");
  ok(month === (atp.body.earliest || "not within the horizon"), `the page shows the API's answer (${month} vs ${atp.body.earliest})`);
  const answer = await page.innerText('[data-testid="atp-answer"]');
  ok(answer.includes(`By 2027-09: up to ${atp.body.quantity_by.toLocaleString("en-US")} items`), `the answer gives the quantity by the month: "${answer}"`);
  await shotOf(page.locator("#atp-panel"), "08-portal-when-could-i-get");
  log(`5 × ${sku.id}: earliest ${month}; by 2027-09 up to ${atp.body.quantity_by}`);

  step = "customer: cancel the order";
  const cancel = row.locator('button[data-action="cancel"]');
  await cancel.click();
  ok((await cancel.innerText()).includes("Really cancel?"), "cancelling asks for a second click");
  await cancel.click();
  await page.waitForSelector(`table[data-testid="orders-table"] tr[data-order="${facts.placed}"][data-status="cancelled"]`);
  ok((await row.locator(".pill").first().innerText()).trim() === "cancelled", "the order's status reads cancelled");
  ok(/is cancelled/.test(await page.innerText("#orders-notice")), "the portal says the order is cancelled");
  ok((await row.locator('button[data-action="cancel"]').count()) === 0, "a cancelled order has no cancel button");
  const gone = await api(CUSTOMER, `/api/orders/${facts.placed}`);
  ok(gone.body.status === "cancelled", "the API has the order cancelled");
  await assertOnlyMine("after placing and cancelling");
  await shot(page, "09-portal-cancelled");
  log(`cancelled ${facts.placed}`);

  step = "customer: the dashboard is refused";
  let refusedStatus = 0;
  page.on("response", (res) => {
    if (new URL(res.url()).pathname === "/api/dashboard") refusedStatus = res.status();
  });
  w.allow((url, status) => url.endsWith("/api/dashboard") && (status === 403 || status === 0));
  await page.goto(`${BASE}/dashboard`);
  await page.waitForSelector("body[data-ready]");
  ok(refusedStatus === 403, `the API refuses the dashboard data to a customer (HTTP ${refusedStatus})`);
  const refused = page.getByTestId("refused");
  ok(await refused.isVisible(), "the dashboard shows the refusal");
  const rtext = await refused.innerText();
  ok(/for planners/i.test(rtext) && /403/.test(rtext), `the refusal is clear: "${rtext.replace(/\s+/g, " ")}"`);
  ok(!(await page.locator("#content").isVisible()), "no dashboard content is shown");
  ok((await page.locator("canvas").count()) === 0 || !(await page.locator("canvas").first().isVisible()), "no chart is drawn");
  await shot(page, "10-customer-dashboard-refused");
  w.allow(null);
  log("a customer token opening /dashboard sees a clear 403 message");

  step = "customer: sign out";
  await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.click("#signout")]);
  ok((await page.evaluate(() => sessionStorage.getItem("allot.token"))) === null, "signing out forgets the token");
  ok(await page.getByTestId("token-input").isVisible(), "signing out returns to the sign-in page");
  log("signed out");

  w.assertClean();
  await ctx.close();
}

async function main() {
  await mkdir(ARTIFACTS, { recursive: true });
  step = "facts from the API";
  const book = await api(PLANNER, "/api/book");
  ok(book.status === 200, `GET /api/book as planner (${book.status})`);
  const dash = await api(PLANNER, "/api/dashboard");
  ok(dash.status === 200, `GET /api/dashboard as planner (${dash.status})`);
  const waitlist = await api(PLANNER, "/api/waitlist");
  const orders = [];
  for (let offset = 0; ;) {
    const p = await api(PLANNER, `/api/orders?offset=${offset}&limit=500`);
    ok(p.status === 200, "GET /api/orders as planner");
    orders.push(...p.body.orders);
    if (p.body.next_offset == null) break;
    offset = p.body.next_offset;
  }
  const facts = { book: book.body, dash: dash.body, waitlist: waitlist.body, orders, placed: null };
  console.log(`allot at ${BASE}: book ${facts.book.name}, now ${facts.book.now}, ${orders.length} orders, ${facts.waitlist.length} waiting`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
  });
  try {
    console.log("planner:");
    await plannerFlow(browser, facts);
    console.log(`customer (${CUSTOMER_ID}):`);
    await customerFlow(browser, facts);
  } catch (err) {
    // Keep a picture of whatever page was open when it failed.
    for (const ctx of browser.contexts()) {
      for (const [i, p] of ctx.pages().entries()) {
        await p.screenshot({ path: path.join(ARTIFACTS, `failure-${i}.png`), fullPage: true }).catch(() => {});
      }
    }
    throw err;
  } finally {
    await browser.close();
  }
  console.log(`PASS: ${checks} checks; screenshots in ${ARTIFACTS}:`);
  for (const f of shotNames) console.log(`  ${path.relative(process.cwd(), f)}`);
}

main().catch((err) => {
  console.error(`FAIL: ${err.message}`);
  process.exit(1);
});
