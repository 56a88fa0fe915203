# test_9b_metrics_api.sh: the HTTP face of the federated metrics: its routes are served by the slow
# pool (aiops-fcgi --slow on its own socket), never by the page workers; the API's rate limit keys
# on the caller's token and lets a busy dashboard through.

SLOW_LOG=$STACK_DIR/log/aiops-fcgi-slow.log

# served_by RID: which pool's log holds the request line of request id RID: "slow", "pages" or "".
served_by() {
	if grep -F '"msg":"request"' "$SLOW_LOG" | grep -qF "\"request_id\":\"$1\""; then
		echo slow
	elif grep -F '"msg":"request"' "$FCGI_LOG" | grep -qF "\"request_id\":\"$1\""; then
		echo pages
	fi
}

# served_by_now RID: served_by once the line is written (a worker logs after it answers).
served_by_now() {
	local who=""

	for _ in $(seq 1 40); do
		who=$(served_by "$1")
		[ -n "$who" ] && break
		sleep 0.05
	done
	echo "$who"
}

section "the slow pool"
check "the slow pool runs (aiops-fcgi --slow)" pid_alive "$STACK_DIR/aiops-fcgi-slow.pid"
check "on its own socket" test -S "$STACK_DIR/aiops-slow.sock"
check "with its own workers" test "$(pgrep -c -P "$(cat "$STACK_DIR/aiops-fcgi-slow.pid")")" -ge 1
for p in /api/v1/metrics/no-such-route /prometheus/api/v1/no-such-route; do
	get "$p"
	assert_eq "$(served_by_now "$(header X-Request-ID)")" slow "GET $p is answered by the slow pool"
done
get /api/v1/clusters
assert_eq "$(served_by_now "$(header X-Request-ID)")" pages "GET /api/v1/clusters stays with the page pool"
get /clusters -H 'Accept: text/html'
assert_eq "$(served_by_now "$(header X-Request-ID)")" pages "GET /clusters stays with the page pool"

section "the rate limit keys on the caller"
# A dashboard's worst moment: 20 people's 30 panels all refreshing at once with one data source
# token from one address (600 requests), and again 5 s later. Nothing may be refused.
LIMITED=/prometheus/api/v1/status/buildinfo
for i in $(seq 1 600); do echo "$LIMITED"; done | burst 50 "$SCRATCH/dash1.st"
sleep 5
for i in $(seq 1 600); do echo "$LIMITED"; done | burst 50 "$SCRATCH/dash2.st"
assert_eq "$(grep -c '^429$' "$SCRATCH/dash1.st" "$SCRATCH/dash2.st" | awk -F: '{ s += $2 } END { print s }')" 0 \
	"1200 requests in about 6 s with one token from one address: none refused ($(statuses "$SCRATCH/dash1.st"); $(statuses "$SCRATCH/dash2.st"))"
