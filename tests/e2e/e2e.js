// e2e.js: drives Debian's Chromium through the pages as an operator would: log in with the
// one-time password and change it, add a cluster with the form, find it in the list with filters
// and search, switch the theme, delete it, make and revoke an API token, add a viewer who sees no
// admin buttons, log out. Any console
// error (a CSP violation, a script error, a missing file) fails the step it happened in.
// Usage: node e2e.js BASE_URL OUT_DIR PROFILE_DIR
"use strict";

const fs = require("node:fs");
const { execFileSync } = require("node:child_process");
const path = require("node:path");
const assert = require("node:assert/strict");
const { chromium } = require("playwright-core");
const probes = require("./probes.js");

const BASE = process.argv[2];
const OUT = process.argv[3];
const PROFILE = process.argv[4];
if (!BASE || !OUT || !PROFILE) {
	console.error("usage: node e2e.js BASE_URL OUT_DIR PROFILE_DIR");
	process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const OTP = process.env.AIOPS_E2E_OTP;
if (!OTP) {
	console.error("AIOPS_E2E_OTP must hold the admin's one-time password");
	process.exit(2);
}
const ADMIN_PW = "e2e admin pass phrase " + Math.random().toString(36).slice(2);
const VIEWER_PW = "e2e viewer pass phrase " + Math.random().toString(36).slice(2);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync"];

// A name no earlier run left behind, and text that matches nothing else.
const TAG = Date.now().toString(36) + Math.floor(Math.random() * 1e6).toString(36);
const NAME = "e2e-" + TAG;
const REGION = "e2e-region-" + TAG;

let page;
// The feed a fleet page (not a cluster's own page) opens.
const EVENTS_URL = "/events?types=CLUSTER_REGISTERED,CLUSTER_UPDATED,CLUSTER_DELETED,CLUSTER_STATUS_CHANGED,CLUSTER_CHECKED";
let consoleErrors = [];
// Documents that answer 4xx on purpose in the current step (the 422 form, the 404 page), or that
// close without an answer (the live feed while the push daemon is away): Chromium logs each as
// "Failed to load resource", which is not a fault of the page.
const expectedFailures = new Set();
let clusterId = null;

const url = (p) => new URL(p, BASE).toString();

function watch(p) {
	p.on("console", (msg) => {
		if (msg.type() !== "error") return;
		const where = msg.location() && msg.location().url;
		if (/^Failed to load resource: (the server responded with a status of 4\d\d|net::ERR_EMPTY_RESPONSE)/.test(msg.text()) &&
		    expectedFailures.has(where))
			return;
		consoleErrors.push(`console error: ${msg.text()}${where ? " (" + where + ")" : ""}`);
	});
	p.on("pageerror", (err) => consoleErrors.push(`page error: ${err.message}`));
}

// expectFailure declares, for the current step, that the document at path answers 4xx on purpose;
// the step asserts the status itself.
function expectFailure(p) {
	expectedFailures.add(url(p));
}

async function shot(name) {
	await page.screenshot({ path: path.join(OUT, name + ".png"), fullPage: true });
}

// goto opens p and returns the response, asserting the status when one is given.
async function goto(p, status = 200) {
	if (status >= 400) expectFailure(p);
	const resp = await page.goto(url(p));
	assert.equal(resp.status(), status, `GET ${p} answered ${resp.status()}`);
	return resp;
}

async function rowFor(name) {
	return page.locator(`#clusters-table tbody tr[data-cluster-name="${name}"]`);
}

async function submitForm(expectUrl, form = "form.form") {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
		page.click(`${form} button[type=submit]`),
	]);
	if (expectUrl) await page.waitForURL(expectUrl);
	else await page.waitForLoadState("load");
	return resp;
}

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

// login fills the login form and submits it; resolves to the response of the POST.
async function login(user, password) {
	await page.fill("#f-username", user);
	await page.fill("#f-password", password);
	return submitForm();
}

// changePassword fills the settings page's password form.
async function changePassword(current, next) {
	await page.fill("#f-current", current);
	await page.fill("#f-new", next);
	await page.fill("#f-confirm", next);
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
		page.click("#password button[type=submit]"),
	]);
	await page.waitForLoadState("load");
	return resp;
}

step("an anonymous visit lands on the login page", async () => {
	await goto("/clusters");
	assert.match(page.url(), /\/login\?next=%2Fclusters$/);
	assert.equal(await page.locator(".user-box").count(), 0, "nobody is shown as logged in");
	await shot("00-login");
});

step("a wrong password is refused without saying which part was wrong", async () => {
	expectFailure("/login");
	const resp = await login("admin", "not the password");
	assert.equal(resp.status(), 401);
	assert.match(await page.textContent("#login-error"), /user name or password is wrong/);
	assert.equal(await page.inputValue("#f-username"), "admin", "the name is kept");
});

step("the one-time password logs in and asks for a new password first", async () => {
	await login("admin", OTP);
	await page.waitForURL(/\/settings\?must_change=1$/);
	assert.ok(await page.isVisible("#must-change"));
	await goto("/clusters");
	assert.match(page.url(), /\/settings\?must_change=1$/, "other pages wait until it is changed");
});

step("a common password is refused, a good one is taken", async () => {
	expectFailure("/settings/password");
	let resp = await changePassword(OTP, "password1");
	assert.equal(resp.status(), 422);
	assert.match(await page.textContent("#password .callout"), /common/i);
	resp = await changePassword(OTP, ADMIN_PW);
	assert.equal(resp.status(), 303);
	assert.match(page.url(), /\/settings$/);
	assert.match(await page.locator(".flash").innerText(), /password was changed/);
	assert.equal(await page.textContent(".user-box .user-name"), "admin");
	assert.equal(await page.textContent(".user-box .badge"), "admin");
	await shot("01-settings");
});

