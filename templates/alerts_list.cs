<?cs # alerts_list.cs: the fleet's alerts, counted by group, filtered, newest first. ?><?cs include:"macros.cs" ?>
<?cs # Alert ids are numbers and cluster names [a-z0-9-] from our own store: safe in a URL as they are. ?>
<div class="page-head">
<h1>Alerts</h1>
<span class="muted" id="alerts-total" data-live-part="total" data-live-on="ALERT_FIRED ALERT_RESOLVED"><?cs var:List.total ?> <?cs if:Filter.state == "resolved" ?>resolved<?cs else ?>firing<?cs /if ?></span>
</div>
<form class="filters" method="get" action="/alerts" role="search">
<label class="filter-q">Search <input type="search" name="q" value="<?cs var:Filter.q ?>" placeholder="name, summary or description"></label>
<label>State <select name="state"><option value="firing"<?cs if:Filter.state == "firing" ?> selected<?cs /if ?>>firing</option><option value="acknowledged"<?cs if:Filter.state == "acknowledged" ?> selected<?cs /if ?>>acknowledged</option><option value="silenced"<?cs if:Filter.state == "silenced" ?> selected<?cs /if ?>>silenced</option><option value="inhibited"<?cs if:Filter.state == "inhibited" ?> selected<?cs /if ?>>inhibited</option><option value="resolved"<?cs if:Filter.state == "resolved" ?> selected<?cs /if ?>>resolved</option></select></label>
<label>Cluster <input type="text" name="cluster" value="<?cs var:Filter.cluster ?>" placeholder="name"></label>
<label>Severity <input type="text" name="severity" value="<?cs var:Filter.severity ?>" placeholder="critical"></label>
<label>Labels <input type="text" name="match" value="<?cs var:Filter.match ?>" placeholder="team=gpu-infra, job=~node.*"></label>
<input type="hidden" name="group" value="<?cs var:List.group ?>">
<span class="filter-buttons"><button type="submit" class="button">Filter</button>
<a class="button subtle" href="/alerts">Reset</a></span>
</form>
<section class="card alert-groups" aria-label="Counts" data-live-part="groups" data-live-on="ALERT_FIRED ALERT_RESOLVED">
<p class="group-by">Group by <a href="<?cs var:GroupUrl.alertname ?>"<?cs if:List.group == "alertname" ?> aria-current="true" class="current"<?cs /if ?>>alert name</a> · <a href="<?cs var:GroupUrl.cluster ?>"<?cs if:List.group == "cluster" ?> aria-current="true" class="current"<?cs /if ?>>cluster</a> · <a href="<?cs var:GroupUrl.severity ?>"<?cs if:List.group == "severity" ?> aria-current="true" class="current"<?cs /if ?>>severity</a></p>
<ul class="group-counts"><?cs each:g = Groups ?><li><a class="chip<?cs if:List.group == "severity" ?> severity-<?cs var:g.name ?><?cs /if ?>" href="<?cs var:g.url ?>"><?cs var:g.name ?> <strong><?cs var:g.count ?></strong></a></li><?cs /each ?></ul>
</section>
<div class="list-part" data-live-part="list" data-live-on="ALERT_FIRED ALERT_RESOLVED">
<?cs if:List.count == 0 ?><p class="empty">No alert matches these filters.</p><?cs else ?>
<div class="table-wrap">
<table class="table alerts" id="alerts-table">
<thead><tr><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">Cluster</th><th scope="col">Since</th><th scope="col">Labels</th></tr></thead>
<tbody><?cs each:a = Alerts ?>
<tr class="row-alert-<?cs var:a.status ?>" data-alert-id="<?cs var:a.id ?>" data-live-key="<?cs var:a.id ?>">
<td><a href="/alerts/<?cs var:a.id ?>"><?cs var:a.alertname ?></a><?cs if:a.summary ?><div class="sub"><?cs var:a.summary ?></div><?cs /if ?></td>
<td><span class="badge severity-<?cs var:a.severity ?>"><?cs var:a.severity ?></span><?cs if:a.acked_by ?> <span class="badge acked" title="<?cs var:a.acked_by ?>: <?cs var:a.ack_comment ?>">acked</span><?cs /if ?><?cs if:a.silenced_by ?> <span class="badge muted-by" title="silenced by <?cs var:a.silenced_by ?>">silenced</span><?cs /if ?><?cs if:a.inhibited_by ?> <span class="badge muted-by" title="inhibited by <?cs var:a.inhibited_by ?>">inhibited</span><?cs /if ?></td>
<td><a href="/clusters?q=<?cs var:a.cluster ?>"><?cs var:a.cluster ?></a></td>
<td><?cs if:a.status == "resolved" ?>resolved <time datetime="<?cs var:a.ends_at ?>"><?cs var:a.ends_at ?></time><?cs else ?>firing since <time datetime="<?cs var:a.starts_at ?>"><?cs var:a.starts_at ?></time><?cs /if ?></td>
<td class="labels"><?cs each:l = a.labels ?><?cs if:l.k != "alertname" && l.k != "severity" ?><span class="chip" title="<?cs var:l.k ?>=<?cs var:l.v ?>"><?cs var:l.k ?>=<?cs var:l.v ?></span><?cs /if ?><?cs /each ?></td>
</tr><?cs /each ?></tbody>
</table>
</div><?cs /if ?>
<nav class="pager" aria-label="Pages">
<span class="muted"><?cs var:List.count ?> shown · export this view as <a href="<?cs var:Export.csv ?>" download>CSV</a> or <a href="<?cs var:Export.json ?>" download>JSON</a></span>
<?cs if:List.next_url ?><a class="button" rel="next" href="<?cs var:List.next_url ?>">Next page</a><?cs /if ?>
</nav>
</div>
