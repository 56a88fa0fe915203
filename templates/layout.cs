<?cs # layout.cs: the page shell around every page's body. ?><!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.Title ?> · AIOps NextGen</title>
<link rel="stylesheet" href="/static/css/app.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script src="/static/js/theme.js"></script>
<script src="/static/js/app.js" defer></script>
<?cs if:Page.Live ?><script src="/static/js/live.js" defer></script><?cs /if ?>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
<a class="brand" href="/"><span class="logo" aria-hidden="true"></span><span class="brand-name">AIOps NextGen</span></a>
<nav class="nav" aria-label="Main">
<a href="/"<?cs if:Page.Nav == "home" ?> class="active" aria-current="page"<?cs /if ?>>Fleet</a>
<a href="/clusters"<?cs if:Page.Nav == "clusters" ?> class="active" aria-current="page"<?cs /if ?>>Clusters</a>
<a href="/alerts"<?cs if:Page.Nav == "alerts" ?> class="active" aria-current="page"<?cs /if ?>>Alerts</a>
<a href="/metrics/explore"<?cs if:Page.Nav == "metrics" ?> class="active" aria-current="page"<?cs /if ?>>Metrics</a>
<?cs if:Session.is_admin ?><a href="/admin/users"<?cs if:Page.Nav == "users" ?> class="active" aria-current="page"<?cs /if ?>>Users</a>
<a href="/admin/audit"<?cs if:Page.Nav == "audit" ?> class="active" aria-current="page"<?cs /if ?>>Audit</a><?cs /if ?>
</nav>
<?cs if:Page.Live ?><span id="live" class="live" data-state="connecting" title="Connecting to the live feed" role="status"><span class="live-dot" aria-hidden="true"></span><span class="live-label">Connecting</span></span><?cs /if ?>
<?cs if:Session.user ?><div class="user-box">
<a class="user-name" href="/settings" title="Your settings and API tokens"><?cs var:Session.user ?></a>
<span class="badge role-<?cs var:Session.role ?>" title="Your role"><?cs var:Session.role ?></span>
<?cs if:Session.via == "session" ?><form method="post" action="/logout" class="inline"><input type="hidden" name="csrf_token" value="<?cs var:Session.csrf ?>"><button type="submit" class="small" id="logout">Log out</button></form><?cs /if ?>
</div><?cs /if ?>
<button id="theme-toggle" class="theme-toggle" type="button" aria-label="Switch between light and dark theme" title="Switch theme"><svg class="theme-icon theme-icon-moon" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M20.5 14.1A8.5 8.5 0 1 1 9.9 3.5a6.6 6.6 0 0 0 10.6 10.6z"/></svg><svg class="theme-icon theme-icon-sun" viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"><circle cx="12" cy="12" r="4.2"/><path d="M12 2v2.2M12 19.8V22M4.9 4.9l1.6 1.6M17.5 17.5l1.6 1.6M2 12h2.2M19.8 12H22M4.9 19.1l1.6-1.6M17.5 6.5l1.6-1.6"/></svg></button>
</header>
<main id="main"<?cs if:Page.Live ?> data-live<?cs /if ?>>
<?cs if:Page.Flash ?><div class="flash" role="status"><?cs var:Page.Flash ?></div><?cs /if ?>
<?cs # Page.Body is the page's own rendering, already escaped by its template. ?><?cs uvar:Page.Body ?>
</main>
<footer class="footer">AIOps NextGen · <a href="/docs/api">API reference</a> · request <code><?cs var:Page.RequestId ?></code></footer>
</body>
</html>