step("the dashboard renders in the OS theme with its script and style", async () => {
	await goto("/");
	assert.equal(await page.locator("h1").first().innerText(), "Fleet");
	assert.equal(await page.getAttribute("html", "data-theme"), "light");
	// The style sheet applied: the top bar is sticky and the tiles are a grid.
	assert.equal(await page.locator(".topbar").evaluate((e) => getComputedStyle(e).position), "sticky");
	assert.equal(await page.locator("section.tiles").evaluate((e) => getComputedStyle(e).display), "grid");
	await shot("01-home-empty");
});

step("an unknown address shows the 404 page inside the shell", async () => {
	await goto("/nope", 404);
	assert.match(await page.locator(".error-page h1").innerText(), /404/);
	// The shell is the whole one: an admin's menu, and who is logged in.
	assert.equal(await page.locator('.topbar .nav a[href="/admin/users"]').count(), 1);
	assert.equal(await page.locator(".user-box .user-name").innerText(), "admin");
	await shot("02-not-found");
});

step("a bad URL is refused with the error next to its field, keeping what was typed", async () => {
	await goto("/clusters/new");
	await page.fill("#f-name", NAME);
	await page.fill("#f-api_url", "ftp://api.example.com");
	expectFailure("/clusters");
	const resp = await submitForm();
	assert.equal(resp.status(), 422);
	const field = page.locator(".field", { has: page.locator("#f-api_url") });
	assert.match(await field.getAttribute("class"), /\binvalid\b/);
	const err = field.locator(".field-error");
	assert.ok(await err.isVisible(), "the API URL field shows its error");
	assert.ok((await err.innerText()).trim().length > 0, "the error says something");
	assert.equal(await page.getAttribute("#f-api_url", "aria-describedby"), await err.getAttribute("id"));
	// Only that field is marked, and the typed values stay.
	assert.equal(await page.locator(".field.invalid").count(), 1);
	assert.equal(await page.inputValue("#f-name"), NAME);
	assert.equal(await page.inputValue("#f-api_url"), "ftp://api.example.com");
	// The red is the style sheet's, not the browser's default.
	const colour = await err.evaluate((e) => getComputedStyle(e).color);
	assert.notEqual(colour, await page.locator("label[for=f-name]").evaluate((e) => getComputedStyle(e).color));
	// The cursor waits in the field to fix.
	assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), "f-api_url");
	await shot("03-form-bad-url");
});

step("the form adds a cluster and lands on its page", async () => {
	await goto("/clusters/new");
	await page.fill("#f-name", NAME);
	await page.fill("#f-display_name", "E2E cluster " + TAG);
	await page.fill("#f-api_url", "https://api." + NAME + ".example:6443");
	await page.selectOption("#f-environment", "staging");
	await page.selectOption("#f-type", "k3s");
	await page.fill("#f-region", REGION);
	await page.fill("#f-labels", "team=e2e\ntier=test");
	await page.check("input[name=has_gpu]");
	await submitForm(/\/clusters\/[0-9a-f-]{36}$/);
	clusterId = page.url().split("/").pop();
	assert.match(await page.locator("h1").innerText(), new RegExp(NAME));
	assert.equal(await page.locator("h1 .badge").innerText(), "unknown");
	const details = page.locator("dl.details");
	assert.match(await details.innerText(), new RegExp(REGION));
	assert.ok(await details.locator(".chip", { hasText: "team=e2e" }).isVisible());
	assert.equal(await details.locator(".badge.env-staging").innerText(), "staging");
	await shot("04-cluster-page");
});

step("times read as relative, with the exact time in the title", async () => {
	assert.ok(clusterId, "needs the cluster");
	const t = page.locator("dl.details > div", { hasText: "Registered" }).locator("time");
	const text = await t.innerText();
	const iso = await t.getAttribute("datetime");
	assert.match(text, /^(just now|\d+ min ago)$/, `relative time, got "${text}"`);
	assert.notEqual(text, iso);
	const title = await t.getAttribute("title");
	assert.ok(title && title.length > 8, "the title holds the absolute time");
});

step("the list shows the new cluster", async () => {
	await goto("/clusters");
	const row = await rowFor(NAME);
	assert.equal(await row.count(), 1);
	assert.match(await row.innerText(), /staging/);
	assert.match(await row.innerText(), new RegExp(REGION));
	await shot("05-list");
});

step("filtering by environment keeps it, another environment hides it", async () => {
	await goto("/clusters");
	// A filter select applies as soon as it changes.
	await Promise.all([page.waitForURL(/environment=staging/), page.selectOption("select[name=environment]", "staging")]);
	assert.equal(await (await rowFor(NAME)).count(), 1);
	const envs = await page.locator("#clusters-table tbody tr .badge[class*=env-]").allInnerTexts();
	assert.ok(envs.length > 0 && envs.every((e) => e === "staging"), `only staging rows, got ${envs}`);
	await Promise.all([page.waitForURL(/environment=production/), page.selectOption("select[name=environment]", "production")]);
	assert.equal(await (await rowFor(NAME)).count(), 0);
	await shot("06-filter-other-env");
});

step("searching by text finds it, other text does not", async () => {
	await goto("/clusters");
	await page.fill("input[name=q]", TAG);
	await Promise.all([page.waitForURL((u) => u.searchParams.get("q") === TAG), page.press("input[name=q]", "Enter")]);
	assert.equal(await (await rowFor(NAME)).count(), 1);
	assert.equal(await page.locator("#clusters-table tbody tr").count(), 1);
	assert.equal(await page.inputValue("input[name=q]"), TAG);
	const other = "no-such-cluster-" + TAG;
	await page.fill("input[name=q]", other);
	await Promise.all([page.waitForURL((u) => u.searchParams.get("q") === other), page.click("form.filters button[type=submit]")]);
	// Empty filters stay out of the address, so it is short enough to share.
	assert.deepEqual([...new URL(page.url()).searchParams.keys()], ["q"]);
	assert.equal(await (await rowFor(NAME)).count(), 0);
	assert.ok(await page.locator("p.empty").isVisible(), "says that nothing matches");
	await shot("07-search-nothing");
});

