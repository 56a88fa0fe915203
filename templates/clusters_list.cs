<?cs # clusters_list.cs: the register as a filterable, sortable table. ?><?cs include:"macros.cs" ?>
<?cs # Cluster ids are UUIDs from PostgreSQL: safe in a URL as they are, so no url_escape. ?>
<div class="page-head">
<h1>Clusters</h1>
<?cs if:Session.is_admin ?><a class="button primary" href="/clusters/new">Add cluster</a><?cs /if ?>
</div>
<form class="filters" method="get" action="/clusters" role="search">
<label class="filter-q">Search <input type="search" name="q" value="<?cs var:Filter.q ?>" placeholder="name, display name or region" aria-keyshortcuts="/" title="Press / to search"></label>
<label>Environment <select name="environment" multiple size="4" title="none chosen: any; several may be chosen"><?cs each:o = Choices.environment ?><option value="<?cs var:o.v ?>"<?cs if:o.sel ?> selected<?cs /if ?>><?cs var:o.v ?></option><?cs /each ?></select></label>
<label>Type <select name="type"><option value="">any</option><?cs call:select_options(Options.type, Filter.type) ?></select></label>
<label>Status <select name="status" multiple size="4" title="none chosen: any; several may be chosen"><?cs each:o = Choices.status ?><option value="<?cs var:o.v ?>"<?cs if:o.sel ?> selected<?cs /if ?>><?cs var:o.v ?></option><?cs /each ?></select></label>
<label>GPUs <select name="has_gpu"><option value="">any</option><option value="true"<?cs if:Filter.has_gpu == "true" ?> selected<?cs /if ?>>with GPUs</option><option value="false"<?cs if:Filter.has_gpu == "false" ?> selected<?cs /if ?>>without</option></select></label>
<label>Label <input type="text" name="label" value="<?cs var:Filter.label ?>" placeholder="key=value"></label>
<?cs if:Filter.sort ?><input type="hidden" name="sort" value="<?cs var:Filter.sort ?>"><?cs /if ?><?cs if:Filter.dir ?><input type="hidden" name="dir" value="<?cs var:Filter.dir ?>"><?cs /if ?>
<span class="filter-buttons"><button type="submit" class="button">Filter</button>
<a class="button subtle" href="/clusters">Reset</a></span>
</form>
<div class="list-part" data-live-part="list" data-live-on="CLUSTER_REGISTERED CLUSTER_UPDATED CLUSTER_DELETED<?cs if:Filter.status || Filter.sort == "status" ?> CLUSTER_STATUS_CHANGED<?cs /if ?>">
<?cs if:List.count == 0 ?><p class="empty">No cluster matches these filters.</p><?cs else ?>
<div class="table-wrap">
<table class="table clusters cards" id="clusters-table">
<thead><tr><?cs call:sort_header("name", "Name") ?><?cs call:sort_header("status", "Status") ?><?cs call:sort_header("environment", "Environment") ?><?cs call:sort_header("type", "Type") ?><?cs call:sort_header("region", "Region") ?><th scope="col">Version</th><th scope="col">GPUs</th><th scope="col">Labels</th><?cs call:sort_header("last_seen", "Last seen") ?><th scope="col" class="col-api">API server</th></tr></thead><?cs # The rows spell out env_badge, status_badge and seen (macros.cs): a call per row costs more than the rest of the cell. ?>
<tbody><?cs each:c = Clusters ?>
<tr class="row-status-<?cs var:c.status ?>" data-cluster-name="<?cs var:c.name ?>" data-live-key="<?cs var:c.id ?>" data-live-id="<?cs var:c.id ?>" data-class="row-status-:status">
<td class="cell-name"><a href="/clusters/<?cs var:c.id ?>"><?cs var:c.name ?></a><?cs if:c.display_name ?><div class="sub"><?cs var:c.display_name ?></div><?cs /if ?></td>
<td class="cell-status"><span class="badge status-<?cs var:c.status ?>" data-field="status" data-class="status-:status"><?cs var:c.status ?></span><div class="sub reason" data-field="status_reason" data-hide-empty title="<?cs var:c.status_reason ?>"<?cs if:!c.status_reason ?> hidden<?cs /if ?>><?cs var:c.status_reason ?></div></td>
<td class="cell-env" data-label="Environment"><span class="badge env-<?cs var:c.environment ?>"><?cs var:c.environment ?></span></td>
<td data-label="Type"><?cs var:c.type ?></td>
<td data-label="Region"><?cs var:c.region ?></td>
<td data-label="Version"><span data-field="version"><?cs var:c.version ?></span></td>
<td class="cell-gpu" data-label="GPUs"><?cs if:c.has_gpu == "1" ?><span class="gpu-yes" title="has GPUs">GPU</span><?cs else ?><span class="muted">–</span><?cs /if ?></td>
<td class="labels" data-label="Labels"><?cs each:l = c.labels ?><a class="chip" href="/clusters?label=<?cs var:url_escape(l.k) ?>%3D<?cs var:url_escape(l.v) ?>"><?cs var:l.k ?>=<?cs var:l.v ?></a><?cs /each ?></td>
<td data-label="Last seen"><time data-field="last_seen" datetime="<?cs var:c.last_seen ?>"><?cs if:c.last_seen ?><?cs var:c.last_seen ?><?cs else ?>never<?cs /if ?></time></td>
<td class="url col-api" data-label="API server"><div class="clip" title="<?cs var:c.api_url ?>"><?cs var:c.api_url ?></div></td>
</tr><?cs /each ?></tbody>
</table>
</div><?cs /if ?>
<nav class="pager" aria-label="Pages">
<?cs if:List.first_url ?><a class="button subtle" href="<?cs var:List.first_url ?>">First page</a><?cs /if ?>
<span class="muted"><?cs var:List.count ?> shown</span>
<?cs if:List.next_url ?><a class="button" rel="next" href="<?cs var:List.next_url ?>">Next page</a><?cs /if ?>
</nav>
</div>
