/* app.js: small behaviours on top of server-rendered pages; every page works without it.
 * Bars get their width, forms with data-confirm ask first, <time datetime> reads as "3 min ago"
 * and keeps ticking (data-format="clock": the local time of day; "hm": to the minute), elements with data-at get the
 * local time in their title, filter selects apply at once without empty fields in the address, a
 * form with errors puts the cursor on the first bad field, and "/" goes to the search box.
 * Each only writes what differs, so a live update (live.js) sees no change where there is none.
 * Styles are set through the CSSOM (element.style), which the Content-Security-Policy allows;
 * style attributes in the HTML it would refuse. */
(function () {
	"use strict";

	/* bars sizes each .bar-fill to data-value / data-total of its track. */
	function bars() {
		var fills = document.querySelectorAll(".bar-fill[data-value][data-total]");
		for (var i = 0; i < fills.length; i++) {
			var v = Number(fills[i].getAttribute("data-value"));
			var t = Number(fills[i].getAttribute("data-total"));
			var pct = t > 0 && v > 0 ? Math.min(100, (100 * v) / t) : 0;
			var w = pct.toFixed(2) + "%";
			if (fills[i].style.width !== w) fills[i].style.width = w;
		}
	}

	function plural(n, unit) {
		return n + " " + unit;
	}

	/* relative says how far t (ms) is from now: "just now", "3 min ago", "in 2 h", or the date. */
	function relative(t, now) {
		var s = Math.round((now - t) / 1000);
		var future = s < 0;
		var a = Math.abs(s);
		var text;
		if (a < 45) return future ? "in a moment" : "just now";
		if (a < 3600) text = plural(Math.max(1, Math.round(a / 60)), "min");
		else if (a < 86400) text = plural(Math.round(a / 3600), "h");
		else if (a < 86400 * 30) text = plural(Math.round(a / 86400), a < 86400 * 1.5 ? "day" : "days");
		else return new Date(t).toISOString().slice(0, 10);
		return future ? "in " + text : text + " ago";
	}

	function absolute(d) {
		try {
			return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "long" });
		} catch (e) {
			return d.toString();
		}
	}

	/* clock is the local time of day of d, to the second, or to the minute when short. */
	function clock(d, short) {
		try {
			return short ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
				: d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
		} catch (e) {
			return d.toTimeString().slice(0, short ? 5 : 8);
		}
	}

	/* times rewrites every <time datetime> as a relative time (or a time of day), the exact time
	 * in its title; and puts the time of day of data-at into the title it starts. */
	function times() {
		var now = Date.now();
		var list = document.querySelectorAll("time[datetime]");
		var i, d, text;
		for (i = 0; i < list.length; i++) {
			d = new Date(list[i].getAttribute("datetime"));
			if (isNaN(d.getTime())) continue;
			var f = list[i].getAttribute("data-format");
			text = f === "clock" || f === "hm" ? clock(d, f === "hm") : relative(d.getTime(), now);
			if (list[i].textContent !== text) list[i].textContent = text;
			text = absolute(d);
			if (list[i].title !== text) list[i].title = text;
		}
		list = document.querySelectorAll("[data-at][title]");
		for (i = 0; i < list.length; i++) {
			var at = list[i].getAttribute("data-at");
			d = new Date(at);
			if (isNaN(d.getTime()) || list[i].title.indexOf(at) !== 0) continue;
			list[i].title = clock(d) + list[i].title.slice(at.length);
		}
	}

	/* slashSearch puts the cursor in the page's search box on "/", unless one is typing already. */
	function slashSearch(e) {
		if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
		var t = e.target;
		if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
		var box = document.querySelector("input[type=search]");
		if (!box) return;
		e.preventDefault();
		box.focus();
		box.select();
	}

	/* confirmSubmit stops a data-confirm form unless the person agrees. */
	function confirmSubmit(e) {
		var form = e.target;
		if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
		if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
	}

	/* cleanFilters submits a filter form without its empty fields, so the address stays short
	 * enough to read and share. */
	function cleanFilters(e) {
		var form = e.target;
		if (!(form instanceof HTMLFormElement) || !form.classList.contains("filters")) return;
		if (form.method.toLowerCase() !== "get" || !window.URLSearchParams || !window.FormData) return;
		var params = new URLSearchParams();
		new FormData(form).forEach(function (v, k) {
			if (typeof v === "string" && v !== "") params.append(k, v);
		});
		e.preventDefault();
		var q = params.toString();
		window.location.assign(form.getAttribute("action") + (q ? "?" + q : ""));
	}

	/* autoFilter applies a filter select as soon as it changes, as list filters usually do. */
	function autoFilter(e) {
		var el = e.target;
		if (!(el instanceof HTMLSelectElement)) return;
		var form = el.closest("form.filters");
		if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
	}

	function focusFirstError() {
		var el = document.querySelector(
		    ".field.invalid input, .field.invalid select, .field.invalid textarea");
		if (el) el.focus();
	}

	/* dropFlashParam takes ?deleted=... off the address so a reload does not repeat the message. */
	function dropFlashParam() {
		if (!window.history.replaceState || !window.URLSearchParams) return;
		var params = new URLSearchParams(window.location.search);
		if (!params.has("deleted")) return;
		params.delete("deleted");
		var q = params.toString();
		window.history.replaceState(null, "", window.location.pathname + (q ? "?" + q : "") + window.location.hash);
	}

	/* copyButton puts the text of the element named by data-copy on the clipboard. */
	function copyButton(e) {
		var b = e.target.closest ? e.target.closest("button[data-copy]") : null;
		if (!b) return;
		var el = document.getElementById(b.getAttribute("data-copy"));
		if (!el || !navigator.clipboard) return;
		navigator.clipboard.writeText(el.textContent).then(function () {
			b.textContent = "Copied";
		}, function () {
			b.textContent = "Select and copy";
		});
	}

	document.addEventListener("click", copyButton);
	document.addEventListener("submit", confirmSubmit);
	document.addEventListener("submit", cleanFilters);
	document.addEventListener("change", autoFilter);
	document.addEventListener("keydown", slashSearch);

	function init() {
		bars();
		times();
		focusFirstError();
		dropFlashParam();
		window.setInterval(times, 30000);
	}

	/* live.js changed part of the page: dress what it brought like a freshly loaded page. */
	document.addEventListener("aiops:updated", function () {
		bars();
		times();
	});

	if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
	else init();
})();