step("the dashboard counts it and draws its environment's bar", async () => {
	await goto("/");
	const total = Number(await page.locator(".tile-total .tile-value").innerText());
	assert.ok(total >= 1);
	const fill = page.locator(".bar-fill.env-staging");
	const width = await fill.evaluate((e) => e.getBoundingClientRect().width);
	const track = await fill.evaluate((e) => e.parentElement.getBoundingClientRect().width);
	assert.ok(width > 0 && width <= track, `staging bar ${width} of ${track}`);
	// An environment with no cluster has no bar.
	const lab = await page.locator(".bar-fill.env-lab").evaluate((e) => [e.dataset.value, e.getBoundingClientRect().width]);
	if (lab[0] === "0") assert.equal(lab[1], 0);
	await shot("08-home");
});

// collect runs one pass of a collector (health by default), as cron would.
function collect(what = "health") {
	return execFileSync(process.env.AIOPS_E2E_COLLECT, [what], {
		env: { ...process.env, AIOPS_CONFIG: process.env.AIOPS_E2E_CONFIG, AIOPS_COLLECT_TIMEOUT_MS: "1500" },
		stdio: ["ignore", "pipe", "pipe"],
	}).toString();
}

async function fake(name, settings) {
	const r = await fetch(`${process.env.AIOPS_E2E_FAKE}/_fake/clusters/${name}`, {
		method: "PUT",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify(settings),
	});
	assert.equal(r.status, 200, `fake-kube refused the settings of ${name}`);
}

/* csrfToken is the session's CSRF token, from the logout form every page carries. */
function csrfToken() {
	return page.inputValue('form[action="/logout"] input[name="csrf_token"]');
}

/* apiCluster registers a cluster through the JSON API with the browser's own session and CSRF
 * token, as a script on the page would, and returns it; apiDelete removes it again. */
async function apiCluster(fields) {
	const made = await page.evaluate(
	    async ([body, t]) => {
		    const r = await fetch("/api/v1/clusters", {
			    method: "POST",
			    headers: { "Content-Type": "application/json", "X-CSRF-Token": t },
			    body: JSON.stringify(body),
		    });
		    return [r.status, await r.json()];
	    },
	    [fields, await csrfToken()]);
	assert.equal(made[0], 201, JSON.stringify(made[1]));
	return made[1];
}

async function apiDelete(id) {
	const status = await page.evaluate(
	    async ([i, t]) => (await fetch(`/api/v1/clusters/${i}`, { method: "DELETE", headers: { "X-CSRF-Token": t } })).status,
	    [id, await csrfToken()]);
	assert.equal(status, 204);
}

step("the dashboard changes colour when a cluster goes down, without a reload", async () => {
	const fakeName = "live-" + TAG.slice(0, 10);
	await fake(fakeName, { fail: "none" });
	await goto("/");
	const made = await apiCluster({ name: fakeName, api_url: `${process.env.AIOPS_E2E_FAKE}/c/${fakeName}`,
		environment: "production", type: "kubernetes" });
	collect();
	await goto("/");
	await page.waitForSelector('#live[data-state="live"]');
	const unreachable = page.locator('.tile-status[data-status="unreachable"] .tile-value');
	const before = Number(await unreachable.innerText());
	await page.evaluate(() => {
		window.__notReloaded = true;
	});
	await fake(fakeName, { fail: "reset" });
	collect();
	await page.waitForFunction(
	    (n) => Number(document.querySelector('.tile-status[data-status="unreachable"] .tile-value').textContent) === n + 1,
	    before, { timeout: 10000 });
	assert.equal(await page.evaluate(() => window.__notReloaded), true, "the page was not reloaded");
	const row = page.locator('section[aria-label="Clusters needing attention"] tr', { hasText: fakeName });
	await row.waitFor();
	assert.match(await row.innerText(), /unreachable/);
	await shot("09b-home-live-down");
	// And back up: the tile goes back without a reload either.
	await fake(fakeName, { fail: "none" });
	collect();
	await page.waitForFunction(
	    (n) => Number(document.querySelector('.tile-status[data-status="unreachable"] .tile-value').textContent) === n,
	    before, { timeout: 10000 });
	await apiDelete(made.id);
});

/* pushDaemon stops or starts the stack's aiops-sse, as a restart on a deploy would. */
function pushDaemon(verb) {
	execFileSync("bash", ["-c", `. "$ROOT/tests/stack.sh" && stack_${verb}_sse "$AIOPS_E2E_DIR"`], { stdio: "inherit" });
}

