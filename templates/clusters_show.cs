<?cs # clusters_show.cs: one cluster's details. ?><?cs include:"macros.cs" ?>
<?cs # Cluster ids are UUIDs from PostgreSQL: safe in a URL as they are, so no url_escape. ?>
<div class="page-head">
<h1><?cs var:Cluster.name ?> <?cs call:status_badge(Cluster.status) ?></h1>
<?cs if:Session.is_admin ?><div class="actions">
<a class="button" href="/clusters/<?cs var:Cluster.id ?>/edit">Edit</a>
<form method="post" action="/clusters/<?cs var:Cluster.id ?>/delete" class="inline" data-confirm="Delete cluster <?cs var:Cluster.name ?>? This cannot be undone.">
<?cs call:csrf_field() ?><button type="submit" class="button danger">Delete</button>
</form>
</div><?cs /if ?>
</div>
<?cs if:Cluster.display_name ?><p class="lead"><?cs var:Cluster.display_name ?></p><?cs /if ?>
<?cs if:Cluster.status_reason ?><div class="callout status-<?cs var:Cluster.status ?>"><?cs var:Cluster.status_reason ?></div><?cs /if ?>
<section class="panel health-history" aria-label="Health checks">
<h2>Health checks <?cs if:History_count ?><span class="muted">last <?cs var:History_count ?>, ready <?cs var:History_ready_pct ?>% of them</span><?cs /if ?></h2>
<?cs if:History_count ?>
<ol class="strip" aria-label="Status of each check, oldest first"><?cs each:h = History ?><li class="cell status-<?cs var:h.status ?>" title="<?cs var:h.at ?>: <?cs var:h.status ?><?cs if:h.reason ?> (<?cs var:h.reason ?>)<?cs /if ?><?cs if:h.latency_ms ?>, <?cs var:h.latency_ms ?> ms<?cs /if ?>"><span class="visually-hidden"><?cs var:h.at ?> <?cs var:h.status ?></span></li><?cs /each ?></ol>
<?cs if:Latency.points ?><figure class="latency">
<svg viewBox="0 0 600 80" preserveAspectRatio="none" role="img" aria-label="API server latency of each check, up to <?cs var:Latency.max ?> ms"><line class="grid" x1="0" y1="2" x2="600" y2="2"/><line class="grid" x1="0" y1="41" x2="600" y2="41"/><line class="axis" x1="0" y1="78" x2="600" y2="78"/><polyline class="line" points="<?cs var:Latency.points ?>"/></svg>
<figcaption><span>API latency</span><span class="muted">0 to <?cs var:Latency.max ?> ms; mid-line <?cs var:Latency.half ?> ms</span></figcaption>
</figure><?cs /if ?>
<?cs else ?><p class="muted">No check yet: the health collector polls every cluster once a minute.</p><?cs /if ?>
</section>
<dl class="details">
<dt>Environment</dt><dd><?cs call:env_badge(Cluster.environment) ?></dd>
<dt>Type</dt><dd><?cs var:Cluster.type ?></dd>
<dt>Region</dt><dd><?cs if:Cluster.region ?><?cs var:Cluster.region ?><?cs else ?><span class="muted">not set</span><?cs /if ?></dd>
<dt>Version</dt><dd><?cs if:Cluster.version ?><?cs var:Cluster.version ?><?cs else ?><span class="muted">unknown</span><?cs /if ?></dd>
<dt>API latency</dt><dd><?cs if:Cluster.latency_ms ?><?cs var:Cluster.latency_ms ?> ms<?cs else ?><span class="muted">not measured</span><?cs /if ?></dd>
<dt>GPUs</dt><dd><?cs if:Cluster.has_gpu == "1" ?>yes<?cs else ?>no<?cs /if ?></dd>
<dt>API server</dt><dd class="url"><?cs var:Cluster.api_url ?></dd>
<dt>Prometheus</dt><dd class="url"><?cs if:Cluster.prometheus_url ?><?cs var:Cluster.prometheus_url ?><?cs else ?><span class="muted">not set</span><?cs /if ?></dd>
<dt>Alertmanager</dt><dd class="url"><?cs if:Cluster.alertmanager_url ?><?cs var:Cluster.alertmanager_url ?><?cs else ?><span class="muted">not set</span><?cs /if ?></dd>
<dt>Loki</dt><dd class="url"><?cs if:Cluster.loki_url ?><?cs var:Cluster.loki_url ?><?cs else ?><span class="muted">not set</span><?cs /if ?></dd>
<dt>Labels</dt><dd class="labels"><?cs each:l = Cluster.labels ?><span class="chip"><?cs var:l.k ?>=<?cs var:l.v ?></span><?cs /each ?><?cs if:!subcount(Cluster.labels) ?><span class="muted">none</span><?cs /if ?></dd>
<dt>Last seen</dt><dd><?cs if:Cluster.last_seen ?><time datetime="<?cs var:Cluster.last_seen ?>"><?cs var:Cluster.last_seen ?></time><?cs else ?><span class="muted">never</span><?cs /if ?></dd>
<dt>Registered</dt><dd><time datetime="<?cs var:Cluster.created_at ?>"><?cs var:Cluster.created_at ?></time></dd>
<dt>Updated</dt><dd><time datetime="<?cs var:Cluster.updated_at ?>"><?cs var:Cluster.updated_at ?></time></dd>
<dt>ID</dt><dd><code><?cs var:Cluster.id ?></code></dd>
</dl>
