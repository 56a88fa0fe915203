/* live.js: pages that show the fleet follow it as it changes. The page subscribes to the push
 * daemon with EventSource (/events, through nginx, which checks the session); when a cluster event
 * arrives it fetches the same page again and swaps in the new <main>, so what the browser shows is
 * always the server's own rendering, without a reload. The indicator in the top bar says whether
 * the feed is live, reconnecting or off. A "reset" event (the browser missed more than the daemon
 * can replay) reloads the page. Pages opt in with data-live on <main>. */
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
	var es = new EventSource("/events?types=" + types.join(","));
	es.onopen = function () {
		state("live", "Live: changes appear as they happen");
	};
	es.onerror = function () {
		if (es.readyState === EventSource.CLOSED) state("off", "Offline: reload the page to follow changes again");
		else state("reconnecting", "Reconnecting to the live feed");
	};
	for (var i = 0; i < types.length; i++) es.addEventListener(types[i], schedule);
	es.addEventListener("reset", function () {
		window.location.reload();
	});
	window.addEventListener("pagehide", function () {
		es.close();
	});
})();
