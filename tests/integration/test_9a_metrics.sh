# test_9a_metrics.sh: the federated metrics against the real thing. Three clusters each have a
# Debian Prometheus scraping exposition files that the test rewrites between scrapes (two "nodes"
# per cluster, served by a small static file server), so every answer comes from real PromQL; a
# fourth, reference Prometheus scrapes every cluster's files itself, each target labelled with its
# cluster, and every answer of ours (per-cluster queries, split aggregations, labels, series) must
# equal its answer to the same query. Then a cluster whose Prometheus answers errors and one too
# slow for the deadline (fake-prom), one without a Prometheus, one whose Prometheus is stopped
# midway; the fleet as one Prometheus under /prometheus, with promtool as its client.
#
# The samples carry explicit timestamps, so that every Prometheus holds the same samples at the same
# times whenever it scraped them: instant and range answers can be compared exactly.

PROM=$(command -v prometheus || true)
PROMTOOL=$(command -v promtool || true)
FAKE_PROM=$BUILD/tests/fakes/fake-prom
if [ -z "$PROM" ] || [ -z "$PROMTOOL" ] || [ ! -x "$FAKE_PROM" ]; then
	fail "prometheus and promtool (Debian package prometheus) and fake-prom (built) are here"
	return 0
fi

D=$SCRATCH/metrics
EXPO=$D/expo
mkdir -p "$EXPO"
CLUSTERS="prom-a prom-b prom-c"
PIDS=()
# Whatever happens, the servers started here stop with the file.
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

# ---- The exposition files ----

# write_expo VERSION: every node's file of every cluster, all with the timestamp of now; each file
# is replaced whole (a scrape sees one version or the next, never half of one). The values depend
# on the cluster (ci), the node (ni) and the version (v), all distinct, so that topk has no ties.
EXPO_TS=0
write_expo() {
	local v=$1 ci=0 ni c f
	EXPO_TS=$(date +%s%3N)
	for c in $CLUSTERS; do
		ci=$((ci + 1))
		mkdir -p "$EXPO/$c"
		for ni in 1 2; do
			f=$EXPO/$c/node-$ni.prom
			awk -v ci="$ci" -v ni="$ni" -v v="$v" -v ts="$EXPO_TS" 'BEGIN {
				t = 40 + 10 * ci + 3 * ni + 0.5 * v
				split("4 8 2", g, " ")
				print "# TYPE demo_temp_celsius gauge"
				printf "demo_temp_celsius{gpu=\"0\"} %.15g %s\n", t, ts
				printf "demo_temp_celsius{gpu=\"1\"} %.15g %s\n", t + 1.125, ts
				print "# TYPE demo_requests_total counter"
				printf "demo_requests_total{code=\"200\"} %.15g %s\n", 1000 * ci + 100 * ni + 7 * ci * v * v, ts
				printf "demo_requests_total{code=\"500\"} %.15g %s\n", 3 * ci * ni * v, ts
				print "# TYPE demo_mem_bytes gauge"
				printf "demo_mem_bytes %.15g %s\n", ci * 1e9 + ni * 1e8 + v * 1e6, ts
				printf "demo_gpus %d %s\n", g[(ci + ni + v) % 3 + 1], ts
				printf "demo_tagged{cluster=\"inner\"} %d %s\n", 10 * ci + ni, ts
				printf "demo_version %d %s\n", v, ts
			}' >"$f.new" && mv "$f.new" "$f"
		done
	done
}

# ---- The servers ----

# A static file server for the exposition files.
cat >"$D/serve.js" <<'JS'
const http = require('http'), fs = require('fs'), path = require('path');
const root = process.argv[2];
const files = http.createServer((q, s) => {
	const f = path.join(root, path.normalize(decodeURIComponent(q.url.split('?')[0])));
	if (!f.startsWith(root + '/')) { s.writeHead(403); s.end(); return; }
	fs.readFile(f, (e, b) => {
		if (e) { s.writeHead(404); s.end(); return; }
		s.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
		s.end(b);
	});
});
files.listen(0, '127.0.0.1', () => console.log('listening ' + files.address().port));
JS
node "$D/serve.js" "$EXPO" >"$D/serve.out" 2>"$D/serve.log" &
PIDS+=($!)
wait_for 10 grep -q listening "$D/serve.out"
read -r _ FILES_PORT <"$D/serve.out"

