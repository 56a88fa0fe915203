/* explore.js: the metrics explorer (/metrics/explore). The server renders the form from the
 * address; this runs it: the expression against /api/v1/metrics/query_range (graph) or
 * /api/v1/metrics/query at the range's end (table), drawn with charts.js, with what each cluster
 * did. Running puts the form into the address (query, cluster, selector, range or start and end,
 * step, view), so the address reproduces the view, and Back goes to the previous one. The
 * expression box offers the fleet's metric names, label names and PromQL's words as one types. */
(function () {
	"use strict";

	var C = window.AiopsCharts;
	var form = document.getElementById("explore-form");
	if (!form || !C || !window.uPlot) return;

	var box = document.getElementById("x-query");
	var suggest = document.getElementById("x-suggest");
	var outcome = document.getElementById("x-outcome");
	var errorBox = document.getElementById("x-error");
	var chartBox = document.getElementById("x-chart");
	var legend = document.getElementById("x-legend");
	var common = document.getElementById("x-common");
	var tableBox = document.getElementById("x-table");
	var result = document.getElementById("x-result");
	var picker = document.getElementById("x-clusters");
	var pickerLabel = document.getElementById("x-clusters-label");
	var filter = document.getElementById("x-cluster-filter");
	var custom = document.getElementById("x-custom");
	var RANGES = { "15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 604800 };
	var current = null; /* the chart drawn */
	var inflight = null; /* the AbortController of the query being asked */
	var runs = 0; /* answers shown so far, in data-run (a test waits for the next one) */

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined) e.textContent = text;
		return e;
	}

	function checked(name) {
		var r = form.querySelector("input[name=" + name + "]:checked");
		return r ? r.value : "";
	}

	function boxes() {
		return Array.prototype.slice.call(form.querySelectorAll("input[name=cluster]"));
	}

	/* ---- The form and the address ---------------------------------------------------------- */

	function readForm() {
		return {
			query: box.value.trim(),
			clusters: boxes().filter(function (b) { return b.checked; }).map(function (b) { return b.value; }),
			selector: form.elements.selector.value.trim(),
			range: checked("range") || "1h",
			start: form.elements.start.value,
			end: form.elements.end.value,
			step: form.elements.step.value.trim(),
			view: checked("view") || "graph",
		};
	}

	function search(s) {
		var q = new URLSearchParams();
		if (s.query) q.set("query", s.query);
		s.clusters.forEach(function (c) { q.append("cluster", c); });
		if (s.selector) q.set("selector", s.selector);
		q.set("range", s.range);
		if (s.range === "custom") {
			q.set("start", s.start);
			q.set("end", s.end);
		}
		if (s.step) q.set("step", s.step);
		if (s.view !== "graph") q.set("view", s.view);
		return "?" + q.toString();
	}

	/* fillForm sets the form from an address's query string (Back and Forward). */
	function fillForm(qs) {
		var q = new URLSearchParams(qs);
		var names = [];
		q.getAll("cluster").forEach(function (v) { names = names.concat(v.split(",")); });
		box.value = q.get("query") || "";
		fit();
		boxes().forEach(function (b) { b.checked = names.indexOf(b.value) >= 0; });
		form.elements.selector.value = q.get("selector") || "";
		var range = q.get("range") || (q.get("start") && q.get("end") ? "custom" : "1h");
		var r = form.querySelector("input[name=range][value='" + range + "']");
		if (r) r.checked = true;
		form.elements.start.value = (q.get("start") || "").replace(/Z$/i, "");
		form.elements.end.value = (q.get("end") || "").replace(/Z$/i, "");
		form.elements.step.value = q.get("step") || "";
		var v = form.querySelector("input[name=view][value='" + (q.get("view") || "graph") + "']");
		if (v) v.checked = true;
		shown();
	}

	/* utc reads a datetime-local value as UTC, or Unix seconds; NaN when it is neither. */
	function utc(v) {
		if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
		return Date.parse(v.replace(/Z$/i, "") + "Z") / 1000;
	}

	function pad(n) {
		return (n < 10 ? "0" : "") + n;
	}

	function localValue(t) {
		var d = new Date(t * 1000);
		return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + "T" +
			pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
	}

	/* window_ is the range in Unix seconds, or a message saying what is wrong with it. */
	function timeWindow(s) {
		if (s.range !== "custom") {
			var end = Math.floor(Date.now() / 1000);
			return { start: end - RANGES[s.range], end: end };
		}
		var a = utc(s.start), b = utc(s.end);
		if (isNaN(a) || isNaN(b)) return { why: "A custom range needs both times, From and To." };
		if (b <= a) return { why: "The range must end after it starts." };
		return { start: a, end: b };
	}

	/* shown matches what is visible to the form: the custom times, the graph or the table, and the
	 * picker's summary. */
	function shown() {
		var range = checked("range");
		custom.hidden = range !== "custom";
		var graph = checked("view") !== "table";
		chartBox.hidden = !graph;
		legend.hidden = !graph;
		if (!graph) common.hidden = true;
		tableBox.hidden = graph;
		var all = boxes();
		var n = all.filter(function (b) { return b.checked; }).length;
		pickerLabel.textContent = n === 0 ? "all " + all.length : n + " of " + all.length;
	}

	/* ---- Running --------------------------------------------------------------------------- */

	function fail(text) {
		errorBox.textContent = text;
		errorBox.hidden = false;
		result.setAttribute("data-state", "error");
		result.setAttribute("data-run", String(++runs));
	}

	/* showOutcome writes the sentence, the mode and a chip per cluster (those that did not
	 * answer first), and Prometheus's warnings. */
	function showOutcome(body, series, at) {
		outcome.textContent = "";
		var line = el("p", "outcome-line");
		var all = body.clusters || [];
		line.appendChild(el("strong", body.answered === body.asked ? "all-answered" : "some-missing", C.summary(body)));
		var mode = body.mode === "fleet" ? "the fleet's answer (" + (body.aggregation || "aggregated") + " across clusters)"
			: body.mode === "per_cluster" ? "one answer per cluster" : "";
		var meta = [];
		if (mode) meta.push(mode);
		meta.push(series + " series");
		if (at) meta.push("at " + new Date(at * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC");
		if (body.cached) meta.push("from the cache");
		line.appendChild(el("span", "muted", " · " + meta.join(" · ")));
		outcome.appendChild(line);
		var ul = el("ul", "outcome-list");
		ul.setAttribute("aria-label", "Each cluster's outcome");
		all.slice().sort(function (a, b) {
			var x = a.outcome === "ok" ? 1 : 0, y = b.outcome === "ok" ? 1 : 0;
			return x - y || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
		}).forEach(function (c) {
			var li = el("li", "outcome-chip " + C.outcomeClass(c.outcome));
			li.setAttribute("data-cluster", c.name);
			li.setAttribute("data-outcome", c.outcome);
			li.title = c.name + " " + C.phrase(c) + (c.outcome === "ok" ? ", " + c.series + " series" : "");
			li.appendChild(el("span", "outcome-name", c.name));
			li.appendChild(el("span", "outcome-what", c.outcome === "ok" ? Math.round(c.ms) + " ms"
				: c.outcome === "timeout" ? "timed out" : c.outcome.replace("_", " ")));
			ul.appendChild(li);
		});
		outcome.appendChild(ul);
		if (body.warnings && body.warnings.length) {
			var w = el("ul", "warnings");
			w.setAttribute("aria-label", "Prometheus's warnings");
			body.warnings.forEach(function (t) { w.appendChild(el("li", "", t)); });
			outcome.appendChild(w);
		}
	}

	function empty(where, text) {
		where.textContent = "";
		where.appendChild(el("p", "chart-state", text));
	}

	/* drawTable shows an instant vector: one row per series, the largest value first. */
	function drawTable(res) {
		tableBox.textContent = "";
		var rows = (res || []).map(function (s) {
			return { metric: s.metric || {}, v: s.value ? Number(s.value[1]) : NaN, raw: s.value ? s.value[1] : "" };
		}).sort(function (a, b) {
			return (isNaN(b.v) ? -Infinity : b.v) - (isNaN(a.v) ? -Infinity : a.v);
		});
		if (rows.length === 0) {
			empty(tableBox, "No series: the clusters that answered have no data for this expression at this time.");
			return;
		}
		var t = el("table", "table explore-table");
		t.id = "x-table-rows";
		var head = el("tr");
		["Cluster", "Series", "Value"].forEach(function (h) {
			var th = el("th", "", h);
			th.scope = "col";
			head.appendChild(th);
		});
		t.appendChild(el("thead")).appendChild(head);
		var body = el("tbody");
		rows.forEach(function (r) {
			var tr = el("tr");
			tr.appendChild(el("td", "", r.metric.cluster || "–"));
			var labels = el("td", "labels");
			var m = {};
			Object.keys(r.metric).forEach(function (k) { if (k !== "cluster") m[k] = r.metric[k]; });
			labels.appendChild(el("code", "", C.seriesName(m)));
			tr.appendChild(labels);
			var v = el("td", "num", r.raw);
			v.title = r.raw;
			tr.appendChild(v);
			body.appendChild(tr);
		});
		t.appendChild(body);
		tableBox.appendChild(t);
	}

	function drawChart(res, w) {
		if (current) current.destroy();
		current = null;
		legend.textContent = "";
		common.hidden = true;
		chartBox.removeAttribute("data-series");
		chartBox.removeAttribute("data-points");
		if (!res || res.length === 0) {
			empty(chartBox, "No series: the clusters that answered have no data for this expression in this range.");
			return;
		}
		var narrow = window.matchMedia && window.matchMedia("(max-width: 640px)").matches;
		chartBox.textContent = "";
		current = C.chart(chartBox, res, { height: narrow ? 240 : 340, legend: legend, utc: true, unit: "",
			from: w.start, to: w.end });
		chartBox.setAttribute("data-series", String(current.count));
		chartBox.setAttribute("data-points", String(current.points));
		common.textContent = "";
		common.hidden = !current.common;
		if (current.common) {
			common.appendChild(document.createTextNode("Every series has "));
			common.appendChild(el("code", "", current.common));
		}
		if (current.total > current.count) {
			var li = el("li", "legend-more muted", "Showing " + current.count + " of " + current.total +
				" series; narrow the expression (by, topk) to see the rest.");
			legend.appendChild(li);
		}
	}

	/* run asks the API for the form's view and draws the answer. */
	function run() {
		var s = readForm();
		errorBox.hidden = true;
		if (!s.query) {
			result.setAttribute("data-state", "idle");
			outcome.textContent = "";
			outcome.appendChild(el("p", "muted", "Type an expression and press Run."));
			return;
		}
		var w = timeWindow(s);
		if (w.why) {
			fail(w.why);
			return;
		}
		if (inflight) inflight.abort();
		inflight = window.AbortController ? new AbortController() : null;
		var mine = inflight;
		var params = { query: s.query, cluster: s.clusters, selector: s.selector };
		var kind;
		if (s.view === "table") {
			kind = "query";
			params.time = w.end;
		} else {
			kind = "query_range";
			params.start = w.start;
			params.end = w.end;
			params.step = s.step || C.stepFor(w.end - w.start);
		}
		result.setAttribute("data-state", "loading");
		result.setAttribute("aria-busy", "true");
		C.api(kind, params, mine ? mine.signal : undefined).then(function (res) {
			if (mine !== inflight) return;
			inflight = null;
			result.removeAttribute("aria-busy");
			if (res.status !== 200 || !res.body || res.body.status !== "success") {
				fail(C.errorText(res));
				return;
			}
			var data = res.body.data || {};
			var list = data.result || [];
			showOutcome(res.body, list.length, kind === "query" ? w.end : null);
			if (kind === "query") drawTable(list);
			else drawChart(list, w);
			result.setAttribute("data-kind", kind);
			result.setAttribute("data-state", "done");
			result.setAttribute("data-run", String(++runs));
		}, function (e) {
			if (e && e.name === "AbortError") return;
			result.removeAttribute("aria-busy");
			fail("The metrics API could not be reached; try again.");
		});
	}

	/* apply puts the form in the address (a new history entry when it changed) and runs it. */
	function apply() {
		var q = search(readForm());
		if (q !== window.location.search) window.history.pushState(null, "", window.location.pathname + q);
		run();
	}

	form.addEventListener("submit", function (e) {
		e.preventDefault();
		closeSuggest();
		apply();
	});

	form.addEventListener("change", function (e) {
		var t = e.target;
		if (t.name === "range") {
			if (t.value === "custom" && (!form.elements.start.value || !form.elements.end.value)) {
				var end = Math.floor(Date.now() / 60000) * 60;
				form.elements.start.value = localValue(end - 3600);
				form.elements.end.value = localValue(end);
			}
			shown();
			if (box.value.trim()) apply();
		} else if (t.name === "view") {
			shown();
			if (box.value.trim()) apply();
		} else if (t.name === "cluster") {
			shown();
		}
	});

	/* The picker's choice applies when it closes, if it changed. */
	var pickedBefore = "";
	picker.addEventListener("toggle", function () {
		var now = readForm().clusters.join(",");
		if (picker.open) {
			pickedBefore = now;
			if (!filter.hidden) filter.focus();
		} else if (now !== pickedBefore && box.value.trim()) {
			apply();
		}
	});

	picker.addEventListener("click", function (e) {
		var b = e.target.closest ? e.target.closest("button[data-pick]") : null;
		if (!b) return;
		var all = b.getAttribute("data-pick") === "all";
		boxes().forEach(function (x) {
			if (!x.closest("li").hidden) x.checked = all;
		});
		shown();
	});

	if (boxes().length > 8) filter.hidden = false;
	filter.addEventListener("input", function () {
		var f = filter.value.trim().toLowerCase();
		form.querySelectorAll("#x-cluster-list li").forEach(function (li) {
			li.hidden = f !== "" && li.getAttribute("data-name").indexOf(f) < 0;
		});
	});

	document.addEventListener("keydown", function (e) {
		if (e.key === "Escape" && picker.open) {
			picker.open = false;
			picker.querySelector("summary").focus();
		}
	});

	window.addEventListener("popstate", function () {
		fillForm(window.location.search);
		run();
	});

	/* ---- Suggestions as one types ---------------------------------------------------------- */

	var WORDS = ["sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile",
		"count_values", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or",
		"unless", "rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "histogram_quantile",
		"abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "absent", "absent_over_time",
		"changes", "resets", "label_replace", "label_join", "sort", "sort_desc", "time", "timestamp", "vector",
		"scalar", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
		"quantile_over_time", "last_over_time", "stddev_over_time", "present_over_time"];
	var names = null; /* {metrics: [...], labels: [...]} once asked */
	var asking = false;
	var items = [];
	var active = -1;

	function loadNames() {
		if (names || asking) return;
		asking = true;
		Promise.all([C.api("label/__name__/values", {}), C.api("labels", {})]).then(function (r) {
			var list = function (res) {
				return res.status === 200 && res.body && Array.isArray(res.body.data) ? res.body.data : [];
			};
			names = { metrics: list(r[0]), labels: list(r[1]) };
			asking = false;
			if (document.activeElement === box) offer();
		}, function () {
			asking = false;
		});
	}

	/* context is the word before the caret and whether labels (inside {} or by (...)) fit there. */
	function context() {
		var before = box.value.slice(0, box.selectionStart);
		var m = /[A-Za-z_:][A-Za-z0-9_:]*$/.exec(before);
		var word = m ? m[0] : "";
		var head = before.slice(0, before.length - word.length);
		var open = head.lastIndexOf("{"), close = head.lastIndexOf("}");
		var inBraces = open > close && !/"[^"]*$/.test(head.slice(open));
		var inGrouping = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*$/.test(head);
		var quoted = (head.match(/"/g) || []).length % 2 === 1;
		return { word: word, labels: inBraces || inGrouping, quoted: quoted, at: before.length - word.length };
	}

	function closeSuggest() {
		suggest.hidden = true;
		suggest.textContent = "";
		items = [];
		active = -1;
		box.setAttribute("aria-expanded", "false");
		box.removeAttribute("aria-activedescendant");
	}

	function mark(i) {
		var lis = suggest.children;
		for (var k = 0; k < lis.length; k++) lis[k].setAttribute("aria-selected", k === i ? "true" : "false");
		active = i;
		if (i >= 0 && lis[i]) {
			box.setAttribute("aria-activedescendant", lis[i].id);
			lis[i].scrollIntoView({ block: "nearest" });
		} else {
			box.removeAttribute("aria-activedescendant");
		}
	}

	/* offer lists up to 40 names that fit the word at the caret, those that start with it first. */
	function offer() {
		var c = context();
		if (!names || c.quoted || c.word.length < 1) {
			closeSuggest();
			return;
		}
		var w = c.word.toLowerCase();
		var pool = c.labels ? names.labels.map(function (n) { return { text: n, kind: "label" }; })
			: names.metrics.map(function (n) { return { text: n, kind: "metric" }; })
				.concat(WORDS.map(function (n) { return { text: n, kind: "promql" }; }));
		var starts = [], inside = [];
		pool.forEach(function (p) {
			var t = p.text.toLowerCase();
			if (t === w) return;
			if (t.indexOf(w) === 0) starts.push(p);
			else if (w.length >= 2 && t.indexOf(w) > 0) inside.push(p);
		});
		items = starts.concat(inside).slice(0, 40);
		if (items.length === 0) {
			closeSuggest();
			return;
		}
		suggest.textContent = "";
		items.forEach(function (p, i) {
			var li = el("li", "suggest-item");
			li.id = "x-suggest-" + i;
			li.setAttribute("role", "option");
			li.appendChild(el("span", "suggest-text", p.text));
			li.appendChild(el("span", "suggest-kind", p.kind));
			li.addEventListener("mousedown", function (e) {
				e.preventDefault();
				take(i);
			});
			suggest.appendChild(li);
		});
		suggest.hidden = false;
		box.setAttribute("aria-expanded", "true");
		mark(0);
	}

	/* take puts item i in place of the word at the caret. */
	function take(i) {
		var c = context();
		var p = items[i];
		if (!p) return;
		var v = box.value;
		var caret = box.selectionStart;
		box.value = v.slice(0, c.at) + p.text + v.slice(caret);
		var pos = c.at + p.text.length;
		box.setSelectionRange(pos, pos);
		closeSuggest();
		box.focus();
	}

	/* fit grows the expression box to its text (up to 12 lines), so a long expression is read
	 * whole, on a phone too. */
	function fit() {
		box.style.height = "auto";
		box.style.height = Math.min(box.scrollHeight + 2, 240) + "px";
	}

	box.addEventListener("focus", loadNames);
	box.addEventListener("input", offer);
	box.addEventListener("input", fit);
	box.addEventListener("blur", function () {
		window.setTimeout(closeSuggest, 100);
	});
	box.addEventListener("keydown", function (e) {
		var open = !suggest.hidden && items.length > 0;
		if (open && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
			e.preventDefault();
			mark((active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
		} else if (open && (e.key === "Tab" || (e.key === "Enter" && !e.shiftKey && active >= 0))) {
			e.preventDefault();
			take(active);
		} else if (open && e.key === "Escape") {
			e.preventDefault();
			closeSuggest();
		} else if (e.key === "Enter" && !e.shiftKey) {
			e.preventDefault();
			closeSuggest();
			form.requestSubmit ? form.requestSubmit() : apply();
		}
	});

	/* ---- Start: the view the address names ------------------------------------------------- */
	shown();
	fit();
	if (box.value.trim()) run();
})();