step("while the push daemon is away the indicator says so, and the page catches up when it is back", async () => {
	await goto("/");
	await page.waitForSelector('#live[data-state="live"]');
	const total = page.locator(".tile-total .tile-value");
	const before = Number(await total.innerText());
	await page.evaluate(() => {
		window.__notReloaded = true;
	});
	expectFailure(EVENTS_URL);
	pushDaemon("stop");
	await page.waitForSelector('#live[data-state="reconnecting"]', { timeout: 10000 });
	await shot("09c-home-reconnecting");
	// A change made while it is away shows once it is back: the page fetches itself again.
	const made = await apiCluster({ name: "away-" + TAG.slice(0, 10), api_url: "https://api.away.example:6443",
		environment: "lab", type: "k3s" });
	assert.equal(Number(await total.innerText()), before, "nothing can reach the page while the daemon is away");
	pushDaemon("start");
	await page.waitForSelector('#live[data-state="live"]', { timeout: 20000 });
	await page.waitForFunction((n) => Number(document.querySelector(".tile-total .tile-value").textContent) === n + 1,
	    before, { timeout: 10000 });
	assert.equal(await page.evaluate(() => window.__notReloaded), true, "the page was not reloaded");
	await apiDelete(made.id);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fleet = {}; // name -> cluster, for the live steps and the screenshots

step("a fleet to look at: clusters ready, slow, degraded and down, checked twice", async () => {
	await goto("/clusters");
	const f = process.env.AIOPS_E2E_FAKE;
	const specs = [
		["ok", { fail: "none", latency_ms: 15 }, { environment: "production", type: "openshift", region: "us-east-1", labels: { team: "ml-platform", tier: "critical" }, has_gpu: true }],
		["slow", { fail: "none", latency_ms: 160 }, { environment: "staging", type: "kubernetes", region: "eu-west-1", labels: { team: "data" } }],
		["deg", { fail: "none", ready: false }, { environment: "development", type: "k3s", region: "lab-2" }],
		["down", { fail: "reset" }, { environment: "lab", type: "kubernetes", region: "ap-south-1" }],
	];
	for (const [k, fk, extra] of specs) {
		const name = `fleet-${k}-${TAG.slice(0, 8)}`;
		await fake(name, fk);
		fleet[k] = await apiCluster({ name, display_name: `Fleet ${k}`, api_url: `${f}/c/${name}`, ...extra });
	}
	collect();
	await sleep(1100);
	collect();
	await goto(`/clusters/${fleet.slow.id}`);
	assert.ok((await page.locator(".strip .cell").count()) >= 2, "two checks drawn");
});

step("a health check updates a list row from the event alone, and typing in the search box survives it", async () => {
	await goto("/clusters");
	await page.waitForSelector('#live[data-state="live"]');
	let fetches = 0;
	const count = (r) => {
		if (r.resourceType() === "fetch" && new URL(r.url()).pathname === "/clusters") fetches++;
	};
	page.on("request", count);
	try {
		const touched = await probes.watchParts(page);
		const box = page.locator("input[name=q]");
		await box.click();
		await page.keyboard.type("flee");
		const row = await rowFor(fleet.ok.name);
		const seen = await row.locator("time").getAttribute("datetime");
		await fake(fleet.ok.name, { fail: "none", latency_ms: 25 });
		await sleep(1100);
		collect(); // every cluster: CLUSTER_CHECKED, no status changed
		await page.waitForFunction(([id, s]) => {
			const t = document.querySelector(`tr[data-live-key="${id}"] time`);
			return t && t.getAttribute("datetime") !== s;
		}, [fleet.ok.id, seen], { timeout: 10000 });
		assert.match(await row.locator("time").innerText(), /^just now$/);
		await sleep(500);
		assert.equal(fetches, 0, "a health check is shown from the event, without fetching the page");
		assert.deepEqual(await touched(), [], "the same status, the same reason: nothing but times changed");
		// A new cluster is a row more, and the box keeps its text, focus and caret.
		const made = await apiCluster({ name: `flee-new-${TAG.slice(0, 8)}`, api_url: "https://api.new.example:6443", environment: "lab", type: "k3s" });
		await (await rowFor(`flee-new-${TAG.slice(0, 8)}`)).waitFor({ timeout: 10000 });
		await page.keyboard.type("t");
		assert.equal(await box.inputValue(), "fleet", "what was typed is still there, and typing goes on");
		assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.name), "q");
		await shot("15-list-live-typing");
		await apiDelete(made.id);
		await (await rowFor(`flee-new-${TAG.slice(0, 8)}`)).waitFor({ state: "detached", timeout: 10000 });
		assert.equal(await box.inputValue(), "fleet");
		// The other rows were never replaced: only the new row and the checked ones were touched.
		const after = await touched();
		const others = after.filter((k) => k !== made.id && !Object.values(fleet).some((c) => c.id === k) && !k.startsWith("part:"));
		assert.deepEqual(others, [], "no other row changed");
	} finally {
		page.off("request", count);
	}
});

step("a status change moves one dashboard tile and one attention row, nothing else", async () => {
	await goto("/");
	await page.waitForSelector('#live[data-state="live"]');
	const tile = (s) => page.evaluate((x) => Number(document.querySelector(`.tile-status[data-status="${x}"] .tile-value`).textContent), s);
	const before = { ready: await tile("ready"), down: await tile("unreachable") };
	const touched = await probes.watchParts(page);
	await fake(fleet.ok.name, { fail: "reset" });
	collect();
	await page.waitForFunction((n) => Number(document.querySelector('.tile-status[data-status="unreachable"] .tile-value').textContent) === n + 1,
	    before.down, { timeout: 10000 });
	await page.locator(`section[aria-label="Clusters needing attention"] tr[data-live-key="${fleet.ok.id}"]`).waitFor();
	assert.equal(await tile("ready"), before.ready - 1);
	await sleep(500);
	const t = await touched();
	const allowed = new Set(["status-ready", "status-unreachable", fleet.ok.id, "part:attention"]);
	assert.deepEqual(t.filter((k) => !allowed.has(k)), [], `only the two tiles and the new row changed: ${t}`);
	assert.ok(t.includes(fleet.ok.id));
	await shot("16-home-live-one-row");
	await fake(fleet.ok.name, { fail: "none", latency_ms: 15 });
	collect();
	await page.locator(`section[aria-label="Clusters needing attention"] tr[data-live-key="${fleet.ok.id}"]`).waitFor({ state: "detached", timeout: 10000 });
});

