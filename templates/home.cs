<?cs # home.cs: the fleet dashboard. Parts marked data-live-part follow the fleet (live.js). ?><?cs include:"macros.cs" ?>
<?cs # Cluster ids are UUIDs from PostgreSQL: safe in a URL as they are, so no url_escape. ?>
<h1>Fleet</h1>
<section class="tiles" aria-label="Fleet summary" data-live-part="tiles" data-live-on="CLUSTER_REGISTERED CLUSTER_UPDATED CLUSTER_DELETED CLUSTER_STATUS_CHANGED">
<a class="tile tile-total" href="/clusters" data-live-key="total"><span class="tile-value"><?cs var:Summary.total ?></span><span class="tile-label">clusters</span></a>
<?cs each:s = Summary.by_status ?><a class="tile tile-status status-<?cs var:s.k ?><?cs if:s.v == 0 ?> is-zero<?cs /if ?>" href="/clusters?status=<?cs var:url_escape(s.k) ?>" data-status="<?cs var:s.k ?>" data-live-key="status-<?cs var:s.k ?>"><span class="tile-value"><?cs var:s.v ?></span><span class="tile-label"><?cs var:s.k ?></span></a>
<?cs /each ?><a class="tile tile-gpu" href="/clusters?has_gpu=true" data-live-key="gpu"><span class="tile-value"><?cs var:Summary.gpu_clusters ?></span><span class="tile-label">with GPUs</span></a>
</section>
<section class="panel alerts-panel" aria-label="Firing alerts" data-live-part="alerts" data-live-on="ALERT_FIRED ALERT_RESOLVED ALERT_PIPELINE_CHANGED">
<h2>Firing alerts <a class="panel-link" href="/alerts">All alerts</a></h2>
<div class="tiles alert-tiles">
<a class="tile severity-critical<?cs if:Firing.critical == 0 ?> is-zero<?cs /if ?>" href="/alerts?severity=critical" data-live-key="critical"><span class="tile-value"><?cs var:Firing.critical ?></span><span class="tile-label">critical</span></a>
<a class="tile severity-warning<?cs if:Firing.warning == 0 ?> is-zero<?cs /if ?>" href="/alerts?severity=warning" data-live-key="warning"><span class="tile-value"><?cs var:Firing.warning ?></span><span class="tile-label">warning</span></a>
<a class="tile<?cs if:Firing.other == 0 ?> is-zero<?cs /if ?>" href="/alerts" data-live-key="other"><span class="tile-value"><?cs var:Firing.other ?></span><span class="tile-label">other</span></a>
</div>
<?cs if:subcount(FiringByCluster) ?><div class="table-wrap"><table class="table alerts-by-cluster">
<thead><tr><th scope="col">Cluster</th><th scope="col">Critical</th><th scope="col">Warning</th><th scope="col">Other</th></tr></thead>
<tbody><?cs each:c = FiringByCluster ?><tr data-live-key="<?cs var:c.cluster ?>"><td><a href="/alerts?cluster=<?cs var:c.cluster ?>"><?cs var:c.cluster ?></a></td><td><?cs if:c.critical != 0 ?><span class="badge severity-critical"><?cs var:c.critical ?></span><?cs else ?><span class="muted">0</span><?cs /if ?></td><td><?cs if:c.warning != 0 ?><span class="badge severity-warning"><?cs var:c.warning ?></span><?cs else ?><span class="muted">0</span><?cs /if ?></td><td><?cs var:c.other ?></td></tr><?cs /each ?></tbody>
</table></div><?cs elif:Pipelines_count ?><p class="empty">Nothing is firing.</p><?cs else ?><p class="empty">No cluster sends its alerts here yet: give its Alertmanager an ingest token (<code>aiopsctl cluster ingest-token NAME</code>).</p><?cs /if ?>
<?cs if:subcount(Pipelines) ?><h3>Alert pipelines</h3><ul class="pipelines"><?cs each:p = Pipelines ?><li class="pipeline-<?cs var:p.state ?>"><a href="/clusters/<?cs var:p.cluster_id ?>"><?cs var:p.cluster ?></a>: <?cs if:p.state == "broken" ?><strong>broken</strong>, its Watchdog last arrived <time datetime="<?cs var:p.watchdog_at ?>"><?cs var:p.watchdog_at ?></time><?cs elif:p.state == "no-watchdog" ?>delivers, but no Watchdog has arrived<?cs else ?>nothing delivered yet<?cs /if ?></li><?cs /each ?></ul><?cs /if ?>
</section>
<div class="dash-grid">
<section class="panel" aria-label="By environment" data-live-part="environments" data-live-on="CLUSTER_REGISTERED CLUSTER_UPDATED CLUSTER_DELETED">
<h2>By environment</h2>
<div class="bars"><?cs each:e = Summary.by_environment ?><a class="bar-row" href="/clusters?environment=<?cs var:url_escape(e.k) ?>" data-live-key="env-<?cs var:e.k ?>"><span class="bar-label"><?cs var:e.k ?></span><span class="bar-track"><span class="bar-fill env-<?cs var:e.k ?>" data-value="<?cs var:e.v ?>" data-total="<?cs var:Summary.total ?>"></span></span><span class="bar-value"><?cs var:e.v ?></span></a>
<?cs /each ?></div>
</section>
<section class="panel" aria-label="Clusters needing attention" data-live-part="attention" data-live-on="CLUSTER_REGISTERED CLUSTER_UPDATED CLUSTER_DELETED CLUSTER_STATUS_CHANGED">
<h2>Needs attention <a class="panel-link" href="/clusters">All clusters</a></h2>
<?cs if:!subcount(Attention) ?><p class="empty">Every cluster is ready.</p><?cs else ?>
<div class="table-wrap">
<table class="table cards attention">
<thead><tr><th scope="col">Cluster</th><th scope="col">Status</th><th scope="col">Environment</th><th scope="col">Reason</th><th scope="col">Last seen</th></tr></thead>
<tbody><?cs each:c = Attention ?><?cs if:c.id ?>
<tr class="row-status-<?cs var:c.status ?>" data-live-key="<?cs var:c.id ?>" data-live-id="<?cs var:c.id ?>" data-class="row-status-:status"><td class="cell-name"><a href="/clusters/<?cs var:c.id ?>"><?cs var:c.name ?></a><?cs if:c.display_name ?><div class="sub"><?cs var:c.display_name ?></div><?cs /if ?></td>
<td class="cell-status"><span class="badge status-<?cs var:c.status ?>" data-field="status" data-class="status-:status"><?cs var:c.status ?></span></td>
<td class="cell-env" data-label="Environment"><?cs call:env_badge(c.environment) ?></td>
<td class="reason" data-label="Reason"><span data-field="status_reason" data-hide-empty<?cs if:!c.status_reason ?> hidden<?cs /if ?>><?cs var:c.status_reason ?></span><?cs if:c.status == "unknown" ?><span class="muted">never polled</span><?cs /if ?></td>
<td class="cell-seen" data-label="Last seen"><?cs call:seen(c.last_seen) ?></td></tr>
<?cs /if ?><?cs /each ?></tbody>
</table>
</div><?cs /if ?>
</section>
</div>
