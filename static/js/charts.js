/* charts.js: line charts of the fleet's metrics with uPlot (static/vendor/uplot), and the charts of
 * a cluster's page. window.AiopsCharts holds what explore.js shares:
 *   api(path, params, signal)     GET /api/v1/metrics/PATH; resolves to {status, body} (body null
 *                                 when the answer was not JSON), rejects only when the request
 *                                 could not be made or was aborted;
 *   chart(el, result, opts)       draws a matrix result (Prometheus's shape) in el, one line per
 *                                 series, and a legend in opts.legend (an <ul>) when given; returns
 *                                 {destroy(), count, total}; it follows the theme and el's width;
 *   summary(body)                 "37 of 40 clusters answered; prod-eu-3 timed out after 5 s";
 *   phrase(cluster)               one cluster's outcome in words; outcomeClass(outcome);
 *   seriesName(metric)            a series' labels as PromQL writes them; format(v, unit);
 *   stepFor(seconds)              a step that gives a few hundred points over a range.
 * A cluster page's <figure data-chart-query data-chart-cluster data-chart-unit> gets the last hour
 * of its query, asked of that cluster alone, drawn or said in words when there is nothing to draw
 * (no data, no answer, an error), and again every minute.
 * Colours are set through the CSSOM (element.style) and canvas, which the Content-Security-Policy
 * allows; nothing here writes a style attribute or inline script. */
