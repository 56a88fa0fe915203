<?cs # explore.cs: the metrics explorer. The form is rendered from the address (so an address reproduces the view); explore.js runs it against /api/v1/metrics/ and draws the chart, the table and each cluster's outcome. ?>
<link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css">
<link rel="stylesheet" href="/static/css/metrics.css">
<script src="/static/vendor/uplot/uPlot.iife.min.js" defer></script>
<script src="/static/js/charts.js" defer></script>
<script src="/static/js/explore.js" defer></script>
<div class="page-head">
<h1>Explore metrics</h1>
<span class="muted">One PromQL expression across the fleet; every cluster's answer accounted for</span>
</div>
<form class="explore-form" id="explore-form" method="get" action="/metrics/explore" role="search" aria-label="Query">
<div class="expr-row">
<div class="expr-box">
<label for="x-query" class="visually-hidden">PromQL expression</label>
<textarea id="x-query" name="query" rows="2" spellcheck="false" autocomplete="off" autocapitalize="off" placeholder="sum by (cluster) (rate(node_cpu_seconds_total{mode!=&quot;idle&quot;}[5m]))" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="x-suggest" aria-describedby="x-query-hint"><?cs var:Explore.query ?></textarea>
<ul id="x-suggest" class="suggest" role="listbox" aria-label="Metric and label names" hidden></ul>
</div>
<button type="submit" class="button primary" id="x-run">Run</button>
</div>
<p class="hint" id="x-query-hint">Enter runs the query (Shift+Enter for a new line); metric and label names are offered as you type.</p>
<div class="explore-controls">
<details class="picker" id="x-clusters">
<summary class="button"><span>Clusters:</span> <strong id="x-clusters-label"><?cs if:Explore.clusters_chosen > 0 ?><?cs var:Explore.clusters_chosen ?> of <?cs var:Explore.clusters_total ?><?cs else ?>all <?cs var:Explore.clusters_total ?><?cs /if ?></strong></summary>
<div class="picker-body">
<input type="search" id="x-cluster-filter" placeholder="Filter by name" aria-label="Filter the clusters by name" hidden>
<p class="picker-actions"><button type="button" class="button subtle small" data-pick="all">Check all</button><button type="button" class="button subtle small" data-pick="none">None (all clusters)</button></p>
<ul class="picker-list" id="x-cluster-list"><?cs each:c = Clusters ?>
<li data-name="<?cs var:c.name ?>"><label><input type="checkbox" name="cluster" value="<?cs var:c.name ?>"<?cs if:c.checked ?> checked<?cs /if ?>> <span class="picker-name"><?cs var:c.name ?></span><?cs if:c.unknown ?> <span class="muted">not registered</span><?cs elif:c.no_prometheus ?> <span class="muted">no Prometheus</span><?cs /if ?></label></li><?cs /each ?></ul>
<?cs if:Explore.clusters_more ?><p class="hint">The first <?cs var:Explore.clusters_listed ?> clusters by name are listed; the label selector reaches all of them.</p><?cs /if ?>
<p class="hint">None checked asks every cluster you may see.</p>
</div>
</details>
<label class="explore-selector">Cluster labels <input type="text" name="selector" id="x-selector" value="<?cs var:Explore.selector ?>" placeholder="environment=production,region=eu" autocomplete="off"></label>
<fieldset class="segmented" id="x-range">
<legend>Range</legend>
<?cs each:g = Ranges ?><label title="<?cs var:g.title ?>"><input type="radio" name="range" value="<?cs var:g.v ?>"<?cs if:g.sel ?> checked<?cs /if ?>><span><?cs if:g.v == "custom" ?>Custom<?cs else ?><?cs var:g.v ?><?cs /if ?></span></label><?cs /each ?>
</fieldset>
<span class="custom-range" id="x-custom"<?cs if:Explore.range != "custom" ?> hidden<?cs /if ?>>
<label>From (UTC) <input type="datetime-local" name="start" id="x-start" step="1" value="<?cs var:Explore.start ?>"></label>
<label>To (UTC) <input type="datetime-local" name="end" id="x-end" step="1" value="<?cs var:Explore.end ?>"></label>
</span>
<label class="explore-step">Step <input type="text" name="step" id="x-step" value="<?cs var:Explore.step ?>" placeholder="auto" size="6" autocomplete="off"></label>
<fieldset class="segmented" id="x-view">
<legend>View</legend>
<label><input type="radio" name="view" value="graph"<?cs if:Explore.view == "graph" ?> checked<?cs /if ?>><span>Graph</span></label><label><input type="radio" name="view" value="table"<?cs if:Explore.view == "table" ?> checked<?cs /if ?>><span>Table</span></label>
</fieldset>
</div>
</form>
<section class="panel explore-result" id="x-result" aria-label="Result" data-state="<?cs if:Explore.query ?>loading<?cs else ?>idle<?cs /if ?>">
<div class="outcome" id="x-outcome" role="status" aria-live="polite"><?cs if:!Explore.query ?><p class="muted">Type an expression and press Run.</p><?cs else ?><p class="muted">Asking the clusters…</p><?cs /if ?></div>
<div class="explore-error callout status-unreachable" id="x-error" role="alert" hidden></div>
<div class="chart-box explore-chart" id="x-chart"<?cs if:Explore.view != "graph" ?> hidden<?cs /if ?>></div>
<p class="legend-common" id="x-common" hidden></p>
<ul class="legend" id="x-legend" aria-label="Series (select one to hide or show it)"<?cs if:Explore.view != "graph" ?> hidden<?cs /if ?>></ul>
<div class="table-wrap" id="x-table"<?cs if:Explore.view != "table" ?> hidden<?cs /if ?>></div>
<noscript><p class="empty">The chart and the table are drawn by this page's script; the API answers the same query at <code>/api/v1/metrics/query_range</code>.</p></noscript>
</section>
