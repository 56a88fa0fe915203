<?cs # home.cs: the fleet dashboard. ?><?cs include:"macros.cs" ?>
<h1>Fleet</h1>
<section class="tiles" aria-label="Fleet summary">
<a class="tile tile-total" href="/clusters"><span class="tile-value"><?cs var:Summary.total ?></span><span class="tile-label">clusters</span></a>
<?cs each:s = Summary.by_status ?><a class="tile tile-status status-<?cs var:s.k ?>" href="/clusters?status=<?cs var:url_escape(s.k) ?>" data-status="<?cs var:s.k ?>"><span class="tile-value"><?cs var:s.v ?></span><span class="tile-label"><?cs var:s.k ?></span></a>
<?cs /each ?><a class="tile tile-gpu" href="/clusters?has_gpu=true"><span class="tile-value"><?cs var:Summary.gpu_clusters ?></span><span class="tile-label">with GPUs</span></a>
</section>
<div class="dash-grid">
<section class="panel" aria-label="By environment">
<h2>By environment</h2>
<div class="bars"><?cs each:e = Summary.by_environment ?><a class="bar-row" href="/clusters?environment=<?cs var:url_escape(e.k) ?>"><span class="bar-label"><?cs var:e.k ?></span><span class="bar-track"><span class="bar-fill env-<?cs var:e.k ?>" data-value="<?cs var:e.v ?>" data-total="<?cs var:Summary.total ?>"></span></span><span class="bar-value"><?cs var:e.v ?></span></a>
<?cs /each ?></div>
</section>
<section class="panel" aria-label="Clusters needing attention">
<h2>Needs attention <a class="panel-link" href="/clusters">All clusters</a></h2>
<?cs if:Attention.count == 0 ?><p class="empty">Every cluster is ready.</p><?cs else ?>
<div class="table-wrap">
<table class="table">
<thead><tr><th scope="col">Cluster</th><th scope="col">Environment</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Last seen</th></tr></thead>
<tbody><?cs each:c = Attention ?><?cs if:c.id ?>
<tr class="row-status-<?cs var:c.status ?>"><td><a href="/clusters/<?cs var:c.id ?>"><?cs var:c.name ?></a><?cs if:c.display_name ?><div class="sub"><?cs var:c.display_name ?></div><?cs /if ?></td>
<td><?cs call:env_badge(c.environment) ?></td><td><?cs call:status_badge(c.status) ?></td>
<td class="reason"><?cs if:c.status_reason ?><?cs var:c.status_reason ?><?cs elif:c.status == "unknown" ?>never polled<?cs /if ?></td>
<td><?cs if:c.last_seen ?><time datetime="<?cs var:c.last_seen ?>"><?cs var:c.last_seen ?></time><?cs else ?><span class="muted">never</span><?cs /if ?></td></tr>
<?cs /if ?><?cs /each ?></tbody>
</table>
</div><?cs /if ?>
</section>
</div>
