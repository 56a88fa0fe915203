<?cs # clusters_show.cs: one cluster's details. Parts marked data-live-part follow it (live.js). ?><?cs include:"macros.cs" ?>
<?cs # Cluster ids are UUIDs from PostgreSQL: safe in a URL as they are, so no url_escape. ?>
<link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css">
<link rel="stylesheet" href="/static/css/metrics.css">
<script src="/static/vendor/uplot/uPlot.iife.min.js" defer></script>
<script src="/static/js/charts.js" defer></script>
<?cs def:url_value(text, href) ?><?cs if:href ?><a href="<?cs var:href ?>" rel="noopener noreferrer"><?cs var:text ?></a><?cs elif:text ?><?cs var:text ?><?cs else ?><span class="muted">not set</span><?cs /if ?><?cs /def ?>
<div class="cluster-page" data-live-cluster="<?cs var:Cluster.id ?>" data-live-id="<?cs var:Cluster.id ?>">
<div class="cluster-head" data-live-part="head" data-live-on="CLUSTER_UPDATED">
<div class="page-head">
<h1><?cs var:Cluster.name ?> <span class="badge status-<?cs var:Cluster.status ?>" data-field="status" data-class="status-:status"><?cs var:Cluster.status ?></span></h1>
<?cs if:Session.is_admin ?><div class="actions">
<a class="button" href="/clusters/<?cs var:Cluster.id ?>/edit" data-live-action>Edit</a>
<form method="post" action="/clusters/<?cs var:Cluster.id ?>/delete" class="inline" data-live-action data-confirm="Delete cluster <?cs var:Cluster.name ?>? This cannot be undone.">
<?cs call:csrf_field() ?><button type="submit" class="button danger">Delete</button>
</form>
</div><?cs /if ?>
</div>
<?cs if:Cluster.display_name ?><p class="lead"><?cs var:Cluster.display_name ?></p><?cs /if ?>
<div class="callout status-<?cs var:Cluster.status ?>" data-field="status_reason" data-hide-empty data-class="status-:status"<?cs if:!Cluster.status_reason ?> hidden<?cs /if ?>><?cs var:Cluster.status_reason ?></div>
</div>
<section class="panel health-history" aria-label="Health checks" data-live-part="health" data-live-on="CLUSTER_CHECKED CLUSTER_STATUS_CHANGED">
<h2>Health checks <?cs if:History_count ?><span class="muted">last <?cs var:History_count ?>, ready <?cs var:History_ready_pct ?>% of them</span><?cs /if ?></h2>
<?cs if:History_count ?>
<ol class="strip" aria-label="Status of each check, oldest first"><?cs each:h = History ?><li class="cell status-<?cs var:h.status ?>" data-at="<?cs var:h.at ?>" title="<?cs var:h.at ?>: <?cs var:h.status ?><?cs if:h.reason ?> (<?cs var:h.reason ?>)<?cs /if ?><?cs if:h.latency_ms ?>, <?cs var:h.latency_ms ?> ms<?cs /if ?>"><span class="visually-hidden"><?cs var:h.at ?> <?cs var:h.status ?></span></li><?cs /each ?></ol>
<?cs # At most four times, each under its check's cell. ?><ol class="time-ticks" aria-hidden="true"><?cs each:h = History ?><li><?cs if:name(h) % ((#History_count + 3) / 4) == 0 ?><time data-format="hm" datetime="<?cs var:h.at ?>"><?cs var:h.at ?></time><?cs /if ?></li><?cs /each ?></ol>
<?cs if:Latency.points ?><figure class="latency">
<div class="chart"><span class="y-label y-max" aria-hidden="true"><?cs var:Latency.max ?> ms</span><span class="y-label y-half" aria-hidden="true"><?cs var:Latency.half ?> ms</span><span class="y-label y-zero" aria-hidden="true">0</span>
<svg viewBox="0 0 600 80" preserveAspectRatio="none" role="img" aria-label="API server latency of each check, up to <?cs var:Latency.max ?> ms"><line class="grid" x1="0" y1="2" x2="600" y2="2"/><line class="grid" x1="0" y1="40" x2="600" y2="40"/><line class="axis" x1="0" y1="78" x2="600" y2="78"/><polyline class="line" points="<?cs var:Latency.points ?>"/></svg></div>
<figcaption><span>API latency</span><span class="muted">0 to <?cs var:Latency.max ?> ms</span></figcaption>
</figure><?cs /if ?>
<p class="time-axis"><?cs each:h = History ?><?cs if:last(h) ?>last check <time data-format="clock" datetime="<?cs var:h.at ?>"><?cs var:h.at ?></time> (<time datetime="<?cs var:h.at ?>"><?cs var:h.at ?></time>)<?cs /if ?><?cs /each ?></p>
<?cs else ?><p class="muted">No check yet: the health collector polls every cluster once a minute.</p><?cs /if ?>
</section>
<?cs # The charts are drawn by charts.js, each from the fan-out (/api/v1/metrics/query_range) for this cluster alone; outside the live parts, so a live update never redraws them. ?>
<section class="panel metric-charts" id="metric-charts" aria-label="Metrics">
<h2>Metrics <span class="muted">last hour</span> <a class="panel-link" href="<?cs var:ChartsExplore ?>">Open in the explorer</a></h2>
<div class="chart-grid"><?cs each:g = Charts ?>
<figure class="metric-chart" id="chart-<?cs var:g.key ?>"<?cs if:!g.no_prometheus ?> data-chart-query="<?cs var:g.query ?>" data-chart-cluster="<?cs var:Cluster.name ?>" data-chart-unit="<?cs var:g.unit ?>"<?cs /if ?>>
<figcaption><span class="chart-title"><?cs var:g.title ?></span><span class="chart-now" title="The latest value"></span><a class="panel-link" href="<?cs var:g.explore ?>" title="This chart's query in the explorer">explore</a></figcaption>
<div class="chart-box"><?cs if:g.no_prometheus ?><p class="chart-state" data-state="skipped">No Prometheus URL: this cluster's metrics are not asked for.<?cs if:Session.is_admin ?> <a href="/clusters/<?cs var:Cluster.id ?>/edit">Set one</a>.<?cs /if ?></p><?cs else ?><p class="chart-state" data-state="loading">Loading…</p><?cs /if ?></div>
</figure><?cs /each ?></div>
</section>
<dl class="details" data-live-part="details" data-live-on="CLUSTER_UPDATED">
<div><dt>Environment</dt><dd><?cs call:env_badge(Cluster.environment) ?></dd></div>
<div><dt>Type</dt><dd><?cs var:Cluster.type ?></dd></div>
<div><dt>Region</dt><dd><?cs if:Cluster.region ?><?cs var:Cluster.region ?><?cs else ?><span class="muted">not set</span><?cs /if ?></dd></div>
<div><dt>Version</dt><dd><span data-field="version" data-empty="unknown"<?cs if:!Cluster.version ?> class="muted"<?cs /if ?>><?cs if:Cluster.version ?><?cs var:Cluster.version ?><?cs else ?>unknown<?cs /if ?></span></dd></div>
<div><dt>API latency</dt><dd><span data-field="latency_ms" data-unit=" ms" data-empty="not measured"<?cs if:!Cluster.latency_ms ?> class="muted"<?cs /if ?>><?cs if:Cluster.latency_ms ?><?cs var:Cluster.latency_ms ?> ms<?cs else ?>not measured<?cs /if ?></span><?cs each:h = History ?><?cs if:last(h) ?> <span class="muted asof">as of <time data-field="checked_at" data-format="clock" datetime="<?cs var:h.at ?>"><?cs var:h.at ?></time></span><?cs /if ?><?cs /each ?></dd></div>
<div><dt>GPUs</dt><dd><?cs if:Cluster.has_gpu == "1" ?>yes<?cs else ?>no<?cs /if ?></dd></div>
<div><dt>Last seen</dt><dd><?cs call:seen(Cluster.last_seen) ?></dd></div>
<div><dt>Registered</dt><dd><time datetime="<?cs var:Cluster.created_at ?>"><?cs var:Cluster.created_at ?></time></dd></div>
<div><dt>Updated</dt><dd><time datetime="<?cs var:Cluster.updated_at ?>"><?cs var:Cluster.updated_at ?></time></dd></div>
<div class="wide"><dt>Labels</dt><dd class="labels"><?cs each:l = Cluster.labels ?><a class="chip" href="/clusters?label=<?cs var:url_escape(l.k) ?>%3D<?cs var:url_escape(l.v) ?>" title="Show the clusters labelled <?cs var:l.k ?>=<?cs var:l.v ?>"><?cs var:l.k ?>=<?cs var:l.v ?></a><?cs /each ?><?cs if:!subcount(Cluster.labels) ?><span class="muted">none</span><?cs /if ?></dd></div>
<?cs # The *_href values are set only for http and https URLs (field_write_row): anything else is text. ?>
<div class="wide"><dt>API server</dt><dd class="url"><?cs call:url_value(Cluster.api_url, Cluster.api_url_href) ?></dd></div>
<div class="wide"><dt>Prometheus</dt><dd class="url"><?cs call:url_value(Cluster.prometheus_url, Cluster.prometheus_url_href) ?></dd></div>
<div class="wide"><dt>Alertmanager</dt><dd class="url"><?cs call:url_value(Cluster.alertmanager_url, Cluster.alertmanager_url_href) ?></dd></div>
<div class="wide"><dt>Loki</dt><dd class="url"><?cs call:url_value(Cluster.loki_url, Cluster.loki_url_href) ?></dd></div>
<?cs if:subcount(Creds) ?><div class="wide"><dt>Credentials</dt><dd class="creds"><?cs each:c = Creds ?><span class="chip cred-<?cs if:c.set == "1" ?>set<?cs else ?>unset<?cs /if ?>" data-credential="<?cs var:c.kind ?>"><?cs var:c.label ?>: <?cs if:c.set == "1" ?>set<?cs else ?>not set<?cs /if ?></span> <?cs /each ?><a href="/clusters/<?cs var:Cluster.id ?>/edit#credentials">change</a></dd></div><?cs /if ?>
<div class="wide"><dt>Alerts</dt><dd><a href="/alerts?cluster=<?cs var:Cluster.name ?>"><?cs if:Alerts.critical || Alerts.warning || Alerts.other ?><?cs if:Alerts.critical ?><span class="badge severity-critical"><?cs var:Alerts.critical ?> critical</span> <?cs /if ?><?cs if:Alerts.warning ?><span class="badge severity-warning"><?cs var:Alerts.warning ?> warning</span> <?cs /if ?><?cs if:Alerts.other ?><?cs var:Alerts.other ?> other<?cs /if ?><?cs else ?>nothing firing<?cs /if ?></a> · alert pipeline: <?cs if:Alerts.pipeline == "ok" ?>its Watchdog arrives<?cs elif:Alerts.pipeline == "broken" ?><strong class="pipeline-broken">broken</strong>, its Watchdog last arrived <time datetime="<?cs var:Alerts.watchdog_at ?>"><?cs var:Alerts.watchdog_at ?></time><?cs elif:Alerts.pipeline == "no-watchdog" ?>delivers, but no Watchdog has arrived<?cs elif:Alerts.pipeline == "waiting" ?>nothing delivered yet<?cs else ?><span class="muted">not connected (no ingest token)</span><?cs /if ?></dd></div>
<div class="wide"><dt>ID</dt><dd><code><?cs var:Cluster.id ?></code></dd></div>
</dl>
</div>