"$FAKE_PROM" --port 0 --quiet >"$D/fake-prom.out" 2>&1 &
PIDS+=($!)
wait_for 10 grep -q listening "$D/fake-prom.out"
FAKE_PROM_PORT=$(sed -n 's/.*listening on \([0-9]*\).*/\1/p' "$D/fake-prom.out")

# targets CLUSTER [with-label]: the static_configs of one cluster's two nodes.
targets() {
	local c=$1 ni
	for ni in 1 2; do
		printf '      - targets: [ "127.0.0.1:%s" ]\n' "$FILES_PORT"
		printf '        labels: { __metrics_path__: /%s/node-%s.prom, instance: %s-node-%s%s }\n' \
			"$c" "$ni" "$c" "$ni" "${2:+, cluster: $c}"
	done
}

# start_prom NAME: a Prometheus scraping every second what NAME.yml says; its port in PROM_PORT[NAME].
declare -A PROM_PORT PROM_PID
start_prom() {
	local n=$1 p
	p=$(stack_free_port)
	mkdir -p "$D/$n-data"
	"$PROM" --config.file="$D/$n.yml" --storage.tsdb.path="$D/$n-data" --storage.tsdb.retention.time=1h \
		--web.listen-address="127.0.0.1:$p" --log.level=warn >"$D/$n.log" 2>&1 &
	PROM_PID[$n]=$!
	PIDS+=($!)
	PROM_PORT[$n]=$p
}

prom_head() {
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1m\nscrape_configs:\n  - job_name: expo\n    static_configs:\n'
}
write_expo 1
for c in $CLUSTERS; do
	{ prom_head; targets "$c"; } >"$D/$c.yml"
	start_prom "$c"
done
{
	prom_head
	for c in $CLUSTERS; do targets "$c" labelled; done
} >"$D/ref.yml"
start_prom ref
for n in $CLUSTERS ref; do
	wait_for 20 curl -fs -o /dev/null "http://127.0.0.1:${PROM_PORT[$n]}/-/ready" ||
		fail "the Prometheus of $n starts" "$(tail -n 5 "$D/$n.log")"
done

# pq NAME EXPR: the value of EXPR's first sample on Prometheus NAME now, or nothing.
pq() {
	curl -fsS -G "http://127.0.0.1:${PROM_PORT[$1]}/api/v1/query" --data-urlencode "query=$2" 2>/dev/null |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}

# ingested VERSION NAME...: every target of each Prometheus NAME has VERSION (2 targets a
# cluster, 6 the reference).
ingested() {
	local v=$1 n want

	shift
	for n in "$@"; do
		want=2
		[ "$n" = ref ] && want=6
		[ "$(pq "$n" "count(demo_version == $v)")" = "$want" ] || return 1
	done
}

# new_version VERSION NAME...: write VERSION and wait until the Prometheus servers NAME have it;
# sets T to a time just after its samples.
new_version() {
	local v=$1

	shift
	write_expo "$v"
	T=$(printf '%d.%03d' $(((EXPO_TS + 250) / 1000)) $(((EXPO_TS + 250) % 1000)))
	wait_for 15 ingested "$v" "$@" || fail "every Prometheus scraped version $v of the files"
}

T_START=$(((EXPO_TS + 999) / 1000))
wait_for 20 ingested 1 $CLUSTERS ref || fail "every Prometheus scraped version 1 of the files"
for v in 2 3 4; do
	new_version "$v" $CLUSTERS ref
done
T_END=${T%.*}

# ---- The register ----

