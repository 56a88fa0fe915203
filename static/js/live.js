/* live.js: pages that show the fleet follow it as it changes, touching only what changed. The page
 * subscribes to the push daemon with EventSource (/events, through nginx, which checks the
 * session). Pages opt in with data-live on <main> (an element with data-live-cluster="ID" in it
 * makes the page follow that one cluster only) and say in their markup what an event changes:
 *
 *   data-live-id="ID"            holds the values of cluster ID (from CLUSTER_* events); inside
 *                                it (or on it):
 *     data-field="NAME"          shows the event's data.NAME (status_reason also takes "reason"):
 *                                a <time> gets it as datetime, anything else as text (followed by
 *                                data-unit; with none, data-empty in the muted colour, and the
 *                                element is hidden if it has data-hide-empty);
 *     data-class="PREFIX:NAME"   carries the class PREFIX + data.NAME (status-ready, ...).
 *   data-live-part="KEY" data-live-on="TYPE ..."
 *                                an event of one of these types fetches the page again (a burst
 *                                is one fetch) and brings this part up to date in place: nodes
 *                                that did not change are left alone, children with the same
 *                                data-live-key are matched, so a changed row is the only one
 *                                touched, and nothing outside the parts (a search box being
 *                                typed in, an open menu) is ever replaced.
 * The page takes the cluster events and every other type a part names (ALERT_FIRED, ...).
 *
 * So a health check (CLUSTER_CHECKED) updates a row from the event alone, without a request. When
 * the page's own cluster is deleted (the event, or a 404 on the fetch) the page says so, disables
 * data-live-action controls and links back to the list. The indicator in the top bar says whether
 * the feed is live, reconnecting or off (and since when); when the feed comes back, every part is
 * fetched again (what happened meanwhile). A "reset" event (the browser missed more than the
 * daemon can replay) reloads the page. After each change it fires "aiops:updated" on document, so
 * app.js dresses new nodes (times, bars). */