# The limit still exists: one key far past it is refused, in Prometheus's error shape.
BOGUS="Authorization: Bearer aiops_not_a_real_token_$RANDOM"
for i in $(seq 1 2500); do echo "$LIMITED"; done | AUTH=anon BURST_HEADER="$BOGUS" burst 100 "$SCRATCH/flood.st" "$SCRATCH/flood"
check "2500 requests at once with one key meet 429 ($(statuses "$SCRATCH/flood.st"))" grep -qx 429 "$SCRATCH/flood.st"
refused=$(grep -l '"errorType":"unavailable"' "$SCRATCH"/flood/* 2>/dev/null | head -n 1)
if [ -n "$refused" ] && jq -e '.status == "error" and .errorType == "unavailable" and (.error | length > 0)' "$refused" >/dev/null; then
	pass "a refused Prometheus request gets Prometheus's error shape"
else
	fail "a refused Prometheus request gets Prometheus's error shape" "no 429 body with errorType among $SCRATCH/flood"
fi
rm -rf "$SCRATCH/flood"
# Another token from the same address is not refused meanwhile: the limit is per token.
get "$LIMITED"
assert_ne "$STATUS" 429 "the suite's own token, from the same address, is not refused meanwhile"
# Without a token the session cookie is the key: one session's flood leaves another alone.
for i in $(seq 1 2500); do echo /api/v1/metrics/labels; done |
	AUTH=anon BURST_HEADER="Cookie: aiops_session=flood$RANDOM" burst 100 "$SCRATCH/cflood.st" "$SCRATCH/cflood"
check "2500 requests at once with one session cookie meet 429 ($(statuses "$SCRATCH/cflood.st"))" grep -qx 429 "$SCRATCH/cflood.st"
refused=$(grep -l '"too_many_requests"' "$SCRATCH"/cflood/* 2>/dev/null | head -n 1)
if [ -n "$refused" ] && jq -e '.error.code == "too_many_requests" and (.error.message | contains("credentials"))' "$refused" >/dev/null; then
	pass "a refused /api/v1/metrics/ request gets our error shape, saying the limit is per caller"
else
	fail "a refused /api/v1/metrics/ request gets our error shape, saying the limit is per caller" "no such 429 body in $SCRATCH/cflood"
fi
rm -rf "$SCRATCH/cflood"
AUTH=anon get /api/v1/metrics/labels -H "Cookie: aiops_session=other$RANDOM"
assert_eq "$STATUS" 401 "another session cookie from the same address is not refused meanwhile (401: no such session)"

section "a small fleet: a real Prometheus, none, one that refuses"
PROM=$(command -v prometheus || true)
PROMTOOL=$(command -v promtool || true)
D=$SCRATCH/prom9b
mkdir -p "$D/data"
PROM_PORT=$(stack_free_port)
DOWN_PORT=$(stack_free_port)
cat >"$D/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: [ "127.0.0.1:$PROM_PORT" ]
CONF
prom_pid=""
if [ -n "$PROM" ]; then
	"$PROM" --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$D/prom.log" 2>&1 &
	prom_pid=$!
fi
# up{job="self"} is there to stay once Prometheus has scraped itself a few times in a row (its
# first scrape loop may be replaced once the targets settle, leaving a gap just after the start).
# jq -e succeeds on no input at all: the answer is read first.
prom_has_up() {
	local a
	a=$(curl -fsS "http://127.0.0.1:$PROM_PORT/api/v1/query?query=count_over_time(up%5B4s%5D)" 2>/dev/null) &&
		jq -e '.data.result | length == 1 and (.[0].value[1] | tonumber) >= 3' <<<"$a" >/dev/null
}
check "Debian's Prometheus runs and has scraped itself" wait_for 15 prom_has_up
mk9b() { create_cluster "$(cluster_body "$1" lab kubernetes "{labels: {suite: \"9b\"}} + $2")"; }
mk9b m9b-prom "{prometheus_url: \"http://127.0.0.1:$PROM_PORT/\"}"
mk9b m9b-none '{}'
mk9b m9b-down "{prometheus_url: \"http://127.0.0.1:$DOWN_PORT/\"}"
SEL=selector=suite%3D9b
# outcomes: "name=outcome ..." of the last answer, in name order.
outcomes() { jb '[.clusters[] | .name + "=" + .outcome] | sort | join(" ")'; }

section "our JSON: /api/v1/metrics/"
get "/api/v1/metrics/query?query=vector(1)&$SEL"
assert_status 200 "an instant query answers 200"
assert_eq "$(outcomes)" "m9b-down=connection_error m9b-none=skipped m9b-prom=ok" "each cluster's outcome is named"
assert_json '.status == "success" and .mode == "per_cluster" and .aggregation == null and .asked == 3 and .answered == 1 and .cached == false' \
	"mode, aggregation, asked and answered say what happened"
assert_json '.data.resultType == "vector" and (.data.result | length == 1) and .data.result[0].metric.cluster == "m9b-prom" and .data.result[0].value[1] == "1"' \
	"the series carries its cluster label"
assert_json '[.clusters[] | select(.name == "m9b-prom") | .http_status == 200 and .series == 1 and (.ms | type == "number")] == [true]' \
	"the answering cluster's status, series and time are reported"
get "/api/v1/metrics/query?query=sum(up)&cluster=m9b-prom,m9b-none"
assert_json '.mode == "fleet" and .aggregation == "sum" and .asked == 2 and (.data.result | length == 1)' \
	"sum(up) over two named clusters (comma-separated) is the fleet's, one series"
get "/api/v1/metrics/query?query=up&cluster=m9b-prom&cluster=m9b-down"
assert_json '.asked == 2 and .answered == 1 and .data.result[0].metric.job == "self"' "cluster repeated names two clusters"
req POST /api/v1/metrics/query -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode 'query=vector(2)' --data-urlencode 'selector=suite=9b'
assert_json '.asked == 3 and .data.result[0].value[1] == "2"' "POST takes the same parameters as a form"
now=$(date +%s)
get "/api/v1/metrics/query_range?query=vector(3)&start=$((now - 60))&end=$now&step=15s&$SEL"
assert_json '.data.resultType == "matrix" and (.data.result[0].values | length == 5) and .data.result[0].metric.cluster == "m9b-prom"' \
	"a range query answers a matrix"
get "/api/v1/metrics/labels?$SEL"
assert_json '.data | index("job") != null and index("cluster") != null' "labels lists the fleet's label names, cluster among them"
get "/api/v1/metrics/label/job/values?$SEL"
assert_json '.data == ["self"]' "a label's values"
get "/api/v1/metrics/series?match%5B%5D=up&$SEL"
assert_json '(.data | length == 1) and .data[0].cluster == "m9b-prom" and .data[0].job == "self"' "series matching a selector, labelled"

section "our JSON: what is refused, and how"
bad() { # bad PATH DESC WORD: a 400 in our error shape whose message holds WORD
	get "$1"
	if [ "$STATUS" = 400 ] && jq -e --arg w "$3" '.error.code == "bad_request" and (.error.message | contains($w))' "$BODY_FILE" >/dev/null; then
		pass "$2"
	else
		fail "$2" "expected a 400 whose message contains '$3'"
	fi
}
bad "/api/v1/metrics/query?$SEL" "no query: 400 naming it" '"query"'
bad "/api/v1/metrics/query?query=up&time=yesterday" "a time that is no time: 400 naming it" '"time"'
bad "/api/v1/metrics/query?query=up&timeout=soon" "a timeout that is no duration: 400" '"timeout"'
bad "/api/v1/metrics/query_range?query=up&start=$now&end=$now" "a range without step: 400 naming it" '"step"'
bad "/api/v1/metrics/query_range?query=up&start=$now&end=$((now - 10))&step=1" "end before start: 400" '"end"'
bad "/api/v1/metrics/query_range?query=up&start=0&end=$now&step=1" "more than 11,000 points: 400" "11,000"
bad "/api/v1/metrics/query_range?query=up&start=0&end=10&step=0" "a zero step: 400" '"step"'
bad "/api/v1/metrics/query?query=up&clusters=m9b-prom" "a misspelt parameter is refused, not ignored" '"clusters"'
bad "/api/v1/metrics/query?query=up&cluster=m9b-prom&$SEL" "cluster and selector together: 400" "not both"
bad "/api/v1/metrics/query?query=up&cluster=no-such-cluster-9b" "a cluster that does not exist: 400 naming it" "no-such-cluster-9b"
bad "/api/v1/metrics/series?$SEL" "series without match[]: 400" "match[]"
bad "/api/v1/metrics/label/a-b/values" "a label name that is none: 400" "a-b"
req POST /api/v1/metrics/query -H 'Content-Type: application/json' --data-binary '{"query":"up"}'
assert_status 415 "a POST body that is not a form: 415"
AUTH=anon get "/api/v1/metrics/query?query=up"
assert_error 401 unauthorized "without a token: 401 in our error shape"
assert_header WWW-Authenticate '^Bearer' "with WWW-Authenticate"
AUTH=anon get "/api/v1/metrics/query?query=up" -H "Authorization: Basic $(printf 'x:%s' "$ADMIN_TOKEN" | base64 -w0)"
assert_status 401 "Basic credentials are Prometheus's API's alone"

section "the fleet as one Prometheus: /prometheus/api/v1/"
get "/prometheus/api/v1/query?query=vector(1)&$SEL"
assert_json '.status == "success" and .data.resultType == "vector" and .data.result[0].metric.cluster == "m9b-prom" and (has("clusters") | not)' \
	"an instant query in Prometheus's own shape"
assert_json '(.warnings | map(select(startswith("m9b-down: "))) | length == 1) and (.warnings | map(select(startswith("m9b-none: "))) | length == 1)' \
	"each cluster that did not answer is a warning naming it"
req POST /prometheus/api/v1/query_range -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-urlencode 'query=vector(4)' --data-urlencode "start=$((now - 30))" --data-urlencode "end=$now" --data-urlencode 'step=10' \
	--data-urlencode 'selector=suite=9b'
assert_json '.status == "success" and .data.resultType == "matrix" and (.data.result[0].values | length == 4)' "POST query_range, as Grafana sends it"
req POST "/prometheus/api/v1/query?query=vector(7)&$SEL"
assert_json '.status == "success" and .data.result[0].value[1] == "7"' "POST without a body, its parameters in the URL"
get "/prometheus/api/v1/labels?$SEL"
assert_json '.status == "success" and (.data | index("job") != null)' "labels"
get "/prometheus/api/v1/label/job/values?$SEL"
assert_json '.status == "success" and .data == ["self"]' "label values"
get "/prometheus/api/v1/series?match%5B%5D=up&$SEL"
assert_json '.status == "success" and .data[0].cluster == "m9b-prom"' "series"
get /prometheus/api/v1/status/buildinfo
assert_json '.status == "success" and (.data.version | test("^2\\.[0-9]+\\.[0-9]+$"))' "buildinfo names the Prometheus API version it answers as"
# prom_err STATUS TYPE DESC: the last answer is Prometheus's error shape.
prom_err() {
	if [ "$STATUS" = "$1" ] && jq -e --arg t "$2" '.status == "error" and .errorType == $t and (.error | length > 0) and (keys | length == 3)' "$BODY_FILE" >/dev/null; then
		pass "$3"
	else
		fail "$3" "expected $1 with {status: error, errorType: $2, error}"
	fi
}
get "/prometheus/api/v1/query"
prom_err 400 bad_data "no query: 400 bad_data"
get "/prometheus/api/v1/query_range?query=up&start=x&end=1&step=1"
prom_err 400 bad_data "a bad start: 400 bad_data"
get "/prometheus/api/v1/query?query=up&cluster=no-such-cluster-9b"
prom_err 400 bad_data "an unknown cluster: 400 bad_data"
get "/prometheus/api/v1/query?query=up&unknown_extra=1&$SEL"
assert_status 200 "a parameter Prometheus would ignore is ignored"
get /prometheus/api/v1/metadata
prom_err 404 not_found "a path Prometheus has and this does not: 404 not_found"
req DELETE "/prometheus/api/v1/series?match%5B%5D=up"
prom_err 405 method_not_allowed "DELETE series (an admin call): 405 in Prometheus's shape"
AUTH=anon get "/prometheus/api/v1/query?query=up"
prom_err 401 unauthorized "without a token: 401 in Prometheus's shape"
AUTH=anon get "/prometheus/api/v1/query?query=vector(1)&$SEL" -H "Authorization: Basic $(printf 'grafana:%s' "$ADMIN_TOKEN" | base64 -w0)"
assert_json '.status == "success" and .data.result[0].metric.cluster == "m9b-prom"' "the token as the password of Basic credentials"
AUTH=anon get "/prometheus/api/v1/query?query=up" -H "Authorization: Basic $(printf 'grafana:nope' | base64 -w0)"
prom_err 401 unauthorized "Basic credentials without a token: 401"

section "promtool, Debian's, as the client"
if [ -z "$PROMTOOL" ]; then
	fail "promtool is installed (Debian package prometheus)"
else
	# Debian 12's promtool (2.42) has no --http.config.file for queries: the token goes as the
	# password in the URL, which it sends as Basic credentials.
	PT_URL="http://promtool:$ADMIN_TOKEN@127.0.0.1:$PORT/prometheus"
	out=$("$PROMTOOL" query instant "$PT_URL" 'vector(5)' 2>&1 || true)
	check "promtool query instant: one series per answering cluster ($out)" grep -q '{cluster="m9b-prom"} => 5' <<<"$out"
	out=$("$PROMTOOL" query range --start=$((now - 20)) --end="$now" --step=10s "$PT_URL" 'vector(6)' 2>&1 || true)
	check "promtool query range" grep -q '{cluster="m9b-prom"} =>' <<<"$out"
	out=$("$PROMTOOL" query labels "$PT_URL" job 2>&1 || true)
	check "promtool query labels" grep -qx 'self' <<<"$out"
	out=$("$PROMTOOL" query series --match='up{job="self"}' "$PT_URL" 2>&1 || true)
	check "promtool query series" grep -q 'cluster="m9b-prom"' <<<"$out"
fi

section "slow fan-out queries never hold the pages"
FAKE=$BUILD/tests/fakes/fake-kube
FK=$(stack_free_port)
"$FAKE" --port "$FK" >"$SCRATCH/fake.out" 2>"$SCRATCH/fake.err" &
fake_pid=$!
fake_up() { grep -q 'listening' "$SCRATCH/fake.out"; }
check "fake-kube starts (its clusters can hang)" wait_for 10 fake_up
curl -fsS -X PUT -H 'Content-Type: application/json' --data-binary '{"fail": "hang"}' \
	"http://127.0.0.1:$FK/_fake/clusters/hang9b" >/dev/null
create_cluster "$(cluster_body m9b-hang lab kubernetes "{prometheus_url: \"http://127.0.0.1:$FK/c/hang9b/\"}")"
# pages_burst OUT: 200 requests for /clusters, 8 at a time; prints the seconds they took.
pages_burst() {
	local t0 t1
	t0=$(date +%s.%N)
	for _ in $(seq 1 200); do echo /clusters; done | burst 8 "$1"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
alone=$(pages_burst "$SCRATCH/alone.st")
# 40 queries that each wait for the hanging cluster until their 1 s deadline: the slow pool's
# workers are all taken for several seconds and the rest wait in its queue.
for i in $(seq 1 40); do echo "/api/v1/metrics/query?query=vector($i)&cluster=m9b-hang&timeout=1s"; done >"$SCRATCH/slow.paths"
(burst 40 "$SCRATCH/slow.st" <"$SCRATCH/slow.paths"; touch "$SCRATCH/slow.done") &
slow_bg=$!
sleep 0.5
busy=$(test -e "$SCRATCH/slow.done" && echo no || echo yes)
loaded=$(pages_burst "$SCRATCH/loaded.st")
still=$(test -e "$SCRATCH/slow.done" && echo no || echo yes)
ratio=$(awk -v a="$alone" -v l="$loaded" 'BEGIN { printf "%.2f\n", a / l }')
echo "# /clusters: 200 requests alone in $alone s, with 40 slow queries in flight in $loaded s: rate ratio $ratio"
assert_eq "$busy$still" yesyes "the slow queries were in flight before and after the pages' burst"
assert_eq "$(statuses "$SCRATCH/loaded.st")" "200x200" "every /clusters request was answered meanwhile"
check "at a rate of at least half its rate alone (ratio $ratio; the target 0.8 is bench/fanout's)" \
	awk -v r="$ratio" 'BEGIN { exit !(r >= 0.5) }'
wait "$slow_bg"
assert_eq "$(statuses "$SCRATCH/slow.st")" "40x200" "the slow queries all answered in the end (their cluster a timeout)"
get "/api/v1/metrics/query?query=vector(41)&cluster=m9b-hang&timeout=1s"
assert_json '.clusters[0].outcome == "timeout" and .answered == 0' "the hanging cluster's outcome is timeout"

kill "$fake_pid" ${prom_pid:+"$prom_pid"} 2>/dev/null
wait "$fake_pid" ${prom_pid:+"$prom_pid"} 2>/dev/null
true