step("a cluster's page keeps its values current: latency, last check, last seen, the strip", async () => {
	await goto(`/clusters/${fleet.slow.id}`);
	await page.waitForSelector('#live[data-state="live"]');
	const checked = page.locator('time[data-field="checked_at"]');
	const at = await checked.getAttribute("datetime");
	assert.match(await checked.innerText(), /^\d{1,2}:\d{2}:\d{2}/, "the time of the last check is readable");
	const cells = await page.locator(".strip .cell").count();
	await fake(fleet.slow.name, { fail: "none", latency_ms: 420 });
	await sleep(1100);
	collect();
	await page.waitForFunction((a) => document.querySelector('time[data-field="checked_at"]').getAttribute("datetime") !== a, at, { timeout: 10000 });
	assert.match(await page.locator('[data-field="latency_ms"]').innerText(), /^4\d\d ms$/);
	assert.match(await page.locator('time[data-field="last_seen"]').innerText(), /^just now$/);
	await page.waitForFunction((n) => document.querySelectorAll(".strip .cell").length === n + 1, cells, { timeout: 10000 });
	// The chart's scale follows the data: 420 ms on a 500 ms axis, not a fixed one.
	assert.match(await page.locator(".latency .y-max").innerText(), /^500 ms$/);
	const ticks = await page.locator(".time-ticks time").allInnerTexts();
	assert.ok(ticks.length >= 2 && ticks.every((x) => /^\d{1,2}:\d{2}( [AP]M)?$/.test(x)), `time axis ${ticks}`);
	assert.equal(await page.locator(".time-ticks li").count(), cells + 1, "a slot under each cell");
	const title = await page.locator(".strip .cell").last().getAttribute("title");
	assert.match(title, /^\d{1,2}:\d{2}:\d{2}.*: ready, 4\d\d ms$/, `a cell's title reads ${title}`);
});

step("relative times tick while the page stays open", async () => {
	const p2 = await page.context().newPage();
	try {
		await p2.clock.install();
		await p2.goto(url(`/clusters/${fleet.ok.id}`));
		const seen = p2.locator('time[data-field="last_seen"]');
		assert.match(await seen.innerText(), /^(just now|1 min ago)$/);
		await p2.clock.fastForward("04:00");
		await p2.waitForFunction(() => /^[45] min ago$/.test(document.querySelector('time[data-field="last_seen"]').textContent), null, { timeout: 5000 });
	} finally {
		// The clock is the context's: give the pages that follow the real time again.
		await p2.clock.setSystemTime(new Date()).catch(() => {});
		await p2.close();
	}
});

step("a cluster deleted while its page is open says so and disables its actions", async () => {
	const made = await apiCluster({ name: `gone-${TAG.slice(0, 8)}`, api_url: "https://api.gone.example:6443", environment: "lab", type: "k3s" });
	await goto(`/clusters/${made.id}`);
	await page.waitForSelector('#live[data-state="live"]');
	await apiDelete(made.id);
	const note = page.locator("#gone");
	await note.waitFor({ timeout: 10000 });
	assert.match(await note.innerText(), /was deleted/);
	assert.equal(await note.locator('a[href="/clusters"]').count(), 1, "links back to the list");
	assert.equal(await page.locator("h1 .badge").innerText(), "deleted");
	const edit = page.locator("a.button", { hasText: "Edit" });
	assert.equal(await edit.getAttribute("href"), null);
	assert.equal(await edit.getAttribute("aria-disabled"), "true");
	assert.ok(await page.locator("button.danger").isDisabled(), "Delete is disabled");
	await shot("17-cluster-deleted");
	// Deleted while the feed was away: the page learns it from the 404 when it catches up.
	const other = await apiCluster({ name: `gone2-${TAG.slice(0, 8)}`, api_url: "https://api.gone2.example:6443", environment: "lab", type: "k3s" });
	await goto(`/clusters/${other.id}`);
	await page.waitForSelector('#live[data-state="live"]');
	expectFailure(`/events?types=${EVENTS_URL.split("types=")[1]}&clusters=${other.id}`);
	expectFailure(`/clusters/${other.id}`);
	pushDaemon("stop");
	await page.waitForSelector('#live[data-state="reconnecting"]', { timeout: 10000 });
	await apiDelete(other.id);
	pushDaemon("start");
	await page.locator("#gone").waitFor({ timeout: 20000 });
	assert.equal(await page.locator("a.button", { hasText: "Edit" }).getAttribute("aria-disabled"), "true");
});

step("a label chip filters by its label, and / goes to the search box", async () => {
	await goto(`/clusters`);
	const chip = (await rowFor(fleet.slow.name)).locator("a.chip", { hasText: "team=data" });
	await Promise.all([page.waitForURL((u) => u.searchParams.get("label") === "team=data"), chip.click()]);
	const names = await page.locator("#clusters-table tbody tr").evaluateAll((trs) => trs.map((t) => t.dataset.clusterName));
	assert.deepEqual(names, [fleet.slow.name]);
	await page.locator("h1").click();
	await page.keyboard.press("/");
	assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.name), "q");
	assert.equal(await page.inputValue("input[name=q]"), "", "the / is not typed into the box");
});

async function setTheme(theme) {
	await page.evaluate((t) => localStorage.setItem("aiops-theme", t), theme);
}

step("every badge and button reads at 4.5:1 or better, in both themes", async () => {
	const problems = [];
	for (const theme of ["light", "dark"]) {
		await setTheme(theme);
		for (const p of ["/", "/clusters", `/clusters/${fleet.ok.id}`, `/clusters/${fleet.deg.id}/edit`, "/alerts", "/settings", "/admin/users", "/admin/audit"]) {
			await goto(p);
			assert.equal(await page.getAttribute("html", "data-theme"), theme);
			for (const x of await probes.contrastProblems(page)) problems.push(`${theme} ${p}: ${x}`);
		}
	}
	await setTheme("light");
	assert.deepEqual(problems, []);
});

