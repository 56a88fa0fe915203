<?cs # api_docs.cs: the API reference, from the OpenAPI document (fcgi/res_apidoc.c). ?>
<h1>API reference</h1>
<p class="muted"><?cs var:Doc.title ?> <?cs var:Doc.version ?> · the same as the machine-readable <a href="/api/v1/openapi.json">OpenAPI document</a>. Programs authenticate with <code>Authorization: Bearer aiops_…</code> (<a href="/settings#tokens">your tokens</a>).</p>
<?cs if:Doc.description ?><p><?cs var:Doc.description ?></p><?cs /if ?>
<nav class="card api-toc" aria-label="Sections"><h2>Sections</h2><ul>
<?cs each:g = Tags ?><li><a href="#tag-<?cs var:g.name ?>"><?cs var:g.name ?></a> <span class="muted"><?cs var:g.description ?></span></li><?cs /each ?>
<li><a href="#schemas">schemas</a> <span class="muted">the shapes of bodies and answers</span></li>
</ul></nav>
<?cs each:g = Tags ?><section class="api-tag" id="tag-<?cs var:g.name ?>">
<h2><?cs var:g.name ?></h2>
<?cs if:g.description ?><p class="muted"><?cs var:g.description ?></p><?cs /if ?>
<?cs each:o = g.Ops ?><article class="card api-op" id="op-<?cs var:o.id ?>">
<h3><span class="api-method api-<?cs var:o.method ?>"><?cs var:o.method ?></span> <code class="api-path"><?cs var:o.path ?></code></h3>
<p><strong><?cs var:o.summary ?></strong><?cs if:o.role ?> <span class="badge role-<?cs var:o.role ?>" title="The least role that may call it"><?cs var:o.role ?></span><?cs /if ?><?cs if:o.served_by ?> <span class="muted">served by <?cs var:o.served_by ?></span><?cs /if ?></p>
<?cs if:o.description ?><p class="api-desc"><?cs var:o.description ?></p><?cs /if ?>
<?cs if:subcount(o.Params) ?><div class="table-wrap"><table class="table api-table"><caption>Parameters</caption>
<thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
<?cs each:p = o.Params ?><tr><td><code><?cs var:p.name ?></code><?cs if:p.required ?> <span class="muted">required</span><?cs /if ?></td><td><?cs var:p.in ?></td><td><?cs var:p.type ?></td><td><?cs var:p.description ?></td></tr><?cs /each ?>
</tbody></table></div><?cs /if ?>
<?cs each:b = o.Body ?><p>Body: <code><?cs var:b.type ?></code><?cs if:b.schema ?>, <a href="#schema-<?cs var:b.schema ?>"><?cs var:b.schema ?></a><?cs /if ?></p><?cs /each ?>
<div class="table-wrap"><table class="table api-table"><caption>Answers</caption><tbody>
<?cs each:a = o.Responses ?><tr><td class="api-code"><?cs var:a.code ?></td><td><?cs var:a.description ?></td></tr><?cs /each ?>
</tbody></table></div>
</article><?cs /each ?>
</section><?cs /each ?>
<section class="api-tag" id="schemas"><h2>Schemas</h2>
<?cs each:s = Schemas ?><article class="card api-op" id="schema-<?cs var:s.name ?>"><h3><code><?cs var:s.name ?></code></h3>
<?cs if:s.description ?><p class="api-desc"><?cs var:s.description ?></p><?cs /if ?>
<?cs if:subcount(s.Props) ?><div class="table-wrap"><table class="table api-table"><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead><tbody>
<?cs each:p = s.Props ?><tr><td><code><?cs var:p.name ?></code><?cs if:p.required ?> <span class="muted">required</span><?cs /if ?></td><td><?cs var:p.type ?></td><td><?cs var:p.description ?></td></tr><?cs /each ?>
</tbody></table></div><?cs /if ?>
</article><?cs /each ?>
</section>