(function () {
	"use strict";

	var PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16",
		"#f97316", "#6366f1", "#14b8a6", "#eab308"];
	var MAX_SERIES = 150;

	function colour(i) {
		if (i < PALETTE.length) return PALETTE[i];
		return "hsl(" + Math.round((i * 137.508) % 360) + ", 62%, 52%)";
	}

	/* api asks our fan-out API; params is an object of strings or arrays of strings. */
	function api(path, params, signal) {
		var q = new URLSearchParams();
		Object.keys(params || {}).forEach(function (k) {
			var v = params[k];
			if (v === undefined || v === null || v === "") return;
			if (Array.isArray(v)) v.forEach(function (x) { q.append(k, x); });
			else q.append(k, String(v));
		});
		var s = q.toString();
		return fetch("/api/v1/metrics/" + path + (s ? "?" + s : ""), {
			credentials: "same-origin",
			headers: { Accept: "application/json" },
			signal: signal,
		}).then(function (resp) {
			return resp.text().then(function (text) {
				var body = null;
				try {
					body = JSON.parse(text);
				} catch (e) {
					body = null;
				}
				return { status: resp.status, body: body };
			});
		});
	}

	/* errorText is what an answer that is not a success says, for a person. */
	function errorText(res) {
		var b = res.body;
		if (b && b.error && b.error.message) return b.error.message;
		if (b && b.error && typeof b.error === "string") return b.error;
		if (res.status === 429) return "Too many queries at once; try again in a moment.";
		return "The metrics API answered " + res.status + ".";
	}

	function seconds(ms) {
		var s = ms / 1000;
		return (s >= 10 || Math.abs(s - Math.round(s)) < 0.05 ? Math.round(s) : s.toFixed(1)) + " s";
	}

	/* phrase says what became of one cluster, after its name. */
	function phrase(c) {
		switch (c.outcome) {
		case "ok": return "answered in " + (c.ms >= 1000 ? seconds(c.ms) : Math.round(c.ms) + " ms");
		case "timeout": return "timed out after " + seconds(c.ms || 0);
		case "connection_error": return "could not be reached" + (c.error ? " (" + c.error + ")" : "");
		case "http_error": return "answered HTTP " + (c.http_status || "error") + (c.error ? " (" + c.error + ")" : "");
		case "prometheus_error":
			return "Prometheus refused it: " + (c.error_type ? c.error_type + ": " : "") + (c.error || "");
		case "bad_reply": return "sent a reply we could not read" + (c.error ? " (" + c.error + ")" : "");
		case "skipped": return "has no Prometheus URL";
		default: return c.outcome + (c.error ? ": " + c.error : "");
		}
	}

	function outcomeClass(o) {
		if (o === "ok") return "outcome-ok";
		if (o === "timeout") return "outcome-slow";
		if (o === "skipped") return "outcome-skipped";
		return "outcome-error";
	}

	/* summary: how many answered, and what became of the others (the first three by name). */
	function summary(body) {
		var asked = body.asked || 0;
		var answered = body.answered || 0;
		var text = asked === 0 ? "No cluster was asked"
			: answered + " of " + asked + (asked === 1 ? " cluster" : " clusters") + " answered";
		var others = (body.clusters || []).filter(function (c) { return c.outcome !== "ok"; });
		if (others.length > 0) {
			text += "; " + others.slice(0, 3).map(function (c) { return c.name + " " + phrase(c); }).join("; ");
			if (others.length > 3) text += "; and " + (others.length - 3) + " more";
		}
		return text;
	}

	/* seriesName writes a series' labels as PromQL does: name{a="x", b="y"}. */
	function seriesName(metric) {
		var name = metric.__name__ || "";
		var keys = Object.keys(metric).filter(function (k) { return k !== "__name__"; }).sort(function (a, b) {
			return a === "cluster" ? -1 : b === "cluster" ? 1 : a < b ? -1 : a > b ? 1 : 0;
		});
		var labels = keys.map(function (k) { return k + '="' + metric[k] + '"'; }).join(", ");
		if (!labels) return name || "{}";
		return name + "{" + labels + "}";
	}

	/* format writes v short: 3 significant digits, k/M/G for large numbers, the unit after. */
	function format(v, unit) {
		if (v === null || v === undefined || isNaN(v)) return "–";
		if (!isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
		var a = Math.abs(v);
		var s;
		if (unit === "s" && a > 0 && a < 1) return (+(v * 1000).toPrecision(3)) + " ms";
		if (a >= 1e12) s = +(v / 1e12).toPrecision(3) + "T";
		else if (a >= 1e9) s = +(v / 1e9).toPrecision(3) + "G";
		else if (a >= 1e6) s = +(v / 1e6).toPrecision(3) + "M";
		else if (a >= 1e4) s = +(v / 1e3).toPrecision(3) + "k";
		else if (a === 0) s = "0";
		else if (a < 1e-3) s = v.toExponential(2);
		else s = String(+v.toPrecision(4));
		if (!unit) return s;
		return unit === "%" ? s + "%" : s + " " + unit;
	}

	var NICE = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

	function stepFor(range) {
		var raw = range / 300;
		for (var i = 0; i < NICE.length; i++) if (NICE[i] >= raw) return NICE[i];
		return Math.ceil(raw / 86400) * 86400;
	}

	function number(s) {
		var v = Number(s);
		return isFinite(v) ? v : null;
	}

	/* columns turns a matrix into uPlot's data: the union of the timestamps, then one array of
	 * values (null where a series has none) per series, at most MAX_SERIES of them. */
	function columns(result) {
		var list = result.slice(0, MAX_SERIES);
		var seen = {};
		var xs = [];
		list.forEach(function (s) {
			(s.values || []).forEach(function (p) {
				if (!seen[p[0]]) {
					seen[p[0]] = true;
					xs.push(p[0]);
				}
			});
		});
		xs.sort(function (a, b) { return a - b; });
		var at = {};
		xs.forEach(function (x, i) { at[x] = i; });
		var data = [xs];
		list.forEach(function (s) {
			var ys = new Array(xs.length).fill(null);
			(s.values || []).forEach(function (p) { ys[at[p[0]]] = number(p[1]); });
			data.push(ys);
		});
		return data;
	}

	function cssVar(name, fallback) {
		var v = getComputedStyle(document.documentElement).getPropertyValue(name);
		return v && v.trim() ? v.trim() : fallback;
	}

	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls) e.className = cls;
		if (text !== undefined) e.textContent = text;
		return e;
	}

	/* legendItems fills ul with a button per series: its colour, its labels and the value under the
	 * cursor; a click hides or shows its line. Returns the value elements. */
	function legendItems(ul, names, full, u) {
		var values = [];
		ul.textContent = "";
		names.forEach(function (name, i) {
			var li = el("li");
			var b = el("button", "legend-item");
			b.type = "button";
			b.setAttribute("aria-pressed", "true");
			b.title = full[i];
			var sw = el("span", "swatch");
			sw.setAttribute("aria-hidden", "true");
			sw.style.backgroundColor = colour(i);
			var v = el("span", "legend-value");
			b.appendChild(sw);
			b.appendChild(el("span", "legend-label", name));
			b.appendChild(v);
			b.addEventListener("click", function () {
				var show = b.getAttribute("aria-pressed") !== "true";
				b.setAttribute("aria-pressed", show ? "true" : "false");
				u.current.setSeries(i + 1, { show: show });
			});
			li.appendChild(b);
			ul.appendChild(li);
			values.push(v);
		});
		return values;
	}

	/* commonLabels finds the labels every series shares (when there are several) and names each
	 * series by the rest: {names: [...], full: [...], common: "{job=\"node\"}" or ""}. */
	function commonLabels(list) {
		var metrics = list.map(function (s) { return s.metric || {}; });
		var full = metrics.map(seriesName);
		if (metrics.length < 2) return { names: full, full: full, common: "" };
		var common = {};
		Object.keys(metrics[0]).forEach(function (k) {
			var v = metrics[0][k];
			if (metrics.every(function (m) { return m[k] === v; })) common[k] = v;
		});
		var names = metrics.map(function (m) {
			var rest = {};
			Object.keys(m).forEach(function (k) { if (!(k in common)) rest[k] = m[k]; });
			return seriesName(rest);
		});
		return { names: names, full: full, common: Object.keys(common).length ? seriesName(common) : "" };
	}

	var measure = null;

	/* textWidth is how wide the axes' labels are drawn (uPlot's default font). */
	function textWidth(t) {
		if (!measure) {
			measure = document.createElement("canvas").getContext("2d");
			measure.font = "12px system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, \"Noto Sans\", sans-serif";
		}
		return measure.measureText(t).width;
	}

	/* chart draws result (a matrix) in box. opts: height, unit, legend (<ul> or null), utc (the
	 * time axis in UTC rather than local time), from and to (the window asked for, Unix seconds). */
	function chart(box, result, opts) {
		var data = columns(result);
		var split = commonLabels(result.slice(0, MAX_SERIES));
		var names = split.names;
		var holder = { current: null };
		var values = [];
		var width = 0;

		function valueAxis() {
			return function (u, splits) { return splits.map(function (v) { return format(v, opts.unit); }); };
		}

		function make() {
			var fg = cssVar("--muted", "#5f6773");
			var grid = cssVar("--border-soft", "#e9ebef");
			var tick = cssVar("--border", "#dcdfe5");
			var series = [{}];
			names.forEach(function (name, i) {
				series.push({ label: name, stroke: colour(i), width: 1.5, points: { show: false }, spanGaps: false,
					value: function (u, v) { return format(v, opts.unit); } });
			});
			width = box.clientWidth || 300;
			var o = {
				width: width,
				height: opts.height,
				series: series,
				legend: { show: false },
				cursor: { drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
				scales: {
					/* The whole window asked for, not just where the data is (a cluster that
					 * started scraping ten minutes ago shows as such); a zoom (drag) picks its own. */
					x: { time: true, range: function (u, min, max) {
						var xs = u.data[0];
						if (opts.from !== undefined && xs.length > 0 && min === xs[0] && max === xs[xs.length - 1])
							return [Math.min(opts.from, min), Math.max(opts.to, max)];
						return [min, max];
					} },
					y: { range: function (u, min, max) {
						if (min === null || max === null) return [0, 1];
						if (opts.unit === "%") return [0, Math.max(100, max)];
						return uPlot.rangeNum(min > 0 ? 0 : min, max, 0.1, true);
					} },
				},
				axes: [
					{ stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: tick, width: 1 } },
					{ stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: tick, width: 1 },
						values: valueAxis(), size: function (u, vals) {
							var widest = 0;
							(vals || []).forEach(function (v) { widest = Math.max(widest, textWidth(String(v))); });
							return Math.max(36, Math.ceil(widest) + 22);
						} },
				],
				hooks: { setCursor: [function (u) {
					var i = u.cursor.idx;
					values.forEach(function (v, k) {
						var t = i === null || i === undefined ? "" : format(u.data[k + 1][i], opts.unit);
						if (v.textContent !== t) v.textContent = t;
					});
				}] },
			};
			if (opts.utc) o.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); };
			box.textContent = "";
			holder.current = new uPlot(o, data, box);
			if (opts.legend) {
				var hidden = [];
				opts.legend.querySelectorAll(".legend-item").forEach(function (b, i) {
					if (b.getAttribute("aria-pressed") === "false") hidden.push(i);
				});
				values = legendItems(opts.legend, names, split.full, holder);
				hidden.forEach(function (i) {
					if (i >= values.length) return;
					values[i].parentNode.setAttribute("aria-pressed", "false");
					holder.current.setSeries(i + 1, { show: false });
				});
			}
		}

		make();
		var ro = window.ResizeObserver ? new ResizeObserver(function () {
			var w = box.clientWidth;
			if (holder.current && w > 0 && Math.abs(w - width) > 2) {
				width = w;
				holder.current.setSize({ width: w, height: opts.height });
			}
		}) : null;
		if (ro) ro.observe(box);
		/* uPlot paints its axes in the colours of the theme it was made in: make it again. */
		var mo = new MutationObserver(function () {
			if (holder.current) {
				holder.current.destroy();
				make();
			}
		});
		mo.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
		return {
			count: names.length,
			total: result.length,
			common: split.common,
			points: data.slice(1).reduce(function (n, ys) {
				return n + ys.filter(function (y) { return y !== null; }).length;
			}, 0),
			last: function (k) {
				var ys = data[k + 1] || [];
				for (var i = ys.length - 1; i >= 0; i--) if (ys[i] !== null) return ys[i];
				return null;
			},
			destroy: function () {
				if (ro) ro.disconnect();
				mo.disconnect();
				if (holder.current) holder.current.destroy();
				holder.current = null;
			},
		};
	}

	window.AiopsCharts = { api: api, chart: chart, summary: summary, phrase: phrase, outcomeClass: outcomeClass,
		seriesName: seriesName, format: format, stepFor: stepFor, errorText: errorText, colour: colour,
		MAX_SERIES: MAX_SERIES };

	/* ---- A cluster's page ------------------------------------------------------------------ */

	var HOUR = 3600;

	function state(box, kind, text) {
		box.textContent = "";
		var p = el("p", "chart-state", text);
		p.setAttribute("data-state", kind);
		box.appendChild(p);
	}

	/* clusterChart asks for the last hour of fig's query on its cluster and draws it, or says
	 * why there is nothing to draw. */
	function clusterChart(fig) {
		var box = fig.querySelector(".chart-box");
		var now = fig.querySelector(".chart-now");
		var end = Math.floor(Date.now() / 1000);
		var step = stepFor(HOUR);
		api("query_range", { query: fig.getAttribute("data-chart-query"), cluster: fig.getAttribute("data-chart-cluster"),
			start: end - HOUR, end: end, step: step }).then(function (res) {
			if (fig.chart) fig.chart.destroy();
			fig.chart = null;
			if (now) now.textContent = "";
			if (res.status !== 200 || !res.body || res.body.status !== "success") {
				state(box, "error", errorText(res));
				return;
			}
			var c = (res.body.clusters || [])[0];
			if (c && c.outcome !== "ok") {
				state(box, c.outcome === "skipped" ? "skipped" : "error",
					c.outcome === "skipped" ? "No Prometheus URL: this cluster's metrics are not asked for."
						: "No answer: Prometheus " + phrase(c) + ".");
				return;
			}
			var result = (res.body.data && res.body.data.result) || [];
			if (result.length === 0) {
				state(box, "empty", "No data: this cluster's Prometheus has no series for this query in the last hour.");
				return;
			}
			box.textContent = "";
			var unit = fig.getAttribute("data-chart-unit") || "";
			fig.chart = chart(box, result, { height: 150, unit: unit, from: end - HOUR, to: end });
			fig.setAttribute("data-series", String(result.length));
			if (now) now.textContent = result.length === 1 ? format(fig.chart.last(0), unit) : "";
		}, function () {
			state(box, "error", "The metrics API could not be reached.");
		});
	}

	function clusterCharts() {
		var figs = document.querySelectorAll("figure[data-chart-query]");
		if (figs.length === 0 || !window.uPlot) return;
		var all = function () {
			if (document.hidden) return;
			for (var i = 0; i < figs.length; i++) clusterChart(figs[i]);
		};
		all();
		window.setInterval(all, 60000);
	}

	if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", clusterCharts);
	else clusterCharts();
})();
