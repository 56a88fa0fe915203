<?cs # admin_audit.cs: the append-only record, newest first, with filters. ?><?cs include:"macros.cs" ?>
<div class="page-head"><h1>Audit log</h1></div>
<form class="filters" method="get" action="/admin/audit" role="search">
<label>Actor <input type="text" name="actor" value="<?cs var:Filter.actor ?>" placeholder="alice"></label>
<label>Action <input type="text" name="action" value="<?cs var:Filter.action ?>" placeholder="login, cluster."></label>
<label>Target <input type="text" name="target" value="<?cs var:Filter.target ?>" placeholder="cluster:ocp-prod"></label>
<label>Since <input type="text" name="since" value="<?cs var:Filter.since ?>" placeholder="2026-01-31T08:00:00Z" title="From this time on (RFC 3339, UTC with Z or an offset)"></label>
<label>Until <input type="text" name="until" value="<?cs var:Filter.until ?>" placeholder="2026-01-31T18:00:00Z" title="Before this time (RFC 3339)"></label>
<span class="filter-buttons"><button type="submit" class="button">Filter</button> <a class="button subtle" href="/admin/audit">Reset</a></span>
</form>
<div class="table-wrap"><table class="table audit" id="audit-table">
<thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Details</th><th scope="col">From</th></tr></thead>
<tbody>
<?cs each:e = Audit ?><tr<?cs if:e.failed == "1" ?> class="failed"<?cs /if ?>>
<td><time datetime="<?cs var:e.at ?>"><?cs var:e.at ?></time></td>
<td><?cs var:e.actor ?><?cs if:e.role ?> <span class="badge role-<?cs var:e.role ?>"><?cs var:e.role ?></span><?cs /if ?></td>
<td><code><?cs var:e.action ?></code></td>
<td><?cs if:e.target_link ?><a href="<?cs var:e.target_link ?>"><?cs var:e.target ?></a><?cs else ?><?cs var:e.target ?><?cs /if ?></td>
<td class="audit-details"><?cs each:d = e.details ?><div><span class="muted"><?cs var:d.k ?>:</span> <?cs var:d.v ?></div><?cs /each ?></td>
<td><?cs if:e.client ?><div><span class="muted">IP</span> <?cs var:e.client ?></div><?cs /if ?><?cs if:e.request_id ?><div><span class="muted">Request</span> <code title="request id"><?cs var:e.request_id ?></code></div><?cs /if ?></td>
</tr><?cs /each ?>
<?cs if:!subcount(Audit) ?><tr><td colspan="6" class="muted">Nothing recorded matches.</td></tr><?cs /if ?>
</tbody></table></div>
<?cs if:Audit_next ?><p class="pager"><a class="button" rel="next" href="<?cs var:Audit_next ?>">Older</a></p><?cs /if ?>