mk() {
	create_cluster "$(cluster_body "$1" production openshift \
		"{labels: {suite: \"fanout\"}} + if \"$2\" == \"\" then {} else {prometheus_url: \"$2\"} end")"
}
for c in $CLUSTERS; do mk "$c" "http://127.0.0.1:${PROM_PORT[$c]}"; done
mk prom-none ""
OURS=prom-a,prom-b,prom-c

# ---- Comparing ----

cat >"$D/same.jq" <<'JQ'
# The .data of answer $a[0] against the reference's $b[0]: "same" when they hold the same series
# (label sets, timestamps, values equal within 1e-9 relative) or the same list, in any order;
# otherwise what differs. An empty reference is a failure: the comparison would prove nothing.
def lkey: to_entries | sort_by(.key) | map("\(.key)=\(.value | tojson)") | join(",") | "{" + . + "}";
def num: if . == "+Inf" then infinite elif . == "-Inf" then -infinite else tonumber end;
def close($x; $y): $x == $y or (($x | num) as $p | ($y | num) as $q | (($p - $q) | fabs) <= 1e-9 * ([($p | fabs), ($q | fabs), 1] | max));
def points: if has("values") then .values else [.value] end;
def series: map({k: (.metric | lkey), p: points}) | sort_by(.k);
def list: map(if type == "object" then lkey else . end) | sort;
def diff($a; $b):
	if ($b | type) == "array" then
		($a | list) as $x | ($b | list) as $y |
		if $y == [] then "the reference answered an empty list"
		elif $x == $y then "same"
		else "ours has \($x - $y | tojson) more, \($y - $x | tojson) less" end
	elif ($a | type) != "object" then "ours is not Prometheus's data object: \($a | tojson | .[0:200])"
	elif $a.resultType != $b.resultType then "result type \($a.resultType), the reference's \($b.resultType)"
	elif $b.result == [] then "the reference answered no series"
	else ($a.result | series) as $x | ($b.result | series) as $y |
		if ($x | map(.k)) != ($y | map(.k)) then
			"series: ours has \(($x | map(.k)) - ($y | map(.k)) | tojson) more, \(($y | map(.k)) - ($x | map(.k)) | tojson) less"
		else [range(0; $x | length) as $i | $x[$i] as $s | $y[$i] as $r |
			if ($s.p | length) != ($r.p | length) then "\($s.k): \($s.p | length) points, the reference \($r.p | length)"
			else range(0; $s.p | length) as $j |
				select($s.p[$j][0] != $r.p[$j][0] or (close($s.p[$j][1]; $r.p[$j][1]) | not)) |
				"\($s.k) at \($s.p[$j][0]): \($s.p[$j][1]), the reference \($r.p[$j][1]) at \($r.p[$j][0])" end] |
			if length == 0 then "same" else .[0:3] | join("; ") end
		end
	end;
diff($a[0].data; $b[0].data)
JQ

# ours PATH PARAM...: GET /api/v1/metrics/PATH with the URL-encoded PARAMs (name=value); the
# answer in BODY_FILE and $D/ours.json.
ours() {
	local path=$1 a=()

	shift
	for p in "$@"; do a+=(--data-urlencode "$p"); done
	get "/api/v1/metrics/$path" -G "${a[@]}"
	cp "$BODY_FILE" "$D/ours.json"
}

# fleet PATH PARAM...: the same under /prometheus/api/v1/.
fleet() {
	local path=$1 a=()

	shift
	for p in "$@"; do a+=(--data-urlencode "$p"); done
	get "/prometheus/api/v1/$path" -G "${a[@]}"
	cp "$BODY_FILE" "$D/ours.json"
}

# ref PATH PARAM...: the reference Prometheus's answer in $D/ref.json.
ref() {
	local path=$1 a=()

	shift
	for p in "$@"; do a+=(--data-urlencode "$p"); done
	REF_STATUS=$(curl -sS -G -o "$D/ref.json" -w '%{http_code}' "http://127.0.0.1:${PROM_PORT[ref]}/api/v1/$path" \
		"${a[@]}" 2>/dev/null) || echo '{}' >"$D/ref.json"
}

# same_as_ref DESC [OURS-FILE]: ours (the last answer) and the reference's hold the same data.
same_as_ref() {
	local r

	r=$(jq -rn --slurpfile a "${2:-$D/ours.json}" --slurpfile b "$D/ref.json" -f "$D/same.jq" 2>&1)
	if [ "$r" = same ]; then pass "$1"; else fail "$1" "$r"; fi
}

# ---- Per-cluster queries ----

section "per-cluster queries equal one Prometheus scraping every cluster"
ours query "query=demo_temp_celsius" "time=$T" "cluster=$OURS"
assert_status 200 "a query across three clusters answers 200"
assert_json '.status == "success" and .mode == "per_cluster" and .aggregation == null and .asked == 3 and .answered == 3 and
	([.clusters[] | .name + " " + .outcome] == ["prom-a ok", "prom-b ok", "prom-c ok"]) and
	([.clusters[] | .series] == [4, 4, 4]) and .cached == false' \
	"per cluster: every cluster answered, with its series counted"
assert_json '[.data.result[].metric.cluster] | unique == ["prom-a", "prom-b", "prom-c"]' "every series carries its cluster label"
ref query "query=demo_temp_celsius" "time=$T"
same_as_ref "demo_temp_celsius: the same series and values as the reference"

# per_cluster EXPR REFEXPR: EXPR answered per cluster equals REFEXPR on the reference, instant and range.
per_cluster() {
	ours query "query=$1" "time=$T" "cluster=$OURS"
	if ! jq -e '.mode == "per_cluster" and .aggregation == null and .answered == 3' "$D/ours.json" >/dev/null 2>&1; then
		fail "$1: answered per cluster by all three" "mode, aggregation or answered wrong"
	fi
	ref query "query=$2" "time=$T"
	same_as_ref "$1 (instant) = $2 on the reference"
	ours query_range "query=$1" "start=$T_START" "end=$T_END" "step=1" "cluster=$OURS"
	ref query_range "query=$2" "start=$T_START" "end=$T_END" "step=1"
	same_as_ref "$1 (range) = $2 on the reference"
}
per_cluster 'demo_tagged' 'demo_tagged'
per_cluster 'rate(demo_requests_total[5s])' 'rate(demo_requests_total[5s])'
per_cluster 'demo_mem_bytes / 2^20' 'demo_mem_bytes / 2^20'
per_cluster 'quantile(0.5, demo_temp_celsius)' 'quantile by (cluster) (0.5, demo_temp_celsius)'
per_cluster 'sum(demo_temp_celsius) / count(demo_temp_celsius)' \
	'sum by (cluster) (demo_temp_celsius) / count by (cluster) (demo_temp_celsius)'
per_cluster 'scalar(sum(demo_mem_bytes))' 'sum by (cluster) (demo_mem_bytes)'
# An expression of no series answers the same everywhere: once, as Prometheus does.
for e in '1 + 1' 'time()' '"build"'; do
	ours query "query=$e" "time=$T" "cluster=$OURS"
	ref query "query=$e" "time=$T"
	same=$(jq --slurpfile r "$D/ref.json" '.mode == "fleet" and .answered == 3 and .data == $r[0].data and
		(.data.resultType == "scalar" or .data.resultType == "string")' "$D/ours.json" 2>&1)
	check "$e: one answer for the fleet, the reference's $(jq -c .data "$D/ref.json")" test "$same" = true
done
# Matchers on the cluster label, which no cluster's Prometheus knows (Grafana's $cluster variables).
per_cluster 'demo_temp_celsius{cluster!="prom-b"}' 'demo_temp_celsius{cluster!="prom-b"}'
per_cluster 'demo_tagged{exported_cluster="inner", cluster=~"prom-[ab]"}' 'demo_tagged{exported_cluster="inner", cluster=~"prom-[ab]"}'

# ---- Split aggregations ----

section "split aggregations equal the same aggregation on one Prometheus"
# split OP EXPR: EXPR is answered for the fleet by OP, equal to the reference, instant and range.
split() {
	ours query "query=$2" "time=$T" "cluster=$OURS"
	if jq -e --arg op "$1" '.mode == "fleet" and .aggregation == $op and .answered == 3' "$D/ours.json" >/dev/null 2>&1; then
		ref query "query=$2" "time=$T"
		same_as_ref "$2 (instant, fleet by $1) = the reference"
	else
		fail "$2: answered for the fleet by $1, all three clusters" "mode, aggregation or answered wrong"
	fi
	ours query_range "query=$2" "start=$T_START" "end=$T_END" "step=1" "cluster=$OURS"
	ref query_range "query=$2" "start=$T_START" "end=$T_END" "step=1"
	same_as_ref "$2 (range) = the reference"
}
split sum 'sum(demo_temp_celsius)'
split sum 'sum by (gpu) (demo_temp_celsius)'
split sum 'sum(demo_temp_celsius) by (gpu)'
split sum 'sum by (cluster) (demo_mem_bytes)'
split sum 'sum without (instance) (demo_temp_celsius)'
split sum '(sum(rate(demo_requests_total[5s])))'
split sum 'sum by (code) (rate(demo_requests_total[5s]))'
split avg 'avg(demo_temp_celsius)'
split avg 'avg by (gpu) (demo_temp_celsius)'
split count 'count(demo_temp_celsius)'
split count 'count without (gpu) (demo_temp_celsius)'
split min 'min by (gpu) (demo_temp_celsius)'
split max 'max(demo_mem_bytes)'
split group 'group by (job) (demo_temp_celsius)'
split topk 'topk(3, demo_temp_celsius)'
split bottomk 'bottomk by (gpu) (2, demo_temp_celsius)'
split count_values 'count_values("gpus", demo_gpus)'
split count_values 'count_values by (cluster) ("gpus", demo_gpus)'
split sum 'sum by (gpu) (demo_temp_celsius{cluster=~"prom-a|prom-c"})'

# ---- Labels, label values, series ----

section "labels, label values and series across clusters"
ours labels "cluster=$OURS"
assert_json '.status == "success" and .asked == 3 and .answered == 3 and ([.clusters[].outcome] | unique == ["ok"])' \
	"labels: every cluster answered"
ref labels
same_as_ref "labels: the reference's names, cluster and exported_cluster among them"
for l in __name__ gpu cluster exported_cluster; do
	ours "label/$l/values" "cluster=$OURS"
	ref "label/$l/values"
	same_as_ref "label/$l/values: the reference's values"
done
ours series 'match[]={__name__=~"demo_.+"}' "cluster=$OURS"
assert_json '.answered == 3 and ([.clusters[].series] == [16, 16, 16])' "series: every cluster answered, each with its 16"
ref series 'match[]={__name__=~"demo_.+"}'
same_as_ref "series: the reference's label sets"
ours series 'match[]=demo_tagged' 'match[]=demo_version' "start=$T_START" "end=$T_END" "cluster=$OURS"
ref series 'match[]=demo_tagged' 'match[]=demo_version' "start=$T_START" "end=$T_END"
same_as_ref "series with two match[] and a time range: the reference's label sets"
ours "label/instance/values" 'match[]=demo_mem_bytes{cluster="prom-b"}' "cluster=$OURS"
ref "label/instance/values" 'match[]=demo_mem_bytes{cluster="prom-b"}'
same_as_ref "label values of series matching a cluster: that cluster's, as on the reference"

# ---- /prometheus ----

section "the fleet as one Prometheus under /prometheus"
fleet query "query=sum by (gpu) (demo_temp_celsius)" "time=$T"
assert_status 200 "/prometheus/api/v1/query answers 200"
assert_json '.status == "success" and (.clusters == null) and ([.warnings[]? | select(startswith("prom-none: "))] | length == 1)' \
	"in Prometheus's shape, the cluster without a Prometheus named in a warning"
ref query "query=sum by (gpu) (demo_temp_celsius)" "time=$T"
same_as_ref "a split aggregation over the whole fleet = the reference"
fleet query "query=demo_temp_celsius" "time=$T"
ref query "query=demo_temp_celsius" "time=$T"
same_as_ref "a selector over the whole fleet = the reference"
fleet query_range "query=topk(2, rate(demo_requests_total[5s]))" "start=$T_START" "end=$T_END" "step=1"
ref query_range "query=topk(2, rate(demo_requests_total[5s]))" "start=$T_START" "end=$T_END" "step=1"
same_as_ref "query_range of topk over rates = the reference"
fleet labels
ref labels
same_as_ref "labels = the reference's"
fleet label/cluster/values
ref label/cluster/values
same_as_ref "label/cluster/values = the reference's"
fleet series 'match[]={__name__=~"demo_.+"}'
ref series 'match[]={__name__=~"demo_.+"}'
same_as_ref "series = the reference's"
req POST /prometheus/api/v1/query -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode "query=avg by (gpu) (demo_temp_celsius)" --data-urlencode "time=$T"
cp "$BODY_FILE" "$D/ours.json"
ref query "query=avg by (gpu) (demo_temp_celsius)" "time=$T"
same_as_ref "a query POSTed as a form (as Grafana and promtool send it) = the reference"
fleet status/buildinfo
assert_json '.status == "success" and (.data.version | type == "string" and length > 0)' "status/buildinfo answers a version"
for bad in "time=$T" "query=demo_temp_celsius&time=yesterday"; do
	IFS='&' read -r -a params <<<"$bad"
	fleet query "${params[@]}"
	ref query "${params[@]}"
	assert_eq "$STATUS $(jb '.status + " " + .errorType')" "$REF_STATUS $(jq -r '.status + " " + .errorType' "$D/ref.json")" \
		"a bad request ($bad) is refused as the reference refuses it"
done
AUTH=anon fleet query "query=up"
assert_status 401 "/prometheus without an API token: 401"

section "promtool against the fleet as one Prometheus"
# promtool_same DESC KIND ARGS...: promtool query KIND -o json ARGS against /prometheus and against
# the reference give the same data. Debian 12's promtool (2.42) has no --http.config.file (2.43 has):
# the token goes as the password in the URL, which it sends as Basic credentials; query range sends
# it as a bearer token with --header.
promtool_same() {
	local desc=$1 kind=$2 url="http://promtool:$ADMIN_TOKEN@127.0.0.1:$PORT/prometheus" wrap='{data: .}' extra=()

	shift 2
	case $kind in
	instant) wrap='{data: {resultType: "vector", result: .}}' ;;
	range)
		wrap='{data: {resultType: "matrix", result: .}}'
		url="$BASE/prometheus"
		extra=(--header="Authorization=Bearer $ADMIN_TOKEN")
		;;
	esac
	if ! "$PROMTOOL" query -o json "$kind" "${extra[@]}" "$url" "$@" >"$D/pt-ours.out" 2>"$D/pt.err"; then
		fail "$desc" "promtool against /prometheus failed: $(head -c 300 "$D/pt.err")"
		return
	fi
	"$PROMTOOL" query -o json "$kind" "http://127.0.0.1:${PROM_PORT[ref]}" "$@" >"$D/pt-ref.out" 2>>"$D/pt.err"
	jq "$wrap" "$D/pt-ours.out" >"$D/ours.json" 2>/dev/null || echo '{}' >"$D/ours.json"
	jq "$wrap" "$D/pt-ref.out" >"$D/ref.json" 2>/dev/null || echo '{}' >"$D/ref.json"
	same_as_ref "$desc"
}
promtool_same "promtool query instant: a split aggregation" instant 'max by (gpu) (demo_temp_celsius)' --time="$T"
promtool_same "promtool query instant: a selector" instant 'demo_tagged' --time="$T"
promtool_same "promtool query range (token by --header)" range 'sum by (code) (rate(demo_requests_total[5s]))' \
	--start="$T_START" --end="$T_END" --step=1s
