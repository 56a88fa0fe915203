# test_9e_explore.sh: the metrics explorer's page renders its form from the address (so an address
# reproduces a view), refuses a bad address with a 400 that says what would do, and a cluster's page
# offers its charts, or says that the cluster has no Prometheus URL.

section "the explorer renders the view its address names"
create_cluster "$(cluster_body xp-prom production openshift '{prometheus_url: "http://127.0.0.1:9/xp/", has_gpu: true}')"
prom_id=$CREATED_ID
create_cluster "$(cluster_body xp-bare staging kubernetes)"
bare_id=$CREATED_ID

get /metrics/explore
assert_status 200 "GET /metrics/explore answers 200"
assert_header Content-Type '^text/html' "the explorer is a page"
assert_body_has '<a href="/metrics/explore" class="active" aria-current="page">Metrics</a>' "the menu marks Metrics"
assert_body_has '<input type="radio" name="range" value="1h" checked>' "without a range, the last hour"
assert_body_has '<input type="radio" name="view" value="graph" checked>' "and the graph"
assert_body_has '<script src="/static/js/explore.js" defer></script>' "the page's script is a file"
assert_body_has '<script src="/static/vendor/uplot/uPlot.iife.min.js" defer></script>' "and so is uPlot"
assert_body_lacks '<script>' "no inline script"
assert_body_lacks ' style="' "no style attribute"
assert_body_has 'value="xp-prom">' "the picker lists the clusters"
assert_body_has '<span class="picker-name">xp-bare</span> <span class="muted">no Prometheus</span>' \
	"and says which have no Prometheus"

q='sum by (cluster) (rate(x_total{job="a<b>"}[5m]))'
get "/metrics/explore?query=$(urlenc "$q")&cluster=xp-prom,gone-cluster&selector=environment%3Dproduction&range=custom&start=2026-05-14T08:00&end=1778749230&step=30s&view=table"
assert_status 200 "a full address answers 200"
assert_body_has 'sum by (cluster) (rate(x_total{job=&quot;a&lt;b&gt;&quot;}[5m]))</textarea>' \
	"the expression is in its box, escaped"
assert_body_has '<input type="checkbox" name="cluster" value="xp-prom" checked>' "the named cluster is checked"
assert_body_lacks '<input type="checkbox" name="cluster" value="xp-bare" checked>' "the other is not"
assert_body_has '<input type="checkbox" name="cluster" value="gone-cluster" checked> <span class="picker-name">gone-cluster</span> <span class="muted">not registered</span>' \
	"a name the register does not hold is kept, and said to be unknown"
assert_body_has 'value="environment=production"' "the label selector is kept"
assert_body_has '<input type="radio" name="range" value="custom" checked>' "the custom range is chosen"
assert_body_has 'name="start" id="x-start" step="1" value="2026-05-14T08:00"' "its start as a UTC field value"
assert_body_has 'name="end" id="x-end" step="1" value="2026-05-14T09:00:30"' "its end, given in Unix seconds, too"
assert_body_has 'name="step" id="x-step" value="30s"' "the step is kept"
assert_body_has '<input type="radio" name="view" value="table" checked>' "the table view is chosen"
get "/metrics/explore?start=2026-05-14T08:00:00Z&end=2026-05-14T09:00:00Z"
assert_body_has '<input type="radio" name="range" value="custom" checked>' "start and end alone make a custom range"

for bad in 'range=2h' 'range=custom&start=2026-05-14T08:00' 'range=custom&start=yesterday&end=today' \
	'range=custom&start=2026-05-14T09:00&end=2026-05-14T08:00' 'step=5x' 'view=pie' 'cluster=Bad_Name'; do
	get "/metrics/explore?$bad"
	assert_status 400 "?$bad is refused with 400"
	assert_header Content-Type '^text/html' "as a page"
done
get "/metrics/explore?query=$(head -c 4001 /dev/zero | tr '\0' x)"
assert_status 400 "an expression past 4000 bytes is refused"

section "a cluster's page offers its charts"
get "/clusters/$prom_id"
assert_body_has '<section class="panel metric-charts" id="metric-charts" aria-label="Metrics">' "a Metrics section"
assert_body_has 'id="chart-cpu" data-chart-query="100 * (1 - avg(rate(node_cpu_seconds_total{mode=&quot;idle&quot;}[5m])))" data-chart-cluster="xp-prom" data-chart-unit="%"' \
	"the CPU chart names its query, its cluster and its unit"
assert_body_has 'id="chart-apiserver" data-chart-query=' "the API server's latency"
assert_body_has 'id="chart-memory" data-chart-query=' "memory"
assert_body_has 'id="chart-gpu" data-chart-query="avg(DCGM_FI_DEV_GPU_UTIL)"' "and, with GPUs, their utilisation"
assert_body_has 'href="/metrics/explore?query=avg%28DCGM_FI_DEV_GPU_UTIL%29&amp;cluster=xp-prom&amp;range=1h"' \
	"each opens in the explorer"
assert_body_has '<script src="/static/js/charts.js" defer></script>' "drawn by charts.js"
get "/clusters/$bare_id"
assert_body_lacks 'data-chart-query' "a cluster without Prometheus asks nothing"
assert_body_has 'No Prometheus URL: this cluster' "and each chart says why it is empty"
assert_body_lacks 'id="chart-gpu"' "no GPU chart without GPUs"
