<?cs # clusters_list.cs: the register as a filterable, sortable table. ?><?cs include:"macros.cs" ?>
<?cs # Cluster ids are UUIDs from PostgreSQL: safe in a URL as they are, so no url_escape. ?>
<div class="page-head">
<h1>Clusters</h1>
<?cs if:Session.is_admin ?><a class="button primary" href="/clusters/new">Add cluster</a><?cs /if ?>
</div>
<form class="filters" method="get" action="/clusters" role="search">
<label class="filter-q">Search <input type="search" name="q" value="<?cs var:Filter.q ?>" placeholder="name, display name or region"></label>
<label>Environment <select name="environment"><option value="">any</option><?cs call:select_options(Options.environments, Filter.environment) ?></select></label>
<label>Type <select name="type"><option value="">any</option><?cs call:select_options(Options.types, Filter.type) ?></select></label>
<label>Status <select name="status"><option value="">any</option><?cs call:select_options(Options.statuses, Filter.status) ?></select></label>
<label>GPUs <select name="has_gpu"><option value="">any</option><option value="true"<?cs if:Filter.has_gpu == "true" ?> selected<?cs /if ?>>with GPUs</option><option value="false"<?cs if:Filter.has_gpu == "false" ?> selected<?cs /if ?>>without</option></select></label>
<label>Label <input type="text" name="label" value="<?cs var:Filter.label ?>" placeholder="key=value"></label>
<?cs if:Filter.sort ?><input type="hidden" name="sort" value="<?cs var:Filter.sort ?>"><?cs /if ?><?cs if:Filter.dir ?><input type="hidden" name="dir" value="<?cs var:Filter.dir ?>"><?cs /if ?>
<span class="filter-buttons"><button type="submit" class="button">Filter</button>
<a class="button subtle" href="/clusters">Reset</a></span>
</form>
<?cs if:List.count == 0 ?><p class="empty">No cluster matches these filters.</p><?cs else ?>
<div class="table-wrap">
<table class="table clusters" id="clusters-table">
<thead><tr><?cs call:sort_header("name", "Name") ?><?cs call:sort_header("environment", "Environment") ?><?cs call:sort_header("type", "Type") ?><?cs call:sort_header("status", "Status") ?><?cs call:sort_header("region", "Region") ?><th scope="col">Version</th><th scope="col">GPUs</th><th scope="col">Labels</th><?cs call:sort_header("last_seen", "Last seen") ?><th scope="col" class="col-api">API server</th></tr></thead><?cs # The rows spell out env_badge and status_badge (macros.cs): a call per row costs more than the rest of the cell. ?>
<tbody><?cs each:c = Clusters ?>
<tr class="row-status-<?cs var:c.status ?>" data-cluster-id="<?cs var:c.id ?>" data-cluster-name="<?cs var:c.name ?>">
<td><a href="/clusters/<?cs var:c.id ?>"><?cs var:c.name ?></a><?cs if:c.display_name ?><div class="sub"><?cs var:c.display_name ?></div><?cs /if ?></td>
<td><span class="badge env-<?cs var:c.environment ?>"><?cs var:c.environment ?></span></td>
<td><?cs var:c.type ?></td>
<td><span class="badge status-<?cs var:c.status ?>"><?cs var:c.status ?></span><?cs if:c.status_reason ?><div class="sub reason" title="<?cs var:c.status_reason ?>"><?cs var:c.status_reason ?></div><?cs /if ?></td>
<td><?cs var:c.region ?></td>
<td><?cs var:c.version ?></td>
<td><?cs if:c.has_gpu == "1" ?><span class="gpu-yes" title="has GPUs">GPU</span><?cs else ?><span class="muted">–</span><?cs /if ?></td>
<td class="labels"><?cs each:l = c.labels ?><span class="chip" title="<?cs var:l.k ?>=<?cs var:l.v ?>"><?cs var:l.k ?>=<?cs var:l.v ?></span><?cs /each ?></td>
<td><?cs if:c.last_seen ?><time datetime="<?cs var:c.last_seen ?>"><?cs var:c.last_seen ?></time><?cs else ?><span class="muted">never</span><?cs /if ?></td>
<td class="url col-api"><div class="clip" title="<?cs var:c.api_url ?>"><?cs var:c.api_url ?></div></td>
</tr><?cs /each ?></tbody>
</table>
</div><?cs /if ?>
<nav class="pager" aria-label="Pages">
<?cs if:List.first_url ?><a class="button subtle" href="<?cs var:List.first_url ?>">First page</a><?cs /if ?>
<span class="muted"><?cs var:List.count ?> shown</span>
<?cs if:List.next_url ?><a class="button" rel="next" href="<?cs var:List.next_url ?>">Next page</a><?cs /if ?>
</nav>