promtool_same "promtool query labels" labels cluster
promtool_same "promtool query series" series --match='{__name__=~"demo_(gpus|tagged)"}'

# ---- Our JSON: parameters, cache ----

section "parameters and the cache"
req POST /api/v1/metrics/query -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode "query=count(demo_gpus)" --data-urlencode "time=$T" --data-urlencode "cluster=prom-a" \
	--data-urlencode "cluster=prom-b"
assert_json '.mode == "fleet" and .asked == 2 and .answered == 2 and ([.data.result[].value[1]] == ["4"])' \
	"POST as a form, two clusters named by repeating cluster: the fleet's count of both"
ours query "query=count(demo_gpus)" "time=$T" "cluster=prom-a,prom-b"
assert_json '.cached == true and ([.data.result[].value[1]] == ["4"])' "the same query again (names comma-separated) comes from the cache"
ours query "time=$T" "cluster=$OURS"
assert_eq "$STATUS $(jb '.error.message | length > 0')" "400 true" "no query: 400 in our error JSON"
ours query_range "query=up" "start=$T_START" "end=$T_END" "cluster=$OURS"
assert_status 400 "a range without a step: 400"
ours query "query=up" "time=$T" "cluster=no-such-cluster"
assert_eq "$STATUS $(jb '.error.message | test("no-such-cluster")')" "400 true" "a cluster that does not exist: 400 naming it"
AUTH=anon ours query "query=up" "time=$T"
assert_status 401 "no API token: 401"

