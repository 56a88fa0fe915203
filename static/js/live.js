/* live.js: pages that show the fleet follow it as it changes. The page subscribes to the push
 * daemon with EventSource (/events, through nginx, which checks the session); when a cluster event
 * arrives it fetches the same page again and swaps in the new <main>, so what the browser shows is
 * always the server's own rendering, without a reload. The indicator in the top bar says whether
 * the feed is live, reconnecting or off (and when it tries again). A "reset" event (the browser
 * missed more than the daemon can replay) reloads the page. Pages opt in with data-live on <main>. */
(function () {
	"use strict";

	var main = document.getElementById("main");
	var dot = document.getElementById("live");
	if (!main || !dot || !main.hasAttribute("data-live") || !window.EventSource || !window.DOMParser) return;

	var pending = null;
	var inflight = false;
	var again = false;

	function state(s, text) {
		dot.setAttribute("data-state", s);
		dot.setAttribute("title", text);
		var label = dot.querySelector(".live-label");
		if (label) label.textContent = s === "live" ? "Live" : s === "reconnecting" ? "Reconnecting" : "Offline";
	}

	/* refresh fetches this page again and replaces <main> with the new one; one at a time. */
	function refresh() {
		if (inflight) {
			again = true;
			return;
		}
		inflight = true;
		fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
			.then(function (r) {
				if (r.redirected && /\/login/.test(r.url)) {
					window.location.reload();
					return null;
				}
				return r.ok ? r.text() : null;
			})
			.then(function (html) {
				if (!html) return;
				var doc = new DOMParser().parseFromString(html, "text/html");
				var fresh = doc.getElementById("main");
				if (!fresh) return;
				main.innerHTML = fresh.innerHTML;
				document.dispatchEvent(new CustomEvent("aiops:updated"));
			})
			.catch(function () {})
			.then(function () {
				inflight = false;
				if (again) {
					again = false;
					schedule();
				}
			});
	}

	/* schedule coalesces a burst of events into one refresh. */
	function schedule() {
		if (pending) return;
		pending = window.setTimeout(function () {
			pending = null;
			refresh();
		}, 300);
	}

	var types = ["CLUSTER_REGISTERED", "CLUSTER_UPDATED", "CLUSTER_DELETED", "CLUSTER_STATUS_CHANGED"];
	var es = null;
	var backoff = 5000;
	var lost = false; /* the feed was down: what it may have missed is fetched once it opens again */

	/* connect opens the feed. The browser reconnects by itself after a network error, but gives up
	 * for good on an answer that is not an event stream (the application restarting, a session
	 * that ended); then a new feed is tried with a growing pause. Either way the page is fetched
	 * again once the feed is back: a page that had seen no event yet has no Last-Event-ID to
	 * resume from, so what happened meanwhile would otherwise never show. */
	function connect() {
		es = new EventSource("/events?types=" + types.join(","));
		es.onopen = function () {
			state("live", "Live: changes appear as they happen");
			backoff = 5000;
			if (lost) {
				lost = false;
				schedule();
			}
		};
		es.onerror = function () {
			lost = true;
			if (es.readyState !== EventSource.CLOSED) {
				state("reconnecting", "Reconnecting to the live feed");
				return;
			}
			state("off", "Offline: trying the live feed again in " + Math.round(backoff / 1000) + " s");
			es = null;
			window.setTimeout(connect, backoff);
			backoff = Math.min(backoff * 2, 60000);
		};
		for (var i = 0; i < types.length; i++) es.addEventListener(types[i], schedule);
		es.addEventListener("reset", function () {
			window.location.reload();
		});
	}

	connect();
	window.addEventListener("pagehide", function () {
		if (es) es.close();
	});
})();