step("the edit page's two cards do not touch", async () => {
	await goto(`/clusters/${fleet.deg.id}/edit`);
	const gap = await page.evaluate(() => document.querySelector(".card.credentials").getBoundingClientRect().top -
	    document.querySelector("form.form").getBoundingClientRect().bottom);
	assert.ok(gap >= 12, `gap of ${gap}px`);
});

step("on a phone the dashboard's attention list and the list keep status and name in view; the live indicator is labelled", async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	try {
		await goto("/");
		await page.waitForSelector('#live[data-state="live"]');
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scroll");
		await probes.assertNameAndStatusInView(page, 'section[aria-label="Clusters needing attention"] tbody tr');
		const label = page.locator("#live .live-label");
		assert.ok(await label.isVisible(), "the live indicator has a visible label");
		assert.equal(await label.innerText(), "Live");
		await goto("/clusters");
		await probes.assertNameAndStatusInView(page, "#clusters-table tbody tr");
		await goto(`/clusters/${fleet.slow.id}`);
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scroll");
	} finally {
		await page.setViewportSize({ width: 1280, height: 900 });
	}
});

step("screenshots: dashboard, list and a cluster at 1440x900 and 390x844, light and dark", async () => {
	try {
		for (const theme of ["light", "dark"]) {
			await setTheme(theme);
			for (const [w, h] of [[1440, 900], [390, 844]]) {
				await page.setViewportSize({ width: w, height: h });
				for (const [name, p] of [["home", "/"], ["list", "/clusters"], ["cluster", `/clusters/${fleet.slow.id}`]]) {
					await goto(p);
					await page.waitForSelector('#live[data-state="live"]');
					await shot(`20-${name}-${w}-${theme}`);
				}
			}
		}
	} finally {
		await setTheme("light");
		await page.setViewportSize({ width: 1280, height: 900 });
	}
});

/* webhook posts an Alertmanager webhook body for cluster with its ingest token, as Alertmanager
 * does, and returns the receipt. */
async function webhook(cluster, token, alerts) {
	const r = await fetch(url(`/api/v1/alerts/webhook/${cluster}`), {
		method: "POST",
		headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
		body: JSON.stringify({ version: "4", status: "firing", receiver: "aiops", groupKey: "{}:{}", alerts }),
	});
	const text = await r.text();
	assert.equal(r.status, 200, `the webhook answered ${r.status}: ${text}`);
	return JSON.parse(text);
}

step("an alert arrives without a reload, is acknowledged with a comment, and the view exports as CSV", async () => {
	const name = "alerts-" + TAG.slice(0, 10);
	const made = await apiCluster({ name, api_url: "https://api." + name + ".example:6443", environment: "lab", type: "k3s" });
	const tok = await page.evaluate(
	    async ([i, t]) => {
		    const r = await fetch(`/api/v1/clusters/${i}/ingest-token`, { method: "POST", headers: { "X-CSRF-Token": t } });
		    return [r.status, await r.json()];
	    },
	    [made.id, await csrfToken()]);
	assert.equal(tok[0], 201, JSON.stringify(tok[1]));
	try {
		await goto(`/alerts?cluster=${name}`);
		await page.waitForSelector("#live[data-state=live]");
		assert.equal(await page.locator("#alerts-table tbody tr").count(), 0);
		await page.fill('input[name="q"]', "typed, not sent");
		await page.focus('input[name="q"]');
		const receipt = await webhook(name, tok[1].token, [{
			status: "firing", startsAt: new Date().toISOString(), endsAt: "0001-01-01T00:00:00Z",
			generatorURL: "http://prometheus.example:9090/graph?g0.expr=up",
			labels: { alertname: "GPUTemperatureHigh", severity: "critical", gpu: "2", instance: "gpu-worker-01" },
			annotations: { summary: "GPU 2 on gpu-worker-01 is at 91C <b>", runbook_url: "javascript:alert(1)" },
		}]);
		assert.equal(receipt.changed, 1);
		await page.waitForSelector("#alerts-table tbody tr", { timeout: 10000 });
		assert.equal(await page.inputValue('input[name="q"]'), "typed, not sent", "the search box kept its text");
		assert.match(await page.locator("#alerts-table tbody tr").first().innerText(), /GPUTemperatureHigh/);
		await shot("20-alerts-live");
		await page.click("#alerts-table tbody tr a");
		await page.waitForSelector("#ack-comment");
		assert.equal(await page.locator('a[href^="javascript:"]').count(), 0, "a javascript: runbook is no link");
		await page.fill("#ack-comment", "draining gpu-worker-01");
		await submitForm(/\/alerts\/\d+$/);
		assert.match(await page.locator(".flash").innerText(), /Acknowledged/);
		assert.match(await page.locator(".card.ack").innerText(), /draining gpu-worker-01/);
		await shot("21-alert-acked");
		await goto(`/alerts?cluster=${name}`);
		assert.equal(await page.locator("#alerts-table .badge.acked").count(), 1, "the list marks it acknowledged");
		const [download] = await Promise.all([page.waitForEvent("download"), page.click('a:has-text("CSV")')]);
		assert.match(download.suggestedFilename(), /^alerts-\d{8}-\d{6}\.csv$/);
		const csv = fs.readFileSync(await download.path(), "utf8");
		assert.match(csv, /^id,cluster,alertname,severity,status/);
		assert.match(csv, new RegExp(`,${name},GPUTemperatureHigh,critical,firing,`));
		await page.setViewportSize({ width: 390, height: 844 });
		await setTheme("dark");
		await goto(`/alerts?cluster=${name}`);
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scroll on a phone");
		await shot("22-alerts-phone-dark");
	} finally {
		await setTheme("light");
		await page.setViewportSize({ width: 1280, height: 900 });
		await apiDelete(made.id);
	}
});