# ---- Clusters that do not answer ----

section "a cluster answering errors, one too slow, one without a Prometheus"
ours query "query=sum by (gpu) (demo_temp_celsius)" "time=$T" "selector=suite=fanout"
assert_json '.asked == 4 and .answered == 3' "the four clusters of the suite, asked by selector"
ours query "query=sum by (gpu) (demo_temp_celsius)" "time=$T" "selector=suite=fanout"
assert_json '.cached == true and .asked == 4' "asked again: from the cache"
mk prom-err "http://127.0.0.1:$FAKE_PROM_PORT/prom-error/execution/c/prom-err"
mk prom-slow "http://127.0.0.1:$FAKE_PROM_PORT/delay/8000/c/prom-slow"
# The slow pool is a host of its own for the register's version: it sees a change made through the
# page pool within VERSION_TRUST_MS (250 ms).
sleep 0.3
t0=$(date +%s%N)
ours query "query=sum by (gpu) (demo_temp_celsius)" "time=$T" "selector=suite=fanout" "timeout=2s"
ms=$((($(date +%s%N) - t0) / 1000000))
assert_status 200 "six clusters, three answering: 200"
assert_json '.cached == false' "two clusters added to the register: the cached answer is not served (after 250 ms)"
assert_json '.asked == 6 and .answered == 3 and ([.clusters[] | .name + " " + .outcome] ==
	["prom-a ok", "prom-b ok", "prom-c ok", "prom-err prometheus_error", "prom-none skipped", "prom-slow timeout"])' \
	"each cluster's outcome: ok, Prometheus's error, skipped, timeout"