(function () {
	"use strict";

	var main = document.getElementById("main");
	var dot = document.getElementById("live");
	if (!main || !dot || !main.hasAttribute("data-live") || !window.EventSource || !window.DOMParser) return;

	var follow = main.querySelector("[data-live-cluster]");
	var pageCluster = follow ? follow.getAttribute("data-live-cluster") : "";
	var types = ["CLUSTER_REGISTERED", "CLUSTER_UPDATED", "CLUSTER_DELETED", "CLUSTER_STATUS_CHANGED", "CLUSTER_CHECKED"];
	/* And whatever else a part of the page follows (ALERT_FIRED, ...). */
	var partsOn = main.querySelectorAll("[data-live-on]");
	for (var pi = 0; pi < partsOn.length; pi++) {
		var named = partsOn[pi].getAttribute("data-live-on").split(/\s+/);
		for (var ni = 0; ni < named.length; ni++)
			if (named[ni] !== "" && types.indexOf(named[ni]) < 0) types.push(named[ni]);
	}
	var wanted = {}; /* keys of the parts the next fetch brings up to date; "*" is all of them */
	var pending = null;
	var inflight = false;
	var again = false;
	var gone = false;

	function clock(d) {
		try {
			return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
		} catch (e) {
			return d.toTimeString().slice(0, 8);
		}
	}

	/* state shows the feed's state; away from live, the label says since when the values on the
	 * page may be stale. */
	function state(s, text) {
		dot.setAttribute("data-state", s);
		dot.setAttribute("title", text);
		var label = dot.querySelector(".live-label");
		var since = dot.getAttribute("data-since");
		var word = s === "live" ? "Live" : s === "reconnecting" ? "Reconnecting" : "Offline";
		if (label) label.textContent = s !== "live" && since ? word + ", as of " + since : word;
	}

	function updated() {
		document.dispatchEvent(new CustomEvent("aiops:updated"));
	}

	/* --- values carried by the event ------------------------------------------------------ */

	function swapClass(el, prefix, value) {
		var drop = [];
		for (var i = 0; i < el.classList.length; i++)
			if (el.classList[i].indexOf(prefix) === 0 && el.classList[i] !== prefix + value) drop.push(el.classList[i]);
		for (var j = 0; j < drop.length; j++) el.classList.remove(drop[j]);
		if (value !== "" && !el.classList.contains(prefix + value)) el.classList.add(prefix + value);
	}

	function setField(el, v) {
		var text = v === null || v === undefined ? "" : String(v);
		if (el.tagName === "TIME") {
			if (text !== "" && el.getAttribute("datetime") !== text) el.setAttribute("datetime", text);
			return;
		}
		var empty = el.getAttribute("data-empty");
		var shown = text === "" ? empty || "" : text + (el.getAttribute("data-unit") || "");
		if (el.textContent !== shown) el.textContent = shown;
		if (empty && el.classList.contains("muted") !== (text === "")) el.classList.toggle("muted");
		if (el.hasAttribute("data-hide-empty") && el.hidden !== (text === "")) el.hidden = text === "";
		if (el.hasAttribute("title") && el.title !== text) el.title = text;
	}

	/* applyValues shows data on every element that holds the values of cluster id. */
	function applyValues(id, data) {
		var d = {};
		for (var k in data) if (Object.prototype.hasOwnProperty.call(data, k)) d[k] = data[k];
		if ("reason" in d && !("status_reason" in d)) d.status_reason = d.reason;
		if (!/^[A-Za-z0-9_.:-]+$/.test(id)) return;
		var hosts = main.querySelectorAll('[data-live-id="' + id + '"]');
		var changed = false;
		for (var i = 0; i < hosts.length; i++) {
			var els = [hosts[i]].concat(Array.prototype.slice.call(hosts[i].querySelectorAll("[data-field], [data-class]")));
			for (var j = 0; j < els.length; j++) {
				var el = els[j];
				var name = el.getAttribute("data-field");
				if (name && name in d) setField(el, d[name]);
				var spec = el.getAttribute("data-class");
				if (spec) {
					var at = spec.lastIndexOf(":");
					var from = spec.slice(at + 1);
					if (at > 0 && from in d) swapClass(el, spec.slice(0, at), String(d[from] === null ? "" : d[from]));
				}
			}
			changed = true;
		}
		if (changed) updated();
	}

	/* --- parts fetched again -------------------------------------------------------------- */

	function keyOf(n) {
		return n.nodeType === 1 ? n.getAttribute("data-live-key") : null;
	}

	function same(a, b) {
		return a.nodeType === b.nodeType && (a.nodeType !== 1 || a.tagName === b.tagName);
	}

	/* morph makes the live node old look like the fresh one, changing only what differs. Attributes
	 * the server never writes (style, set by app.js) are kept; a <time> with the same datetime is
	 * left as app.js dressed it. */
	function morph(old, fresh) {
		if (old.nodeType !== 1) {
			if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
			return;
		}
		if (old.tagName === "TIME" && old.getAttribute("datetime") === fresh.getAttribute("datetime") &&
		    old.getAttribute("data-format") === fresh.getAttribute("data-format"))
			return;
		var i, a;
		for (i = old.attributes.length - 1; i >= 0; i--) {
			a = old.attributes[i].name;
			if (a !== "style" && !fresh.hasAttribute(a)) old.removeAttribute(a);
		}
		for (i = 0; i < fresh.attributes.length; i++) {
			a = fresh.attributes[i];
			if (old.getAttribute(a.name) !== a.value) old.setAttribute(a.name, a.value);
		}
		morphChildren(old, fresh);
	}

	function morphChildren(old, fresh) {
		var oldKids = Array.prototype.slice.call(old.childNodes);
		var newKids = Array.prototype.slice.call(fresh.childNodes);
		var keyed = {};
		var loose = [];
		var i;
		for (i = 0; i < oldKids.length; i++) {
			var k = keyOf(oldKids[i]);
			if (k) keyed[k] = oldKids[i];
			else loose.push(oldKids[i]);
		}
		var li = 0;
		var result = [];
		for (i = 0; i < newKids.length; i++) {
			var n = newKids[i];
			var key = keyOf(n);
			var o = null;
			if (key) {
				o = keyed[key] && same(keyed[key], n) ? keyed[key] : null;
				if (o) delete keyed[key];
			} else if (li < loose.length && same(loose[li], n)) {
				o = loose[li++];
			} else if (li < loose.length) {
				li++;
			}
			if (o) {
				morph(o, n);
				result.push(o);
			} else {
				result.push(document.importNode(n, true));
			}
		}
		for (i = 0; i < oldKids.length; i++)
			if (result.indexOf(oldKids[i]) < 0) old.removeChild(oldKids[i]);
		for (i = 0; i < result.length; i++)
			if (old.childNodes[i] !== result[i]) old.insertBefore(result[i], old.childNodes[i] || null);
	}

	function partsOf(root) {
		var map = {};
		var list = root.querySelectorAll("[data-live-part]");
		for (var i = 0; i < list.length; i++) map[list[i].getAttribute("data-live-part")] = list[i];
		return map;
	}

	/* refresh fetches this page again and brings the wanted parts up to date; one at a time. */
	function refresh() {
		if (inflight) {
			again = true;
			return;
		}
		var keys = wanted;
		wanted = {};
		inflight = true;
		fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
			.then(function (r) {
				if (r.redirected && /\/login/.test(r.url)) {
					window.location.reload();
					return null;
				}
				if (r.status === 404 && pageCluster) {
					markGone(null);
					return null;
				}
				return r.ok ? r.text() : null;
			})
			.then(function (html) {
				if (!html || gone) return;
				var doc = new DOMParser().parseFromString(html, "text/html");
				var fresh = partsOf(doc);
				var live = partsOf(main);
				for (var key in live) {
					if (!(keys["*"] || keys[key]) || !fresh[key]) continue;
					morph(live[key], fresh[key]);
				}
				updated();
			})
			.catch(function () {
				/* The next event or reconnect tries again. */
			})
			.then(function () {
				inflight = false;
				if (again) {
					again = false;
					schedule();
				}
			});
	}

	/* schedule coalesces a burst of events into one fetch. Its wait is longer than the server may
	 * serve a page late after a machine-made change (VERSION_LATE_MS, fcgi/version.h), so the
	 * fetch shows the change the event told of. */
	function schedule() {
		if (pending || gone) return;
		pending = window.setTimeout(function () {
			pending = null;
			refresh();
		}, 300);
	}

	function want(key) {
		wanted[key] = true;
		schedule();
	}

	/* --- the page's own cluster deleted --------------------------------------------------- */

	function markGone(ts) {
		if (gone) return;
		gone = true;
		var note = document.createElement("div");
		note.className = "callout status-unreachable gone-notice";
		note.id = "gone";
		note.setAttribute("role", "alert");
		var when = ts ? new Date(ts) : new Date();
		note.appendChild(document.createTextNode("This cluster was deleted at " + clock(when) + ". What you see is how it was. "));
		var back = document.createElement("a");
		back.href = "/clusters";
		back.textContent = "Back to the cluster list";
		note.appendChild(back);
		main.insertBefore(note, main.firstChild);
		main.classList.add("is-gone");
		var badges = main.querySelectorAll('.badge[data-field="status"]');
		for (var b = 0; b < badges.length; b++) {
			swapClass(badges[b], "status-", "unknown");
			badges[b].textContent = "deleted";
		}
		var acts = main.querySelectorAll("[data-live-action]");
		for (var i = 0; i < acts.length; i++) {
			var el = acts[i];
			if (el.tagName === "A") {
				el.removeAttribute("href");
				el.setAttribute("aria-disabled", "true");
				el.classList.add("disabled");
			}
			var controls = el.tagName === "FORM" ? el.elements : [el];
			for (var j = 0; j < controls.length; j++) if ("disabled" in controls[j]) controls[j].disabled = true;
		}
	}

	/* --- the feed ------------------------------------------------------------------------- */

	function onEvent(e) {
		if (gone) return;
		var ev;
		try {
			ev = JSON.parse(e.data);
		} catch (err) {
			return;
		}
		var data = ev && ev.data ? ev.data : {};
		var id = ev.cluster_id || data.id || "";
		if (pageCluster && id !== pageCluster) return;
		if (e.type === "CLUSTER_DELETED" && pageCluster) {
			markGone(ev.ts);
			return;
		}
		/* Values are a cluster's: other events about a cluster (an alert) carry their own. */
		if (id && /^CLUSTER_/.test(e.type) && e.type !== "CLUSTER_DELETED") applyValues(id, data);
		var parts = main.querySelectorAll("[data-live-on]");
		for (var i = 0; i < parts.length; i++) {
			var on = " " + parts[i].getAttribute("data-live-on") + " ";
			if (on.indexOf(" " + e.type + " ") >= 0) want(parts[i].getAttribute("data-live-part"));
		}
	}

	var es = null;
	var backoff = 5000;
	var lost = false; /* the feed was down: what it may have missed is fetched once it opens again */

	/* connect opens the feed. The browser reconnects by itself after a network error, but gives up
	 * for good on an answer that is not an event stream (the application restarting, a session
	 * that ended); then a new feed is tried with a growing pause. Either way every part is fetched
	 * again once the feed is back: a page that had seen no event yet has no Last-Event-ID to
	 * resume from, so what happened meanwhile would otherwise never show. */
	function connect() {
		var q = "types=" + types.join(",");
		if (pageCluster) q += "&clusters=" + encodeURIComponent(pageCluster);
		es = new EventSource("/events?" + q);
		es.onopen = function () {
			state("live", "Live: changes appear as they happen");
			backoff = 5000;
			if (lost) {
				lost = false;
				want("*");
			}
		};
		es.onerror = function () {
			var since = lost ? null : clock(new Date());
			lost = true;
			if (since) dot.setAttribute("data-since", since);
			since = dot.getAttribute("data-since") || "";
			if (es.readyState !== EventSource.CLOSED) {
				state("reconnecting", "Reconnecting to the live feed; values shown are as of " + since);
				return;
			}
			state("off", "Offline since " + since + ": values shown are as of then; trying again in " + Math.round(backoff / 1000) + " s");
			es = null;
			window.setTimeout(connect, backoff);
			backoff = Math.min(backoff * 2, 60000);
		};
		for (var i = 0; i < types.length; i++) es.addEventListener(types[i], onEvent);
		es.addEventListener("reset", function () {
			window.location.reload();
		});
	}

	connect();
	window.addEventListener("pagehide", function () {
		if (es) es.close();
	});
})();
