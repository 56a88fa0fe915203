// probes.js: what e2e.js measures inside the page: whether rows keep name and status in view,
// which live parts an update touched, and the contrast of every badge and button.
"use strict";

const assert = require("node:assert/strict");

/* assertNameAndStatusInView checks that every row matched by sel shows its name link and its
 * status badge inside the viewport, without scrolling sideways. */
async function assertNameAndStatusInView(page, sel) {
	const rows = await page.locator(sel).evaluateAll((trs) => trs.map((tr) => {
		const box = (el) => (el ? el.getBoundingClientRect() : null);
		const name = box(tr.querySelector("a"));
		const status = box(tr.querySelector(".badge[class*=status-]"));
		return { text: tr.innerText.slice(0, 40), name: name && [name.left, name.right, name.width], status: status && [status.left, status.right, status.width] };
	}));
	assert.ok(rows.length > 0, `rows for ${sel}`);
	const w = await page.evaluate(() => window.innerWidth);
	for (const r of rows) {
		assert.ok(r.name && r.name[0] >= 0 && r.name[1] <= w && r.name[2] > 0, `name in view: ${JSON.stringify(r)}`);
		assert.ok(r.status && r.status[0] >= 0 && r.status[1] <= w && r.status[2] > 0, `status in view: ${JSON.stringify(r)}`);
	}
}

/* watchParts starts recording which keyed nodes (data-live-key, else the live part) the page
 * changes from now on; touched() returns their keys. Times are left out: they tick by themselves,
 * and a last-seen time moves on every health check of its cluster. */
async function watchParts(page) {
	await page.evaluate(() => {
		window.__touched = new Set();
		window.__reloadedNodes = 0;
		const keyOf = (n) => {
			const el = n.nodeType === 1 ? n : n.parentElement;
			const k = el && el.closest("[data-live-key], [data-live-part]");
			return k ? k.getAttribute("data-live-key") || "part:" + k.getAttribute("data-live-part") : "outside:" + (el ? el.outerHTML.slice(0, 80) : n.nodeName);
		};
		new MutationObserver((list) => {
			for (const m of list) {
				const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
				if (el && el.closest("time")) continue;
				// style: app.js sizes bars with it, and a screenshot hides the caret with it.
				if (m.type === "attributes" && m.attributeName === "style") continue;
				for (const n of m.addedNodes) window.__touched.add(keyOf(n));
				for (const n of m.removedNodes) if (n.nodeType === 1 && n.hasAttribute("data-live-key")) window.__touched.add(n.getAttribute("data-live-key"));
				if (m.type !== "childList" || m.addedNodes.length === 0) window.__touched.add(keyOf(m.target));
			}
		}).observe(document.getElementById("main"), { subtree: true, childList: true, attributes: true, characterData: true });
	});
	return async () => page.evaluate(() => [...window.__touched].sort());
}

/* contrastProblems lists the badges and buttons of the page whose text is under 4.5:1 against
 * what is behind them (WCAG AA), from computed styles. */
function contrastProblems(page) {
	return page.evaluate(() => {
		const rgb = (c) => {
			const m = c.match(/rgba?\(([^)]+)\)/);
			if (!m) return null;
			const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
			return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
		};
		const lum = (c) => {
			const f = (v) => {
				v /= 255;
				return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
			};
			return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
		};
		const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
		const behind = (el) => {
			const layers = [];
			for (let e = el; e; e = e.parentElement) {
				const c = rgb(getComputedStyle(e).backgroundColor);
				if (c && c.a > 0) {
					layers.push(c);
					if (c.a >= 1) break;
				}
			}
			let bg = { r: 255, g: 255, b: 255, a: 1 };
			for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
			return bg;
		};
		const out = [];
		for (const el of document.querySelectorAll(".badge, .button, button, .chip")) {
			if (!el.getClientRects().length || el.disabled || el.getAttribute("aria-disabled") === "true") continue;
			if (!el.textContent.trim()) continue;
			const bg = behind(el);
			const fg = over(rgb(getComputedStyle(el).color), bg);
			const a = lum(fg), b = lum(bg);
			const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
			if (ratio < 4.5) out.push(`${el.className || el.tagName} "${el.textContent.trim().slice(0, 20)}": ${ratio.toFixed(2)}:1`);
		}
		return out;
	});
}

module.exports = { assertNameAndStatusInView, watchParts, contrastProblems };