assert_json '.clusters[] | select(.name == "prom-err") | .error_type == "execution" and .http_status == 422 and (.error | length > 0)' \
	"the erroring cluster's errorType, status and message"
check "the slow cluster holds the answer no longer than the 2 s deadline (took $ms ms)" test "$STATUS" = 200 -a "$ms" -le 3500
ref query "query=sum by (gpu) (demo_temp_celsius)" "time=$T"
same_as_ref "what the three that answered make is the fleet's sum"
fleet query "query=sum by (gpu) (demo_temp_celsius)" "time=$T" "timeout=2s"
assert_json '.status == "success" and ([.warnings[] | split(": ")[0]] as $w | ["prom-err", "prom-none", "prom-slow"] - $w == [])' \
	"/prometheus: a warning for each cluster that did not answer"
same_as_ref "and the data of those that did"

# ---- Credentials ----

section "each cluster's Prometheus asked with its own sealed credentials"
curl -sS -X DELETE "http://127.0.0.1:$FAKE_PROM_PORT/_fake/requests" >/dev/null
cred_ids=()
for c in cred-bearer cred-basic cred-none; do
	create_cluster "$(cluster_body "$c" production openshift \
		"{labels: {suite: \"cred\"}, prometheus_url: \"http://127.0.0.1:$FAKE_PROM_PORT/c/$c/\"}")"
	cred_ids+=("$CREATED_ID")
	case $c in
	cred-bearer) json PUT "/api/v1/clusters/$CREATED_ID/credentials" '{"prometheus_token": "tok-bearer-9a"}' ;;
	cred-basic) json PUT "/api/v1/clusters/$CREATED_ID/credentials" '{"basic_auth": "ops:pw-basic-9a"}' ;;
	esac
