<?cs # home.cs: the fleet dashboard. Parts marked data-live-part follow the fleet (live.js). ?><?cs include:"macros.cs" ?>
<?cs # Cluster ids are UUIDs from PostgreSQL: safe in a URL as they are, so no url_escape. ?>
<h1>Fleet</h1>
<section class="tiles" aria-label="Fleet summary" data-live-part="tiles" data-live-on="CLUSTER_REGISTERED CLUSTER_UPDATED CLUSTER_DELETED CLUSTER_STATUS_CHANGED">
<a class="tile tile-total" href="/clusters" data-live-key="total"><span class="tile-value"><?cs var:Summary.total ?></span><span class="tile-label">clusters</span></a>
<?cs each:s = Summary.by_status ?><a class="tile tile-status status-<?cs var:s.k ?><?cs if:s.v == 0 ?> is-zero<?cs /if ?>" href="/clusters?status=<?cs var:url_escape(s.k) ?>" data-status="<?cs var:s.k ?>" data-live-key="status-<?cs var:s.k ?>"><span class="tile-value"><?cs var:s.v ?></span><span class="tile-label"><?cs var:s.k ?></span></a>
<?cs /each ?><a class="tile tile-gpu" href="/clusters?has_gpu=true" data-live-key="gpu"><span class="tile-value"><?cs var:Summary.gpu_clusters ?></span><span class="tile-label">with GPUs</span></a>
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