step("an alert in a cluster's Alertmanager is silenced from its page, and shows as silenced", async () => {
	const name = "silence-" + TAG.slice(0, 10);
	const am = process.env.AIOPS_E2E_AM;
	const made = await apiCluster({ name, api_url: "https://api." + name + ".example:6443", environment: "lab",
		type: "k3s", alertmanager_url: am });
	try {
		// The alert reaches the Alertmanager only; the collector's reconciliation brings it in.
		const labels = { alertname: "NodeDiskFull", severity: "warning", instance: "worker-07-" + TAG };
		const posted = await fetch(`${am}/api/v2/alerts`, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify([{ labels, annotations: { summary: "disk on worker-07 is 97% full" },
				startsAt: new Date().toISOString() }]),
		});
		assert.equal(posted.status, 200, "Alertmanager took the alert");
		assert.match(collect("alerts"), /1 alert changed state/);
		await goto(`/alerts?cluster=${name}`);
		await page.click("#alerts-table tbody tr a");
		await page.waitForSelector("#sil-comment");
		await page.fill("#sil-hours", "1.5");
		await page.fill("#sil-comment", "replacing the disk of worker-07");
		await submitForm(/\/alerts\/\d+$/, "form.silence-form");
		assert.match(await page.locator(".flash").innerText(), /Silenced/);
		// The silence is in the cluster's own Alertmanager, with our comment and its matchers.
		const silences = await (await fetch(`${am}/api/v2/silences`)).json();
		const mine = silences.filter((x) => x.comment.includes("replacing the disk of worker-07"));
		assert.equal(mine.length, 1, JSON.stringify(silences));
		assert.equal(mine[0].status.state, "active");
		assert.ok(mine[0].matchers.some((m) => m.name === "instance" && m.value === labels.instance));
		// Alertmanager now lists the alert as suppressed; the next pass records it, and the pages say so.
		collect("alerts");
		await page.reload();
		assert.match(await page.locator("body").innerText(), new RegExp("Silenced by\\s+" + mine[0].id));
		assert.match(await page.locator("ol.timeline").innerText(), new RegExp("silenced by Alertmanager: " + mine[0].id));
		await shot("23-alert-silenced");
		await goto(`/alerts?cluster=${name}`);
		assert.equal(await page.locator("#alerts-table .badge.muted-by").count(), 1, "the list marks it silenced");
		await goto(`/alerts?cluster=${name}&state=silenced`);
		assert.equal(await page.locator("#alerts-table tbody tr").count(), 1, "and the silenced filter finds it");
	} finally {
		await apiDelete(made.id);
	}
});

step("the dark theme is chosen with the toggle and survives a reload", async () => {
	await goto("/clusters");
	const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
	await page.click("#theme-toggle");
	assert.equal(await page.getAttribute("html", "data-theme"), "dark");
	const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
	assert.notEqual(dark, light, "the page changed colour");
	await page.reload();
	assert.equal(await page.getAttribute("html", "data-theme"), "dark");
	assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), dark);
	assert.equal(await page.evaluate(() => localStorage.getItem("aiops-theme")), "dark");
	await goto("/");
	assert.equal(await page.getAttribute("html", "data-theme"), "dark");
	await shot("09-home-dark");
});

step("at phone width the list is cards with name and status in view", async () => {
	await page.setViewportSize({ width: 390, height: 844 });
	try {
		await goto("/clusters");
		const pageOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert.ok(pageOverflow <= 0, `the page is ${pageOverflow}px wider than the phone`);
		await probes.assertNameAndStatusInView(page, "#clusters-table tbody tr");
		await shot("10-list-phone");
		await goto(`/clusters/new`);
		assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
		await shot("11-form-phone");
	} finally {
		await page.setViewportSize({ width: 1280, height: 900 });
	}
});

step("delete asks first: cancel keeps the cluster, accept deletes it", async () => {
	assert.ok(clusterId, "needs the cluster");
	await goto(`/clusters/${clusterId}/edit`);
	assert.equal(await page.inputValue("#f-name"), NAME);
	await goto(`/clusters/${clusterId}`);
	const messages = [];
	page.once("dialog", (d) => {
		messages.push(d.message());
		d.dismiss();
	});
	await page.click("form[data-confirm] button[type=submit]");
	assert.equal(messages.length, 1, "a confirm dialog was shown");
	assert.match(messages[0], new RegExp(NAME));
	assert.equal(await page.evaluate(() => location.pathname), `/clusters/${clusterId}`);
	await goto(`/clusters/${clusterId}`);

	page.once("dialog", (d) => {
		messages.push(d.message());
		d.accept();
	});
	await Promise.all([page.waitForURL(/\/clusters(\?|$)/), page.click("form[data-confirm] button[type=submit]")]);
	assert.equal(messages.length, 2);
	const flash = page.locator(".flash");
	assert.match(await flash.innerText(), new RegExp(`${NAME} was deleted`));
	assert.equal(await (await rowFor(NAME)).count(), 0);
	await shot("12-deleted");
	// Gone for good: its page is a 404 now.
	await goto(`/clusters/${clusterId}`, 404);
	clusterId = null;
});

// The federated metrics' pages: the explorer and a cluster's charts (metrics.js).
require("./metrics.js")({ step, goto, shot, setTheme, apiCluster, watch, TAG, page: () => page });