done
sleep 0.3 # the slow pool sees the register's new version within 250 ms
ours query "query=up" "selector=suite=cred"
assert_json '.asked == 3 and .answered == 3' "three clusters asked at once, all answer"
get_fp() { curl -sS "http://127.0.0.1:$FAKE_PROM_PORT/_fake/requests" >"$D/fp.json"; }
get_fp
check "the one with a Prometheus token sent it as its bearer, and only it" \
	jq -e '.["cred-bearer"].last_authorization == "Bearer tok-bearer-9a"' "$D/fp.json"
check "the one with basic auth sent its own user and password" \
	jq -e --arg b "Basic $(printf 'ops:pw-basic-9a' | base64 -w0)" '.["cred-basic"].last_authorization == $b' "$D/fp.json"
check "the one without credentials sent none" jq -e '.["cred-none"].requests == 1 and .["cred-none"].last_authorization == null' "$D/fp.json"
# They leave the register: what follows counts the fleet's series.
for id in "${cred_ids[@]}"; do req DELETE "/api/v1/clusters/$id"; done
assert_status 204 "the three are removed again"
sleep 0.3

# ---- A Prometheus stopped midway ----

section "a cluster's Prometheus stopped midway"
kill "${PROM_PID[prom-c]}"
wait "${PROM_PID[prom-c]}" 2>/dev/null
new_version 5 prom-a prom-b ref
ours query "query=sum by (gpu) (demo_temp_celsius)" "time=$T" "cluster=$OURS"
assert_json '.asked == 3 and .answered == 2 and ([.clusters[] | .name + " " + .outcome] == ["prom-a ok", "prom-b ok", "prom-c connection_error"])' \
	"2 of 3 answered, the stopped one a connection error"
ref query 'query=sum by (gpu) (demo_temp_celsius{cluster!="prom-c"})' "time=$T"
same_as_ref "the partial sum is that of the two that answered"
ours query_range "query=demo_temp_celsius" "start=$T_START" "end=${T%.*}" "step=1" "cluster=$OURS"
ref query_range 'query=demo_temp_celsius{cluster!="prom-c"}' "start=$T_START" "end=${T%.*}" "step=1"
same_as_ref "a range across the stop: the two that answered, whole"
ours labels "start=$T_START" "cluster=$OURS"
assert_json '.cached == false and .answered == 2 and ([.clusters[] | select(.name == "prom-c") | .outcome] == ["connection_error"])' \
	"labels: the stopped one a connection error too"
fleet query "query=count(demo_temp_celsius)" "time=$T" "timeout=2s"
assert_json '([.warnings[] | select(startswith("prom-c: "))] | length == 1) and .data.result[0].value[1] == "8"' \
	"/prometheus counts the series of the two, and names the stopped one in a warning"
