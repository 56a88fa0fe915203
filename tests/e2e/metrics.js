// metrics.js: the e2e steps of the federated metrics' pages, registered into e2e.js's run: the
// explorer draws one expression across clusters from real Prometheus servers (run.sh starts them)
// and says which clusters answered and why the others did not (one too slow, one refusing, one with
// no Prometheus URL); its address reproduces the view in a fresh page and Back returns to the last
// one; the table view; a cluster's page charts its CPU and memory and says plainly when there is no
// data or no Prometheus; screenshots at desktop and phone sizes, light and dark.
"use strict";

const assert = require("node:assert/strict");
const probes = require("./probes.js");

module.exports = function register(t) {
	const { step, goto, shot, setTheme, apiCluster, watch } = t;
	const page = () => t.page();
	const tag = t.TAG.slice(0, 6);
	const mx = {}; // key -> cluster
	const EXPR = "sum by (cluster) (rate(prometheus_tsdb_head_samples_appended_total[30s]))";
	let view15 = null; // the address of the first view

	async function ran(p) {
		await p.waitForSelector("#x-result[data-state=done]", { timeout: 20000 });
	}

	// rerun does action and waits for the answer it brings (the next one the page shows).
	async function rerun(p, action) {
		const n = Number((await p.getAttribute("#x-result", "data-run")) || 0);
		await action();
		await p.waitForFunction((before) => {
			const r = document.getElementById("x-result");
			return Number(r.getAttribute("data-run") || 0) > before && r.getAttribute("data-state") === "done";
		}, n, { timeout: 20000 });
	}

	// outcomes reads the chips: {cluster: outcome}.
	async function outcomes(p) {
		return p.locator("#x-outcome .outcome-chip").evaluateAll((lis) =>
			Object.fromEntries(lis.map((li) => [li.getAttribute("data-cluster"), li.getAttribute("data-outcome")])));
	}

	async function legend(p) {
		return p.locator("#x-legend .legend-label").allInnerTexts();
	}

	// formState is what the form holds, as a person would read it.
	async function formState(p) {
		return p.evaluate(() => {
			const f = document.getElementById("explore-form");
			return {
				query: f.elements.query.value,
				clusters: [...f.querySelectorAll("input[name=cluster]:checked")].map((b) => b.value).sort(),
				range: f.querySelector("input[name=range]:checked").value,
				start: f.elements.start.value,
				end: f.elements.end.value,
				view: f.querySelector("input[name=view]:checked").value,
			};
		});
	}

	step("metrics: clusters with real Prometheus servers, a slow one, a refusing one and one without", async () => {
		await goto("/clusters");
		const fp = process.env.AIOPS_E2E_FAKE_PROM;
		const specs = [
			["a", process.env.AIOPS_E2E_PROM_A, true],
			["b", process.env.AIOPS_E2E_PROM_B, false],
			["slow", `${fp}/delay/30000/c/slow/`, false],
			["err", `${fp}/prom-error/execution/c/err/`, false],
			["none", null, false],
		];
		for (const [k, prom, gpu] of specs) {
			const fields = { name: `mx-${k}-${tag}`, api_url: `https://api.mx-${k}.example:6443`, environment: "production",
				type: "openshift", has_gpu: gpu };
			if (prom) fields.prometheus_url = prom;
			mx[k] = await apiCluster(fields);
		}
		// Until both servers have scraped enough for a rate over 30 s.
		for (const prom of [process.env.AIOPS_E2E_PROM_A, process.env.AIOPS_E2E_PROM_B]) {
			let n = 0;
			for (let i = 0; i < 60 && n === 0; i++) {
				const r = await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(EXPR)}`);
				n = (await r.json()).data.result.length;
				if (n === 0) await new Promise((res) => setTimeout(res, 500));
			}
			assert.ok(n > 0, `${prom} has a rate to draw`);
		}
	});

	step("the explorer offers names as one types, draws the expression across clusters and says which answered", async () => {
		const p = page();
		await goto("/metrics/explore");
		assert.equal(await p.locator('.topbar .nav a[href="/metrics/explore"].active').count(), 1, "Metrics is the current menu entry");
		await p.click("#x-query");
		await p.keyboard.type("prometheus_tsdb_head_samples_app");
		await p.waitForSelector("#x-suggest:not([hidden]) .suggest-item");
		assert.equal(await p.locator("#x-suggest .suggest-item .suggest-text").first().innerText(),
		    "prometheus_tsdb_head_samples_appended_total", "the fleet's metric names are offered");
		await p.keyboard.press("Tab");
		assert.equal(await p.inputValue("#x-query"), "prometheus_tsdb_head_samples_appended_total", "Tab takes the name");
		await p.fill("#x-query", EXPR);
		await p.click("#x-clusters summary");
		for (const k of ["a", "b", "slow", "err", "none"]) {
			await p.fill("#x-cluster-filter", mx[k].name);
			await p.check(`#x-cluster-list input[value="${mx[k].name}"]`);
		}
		await p.fill("#x-cluster-filter", "");
		await p.click("#x-clusters summary");
		assert.match(await p.innerText("#x-clusters-label"), /^5 of \d+$/);
		await p.click('#x-range input[value="15m"] + span');
		await rerun(p, () => p.click("#x-run"));
		const line = await p.innerText("#x-outcome .outcome-line strong");
		assert.match(line, /^2 of 5 clusters answered; /, line);
		assert.match(line, new RegExp(`${mx.slow.name} timed out after 5 s`), line);
		assert.match(line, new RegExp(`${mx.none.name} has no Prometheus URL`), line);
		assert.match(line, new RegExp(`${mx.err.name} Prometheus refused it: execution`), line);
		assert.deepEqual(await outcomes(p), { [mx.err.name]: "prometheus_error", [mx.none.name]: "skipped",
			[mx.slow.name]: "timeout", [mx.a.name]: "ok", [mx.b.name]: "ok" });
		// A colour per outcome: answered, too slow, refused and skipped differ.
		const colours = await p.locator("#x-outcome .outcome-chip").evaluateAll((lis) =>
			Object.fromEntries(lis.map((li) => [li.getAttribute("data-outcome"), getComputedStyle(li).borderLeftColor])));
		assert.equal(new Set(Object.values(colours)).size, 4, JSON.stringify(colours));
		assert.match(await p.innerText("#x-outcome .outcome-line"), /the fleet's answer \(sum across clusters\)/);
		assert.equal(await p.locator("#x-chart canvas").count() > 0, true, "a chart is drawn");
		assert.deepEqual((await legend(p)).sort(), [`{cluster="${mx.a.name}"}`, `{cluster="${mx.b.name}"}`],
		    "one line per cluster that answered");
		assert.ok(Number(await p.getAttribute("#x-chart", "data-points")) > 10, "with points on it");
		const u = new URL(p.url());
		assert.equal(u.searchParams.get("query"), EXPR);
		assert.deepEqual(u.searchParams.getAll("cluster").sort(), ["a", "b", "err", "none", "slow"].map((k) => mx[k].name).sort());
		assert.equal(u.searchParams.get("range"), "15m");
		view15 = p.url();
		await shot("30-explore-1280-light");
	});

	step("the explorer's address reproduces the view in a fresh page, and Back returns to the last one", async () => {
		const p = page();
		await rerun(p, () => p.click('#x-range input[value="custom"] + span'));
		assert.ok(await p.isVisible("#x-start"), "the custom range shows its times");
		// Choosing Custom offers the last hour to the minute; these servers may be younger than
		// that minute, so the range ends a few seconds ago (to the second).
		// Chromium writes a datetime-local value without its seconds when they are :00, and fill
		// refuses a value that does not read back the same: so does this.
		const utc = (ms) => new Date(ms).toISOString().slice(0, 19).replace(/:00$/, "");
		await p.fill("#x-start", utc(Date.now() - 10 * 60000));
		await p.fill("#x-end", utc(Date.now() - 5000));
		await rerun(p, () => p.click("#x-run"));
		const u = new URL(p.url());
		assert.equal(u.searchParams.get("range"), "custom");
		assert.ok(u.searchParams.get("start") && u.searchParams.get("end"), "with both times in the address");
		const want = { form: await formState(p), legend: (await legend(p)).sort(), outcomes: await outcomes(p),
			points: await p.getAttribute("#x-chart", "data-points") };
		assert.ok(Number(want.points) > 0, "the custom range has points to compare");
		const fresh = await p.context().newPage();
		watch(fresh);
		try {
			await fresh.goto(p.url());
			await ran(fresh);
			assert.deepEqual(await formState(fresh), want.form, "the server renders the same form from the address");
			assert.deepEqual((await legend(fresh)).sort(), want.legend, "the same series");
			assert.deepEqual(await outcomes(fresh), want.outcomes, "the same outcomes");
			assert.equal(await fresh.getAttribute("#x-chart", "data-points"), want.points, "the same points");
		} finally {
			await fresh.close();
		}
		await rerun(p, () => p.goBack()); // the range Custom offered
		await rerun(p, () => p.goBack());
		assert.equal(p.url(), view15);
		assert.equal((await formState(p)).range, "15m", "Back brings the form of the last view");
		assert.ok(await p.isHidden("#x-custom"), "without the custom times");
	});

	step("the explorer's table shows each series' value at the end of the range", async () => {
		const p = page();
		await rerun(p, () => p.click('#x-view input[value="table"] + span'));
		assert.equal(new URL(p.url()).searchParams.get("view"), "table");
		assert.ok(await p.isHidden("#x-chart"), "the chart gives way to the table");
		const cells = await p.locator("#x-table-rows tbody td:first-child").allInnerTexts();
		assert.deepEqual(cells.sort(), [mx.a.name, mx.b.name].sort());
		assert.match(await p.innerText("#x-outcome .outcome-line"), /at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
		await shot("31-explore-table-1280-light");
	});

	step("a cluster's page charts its CPU and memory, and says when there is no data or no Prometheus", async () => {
		const p = page();
		await goto(`/clusters/${mx.a.id}`);
		for (const k of ["cpu", "memory"]) await p.waitForSelector(`#chart-${k} canvas`, { timeout: 15000 });
		assert.match(await p.innerText("#chart-cpu .chart-now"), /%$/, "the latest CPU figure beside its title");
		await p.waitForSelector("#chart-apiserver .chart-state[data-state=empty]");
		assert.match(await p.innerText("#chart-apiserver .chart-state"), /^No data/);
		await p.waitForSelector("#chart-gpu .chart-state[data-state=empty]");
		await goto(`/clusters/${mx.none.id}`);
		const states = await p.locator(".metric-chart .chart-state").evaluateAll((ps) => ps.map((x) => x.getAttribute("data-state")));
		assert.deepEqual(states, ["skipped", "skipped", "skipped"], "no GPU chart, and each other says why it is empty");
		assert.match(await p.innerText("#chart-cpu .chart-state"), /No Prometheus URL/);
		await goto(`/clusters/${mx.slow.id}`);
		await p.waitForSelector("#chart-cpu .chart-state[data-state=error]", { timeout: 15000 });
		assert.match(await p.innerText("#chart-cpu .chart-state"), /timed out after 5 s/);
	});

	step("the explorer and a cluster's charts at 1440x900 and 390x844, light and dark, every button readable", async () => {
		const p = page();
		const problems = [];
		try {
			for (const theme of ["light", "dark"]) {
				await setTheme(theme);
				for (const [w, h] of [[1440, 900], [390, 844]]) {
					await p.setViewportSize({ width: w, height: h });
					await goto(view15.slice(view15.indexOf("/metrics/")));
					await ran(p);
					assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scroll");
					for (const x of await probes.contrastProblems(p)) problems.push(`${theme} ${w} explorer: ${x}`);
					await shot(`32-explore-${w}-${theme}`);
					await goto(`/clusters/${mx.a.id}`);
					await p.waitForSelector("#chart-cpu canvas", { timeout: 15000 });
					await p.waitForSelector("#chart-apiserver .chart-state");
					await shot(`33-cluster-charts-${w}-${theme}`);
				}
			}
		} finally {
			await setTheme("light");
			await p.setViewportSize({ width: 1280, height: 900 });
		}
		assert.deepEqual(problems, []);
	});
};