step("a token is made, shown once, works for a program, and is revoked", async () => {
	await goto("/settings");
	await page.fill("#t-name", "e2e-" + TAG);
	await page.selectOption("#t-role", "viewer");
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
		page.click("#tokens button[type=submit]"),
	]);
	assert.equal(resp.status(), 303, "the form redirects: the address can be reloaded");
	await page.waitForURL(/\/settings(#tokens)?$/);
	await page.waitForLoadState("load");
	const token = (await page.textContent("#new-token")).trim();
	assert.match(token, /^aiops_[A-Za-z0-9_-]{43}$/);
	await shot("11-token");
	let me = await fetch(url("/api/v1/me"), { headers: { Authorization: "Bearer " + token } });
	assert.equal(me.status, 200);
	assert.equal((await me.json()).role, "viewer");
	await goto("/settings");
	assert.equal(await page.locator("#new-token").count(), 0, "the token is not shown again");
	const row = page.locator("#token-table tbody tr", { hasText: "e2e-" + TAG });
	page.once("dialog", (d) => d.accept());
	await Promise.all([
		page.waitForResponse((r) => r.request().method() === "GET" && r.url().endsWith("/settings")),
		row.locator("button.danger").click(),
	]);
	await page.waitForLoadState("load");
	assert.match(await page.textContent(".flash"), /was revoked/);
	assert.equal(await page.locator("#token-table tbody tr.revoked", { hasText: "e2e-" + TAG }).count(), 1);
	me = await fetch(url("/api/v1/me"), { headers: { Authorization: "Bearer " + token } });
	assert.equal(me.status, 401, "a revoked token stops working");
});

let viewerOtp = null;
step("an admin adds a viewer and hands over a one-time password", async () => {
	await goto("/admin/users");
	await page.fill("#u-name", "viewer-" + TAG.slice(0, 8));
	await page.selectOption("#u-role", "viewer");
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
		page.click("form.inline-form button[type=submit]"),
	]);
	assert.equal(resp.status(), 303, "the form redirects: the address can be reloaded");
	await page.waitForURL(/\/admin\/users$/);
	await page.waitForLoadState("load");
	viewerOtp = (await page.textContent("#otp")).trim();
	assert.ok(viewerOtp.length >= 20);
	await shot("12-users");
	await goto("/admin/audit");
	assert.ok(await page.locator("#audit-table tbody tr", { hasText: "user.create" }).count() >= 1,
	    "the audit page shows the new user");
	await shot("13-audit");
});

step("disabling a user asks first and says what happened", async () => {
	const name = "viewer-" + TAG.slice(0, 8);
	await goto("/admin/users");
	const row = () => page.locator(`#user-table tr[data-user="${name}"]`);
	let asked = null;
	page.once("dialog", (d) => { asked = d.message(); d.dismiss(); });
	await row().locator("button.danger").click();
	assert.match(asked || "", /^Disable /, "it asks first");
	assert.equal(await row().locator("s").count(), 0, "cancelled: still enabled");
	page.once("dialog", (d) => d.accept());
	await Promise.all([page.waitForURL(/\/admin\/users$/), row().locator("button.danger").click()]);
	await page.waitForLoadState("load");
	assert.match(await page.textContent(".flash"), /is disabled/);
	assert.equal(await row().locator("s").innerText(), name, "the name alone is struck through");
	await Promise.all([page.waitForURL(/\/admin\/users$/), row().locator("button", { hasText: "Enable" }).click()]);
	await page.waitForLoadState("load");
	assert.match(await page.textContent(".flash"), /enabled again/);
});

step("logging out ends the session", async () => {
	await Promise.all([page.waitForURL(/\/login$/), page.click("#logout")]);
	await goto("/clusters");
	assert.match(page.url(), /\/login\?next=/, "the pages ask to log in again");
});

step("a viewer sees no admin buttons, and the server refuses them anyway", async () => {
	await login("viewer-" + TAG.slice(0, 8), viewerOtp);
	await page.waitForURL(/must_change=1/);
	await changePassword(viewerOtp, VIEWER_PW);
	await goto("/clusters");
	assert.equal(await page.textContent(".user-box .badge"), "viewer");
	assert.equal(await page.locator('a[href="/clusters/new"]').count(), 0, "no Add cluster");
	assert.equal(await page.locator('nav a[href="/admin/users"]').count(), 0, "no Users page in the menu");
	await goto("/clusters/new", 403);
	await shot("14-viewer-forbidden");
	await goto("/clusters");
	await Promise.all([page.waitForURL(/\/login$/), page.click("#logout")]);
});

async function main() {
	fs.mkdirSync(OUT, { recursive: true });
	const ctx = await chromium.launchPersistentContext(PROFILE, {
		executablePath: CHROMIUM,
		headless: true,
		args: ARGS,
		colorScheme: "light",
		viewport: { width: 1280, height: 900 },
	});
	let passed = 0;
	let failed = 0;
	try {
		page = ctx.pages()[0] || (await ctx.newPage());
		page.setDefaultTimeout(15000);
		watch(page);
		for (const s of steps) {
			consoleErrors = [];
			expectedFailures.clear();
			try {
				await s.fn();
				// Let late console messages of this step arrive before judging it.
				await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
				if (consoleErrors.length) throw new Error(consoleErrors.join("\n"));
				passed++;
				console.log(`ok   ${s.name}`);
			} catch (e) {
				failed++;
				console.log(`FAIL ${s.name}\n     ${String(e && e.stack ? e.stack : e).split("\n").join("\n     ")}`);
				await page.screenshot({ path: path.join(OUT, `fail-${passed + failed}.png`), fullPage: true }).catch(() => {});
			}
		}
	} finally {
		if (clusterId) {
			// A failed run should not leave its cluster behind in a stack that is kept.
			await fetch(url(`/api/v1/clusters/${clusterId}`), { method: "DELETE" }).catch(() => {});
		}
		await ctx.close();
	}
	console.log(`e2e: ${passed} passed, ${failed} failed`);
	process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
	console.error(e);
	console.log("e2e: 0 passed, 1 failed");
	process.exit(1);
});
