/* theme.js: picks the light or dark theme before the first paint and wires the #theme-toggle
 * button. Loaded without defer in <head>, so it must not touch the body until it exists. The
 * choice is kept in localStorage under "aiops-theme"; with no choice the OS preference rules and
 * is followed live. */
(function () {
	"use strict";
	var KEY = "aiops-theme";
	var root = document.documentElement;
	var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

	/* saved returns "light", "dark" or null; storage can be switched off, so it may throw. */
	function saved() {
		try {
			var v = window.localStorage.getItem(KEY);
			return v === "light" || v === "dark" ? v : null;
		} catch (e) {
			return null;
		}
	}

	function remember(theme) {
		try {
			window.localStorage.setItem(KEY, theme);
		} catch (e) {
			/* Not remembered; the switch still applies to this page. */
		}
	}

	function preferred() {
		return saved() || (media && media.matches ? "dark" : "light");
	}

	/* label tells what the button will do, for the tooltip and screen readers. */
	function label(button, theme) {
		var next = theme === "dark" ? "light" : "dark";
		button.title = "Switch to the " + next + " theme";
		button.setAttribute("aria-label", "Switch to the " + next + " theme");
		button.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
	}

	function apply(theme) {
		root.setAttribute("data-theme", theme);
		var button = document.getElementById("theme-toggle");
		if (button) label(button, theme);
	}

	apply(preferred());

	if (media && media.addEventListener) {
		media.addEventListener("change", function () {
			if (!saved()) apply(preferred());
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		var button = document.getElementById("theme-toggle");
		if (!button) return;
		label(button, root.getAttribute("data-theme"));
		button.addEventListener("click", function () {
			var theme = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
			remember(theme);
			apply(theme);
		});
	});

	/* Another tab switched: follow it. */
	window.addEventListener("storage", function (e) {
		if (e.key === KEY) apply(preferred());
	});
})();
