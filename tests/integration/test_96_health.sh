# test_96_health.sh: aiops-collect health against fake Kubernetes API servers (tests/fakes/fake-kube)
# that are up, slow, down, not ready, demanding a token, on TLS with their own CA, redirecting to
# a metadata address; the status, reason, version and history it records; the events it emits; the
# advisory lock and the shards; and that one pass takes about the longest timeout, not the sum.

FAKE=$BUILD/tests/fakes/fake-kube
COLLECT=$BUILD/collectors/aiops-collect
if [ ! -x "$FAKE" ] || [ ! -x "$COLLECT" ]; then
	fail "fake-kube and aiops-collect are built" "missing $FAKE or $COLLECT"
	return 0
fi

# A certificate of its own for the TLS fake: the collector trusts it only through a CA bundle.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$SCRATCH/fake.key" -out "$SCRATCH/fake.crt" >/dev/null 2>&1
FK=$(stack_free_port)
FKS=$(stack_free_port)
"$FAKE" --port "$FK" --tls-port "$FKS" --cert "$SCRATCH/fake.crt" --key "$SCRATCH/fake.key" \
	>"$SCRATCH/fake.out" 2>"$SCRATCH/fake.err" &
fake_pid=$!
fake_up() { grep -q 'listening' "$SCRATCH/fake.out"; }
check "fake-kube starts" wait_for 10 fake_up
FAKE_URL=http://127.0.0.1:$FK

# fake NAME JSON: set how fake cluster NAME behaves.
fake() { curl -fsS -X PUT -H 'Content-Type: application/json' --data-binary "$2" "$FAKE_URL/_fake/clusters/$1" >/dev/null; }
# collect [ARGS...]: one health pass with a 1.5 s timeout per request; output in COLLECT_OUT.
collect() {
	COLLECT_OUT=$(AIOPS_CONFIG="$STACK_DIR/aiops.hdf" AIOPS_COLLECT_TIMEOUT_MS=1500 "$COLLECT" health "$@" 2>"$SCRATCH/collect.err")
}
# status_of NAME: "status|reason" as the API shows it.
status_of() { get "/api/v1/clusters?q=$1&limit=5"; jb --arg n "$1" '.items[] | select(.name == $n) | .status + "|" + .status_reason'; }
id_of() { sql "SELECT id FROM clusters WHERE name = '$1'"; }

section "a fleet of fakes"
# The clusters earlier files made point at hosts that do not exist; this file wants its own fleet.
sql "DELETE FROM clusters" >/dev/null
data_changed
mk() { create_cluster "$(cluster_body "$1" lab kubernetes "{api_url: \"$2\"} + ${3:-{\}}")"; }
fake h-up '{"version": "v1.29.5+29c2aa5"}'
mk h-up "$FAKE_URL/c/h-up"
fake h-slow '{"latency_ms": 4000}'
mk h-slow "$FAKE_URL/c/h-slow"
fake h-down '{"fail": "reset"}'
mk h-down "$FAKE_URL/c/h-down"
fake h-notready '{"ready": false, "failing_check": "etcd"}'
mk h-notready "$FAKE_URL/c/h-notready"
fake h-auth '{"token": "sekrit-token-for-h-auth"}'
mk h-auth "$FAKE_URL/c/h-auth"
mk h-tls "https://127.0.0.1:$FKS/c/h-tls"
fake h-redirect '{"redirect": "http://169.254.169.254/latest/meta-data/"}'
mk h-redirect "$FAKE_URL/c/h-redirect"
mk h-meta "http://169.254.169.254/c/h-meta"
mk h-prom "$FAKE_URL/c/h-prom" "{prometheus_url: \"$FAKE_URL/c/h-prom/no-prometheus-here\"}"
offset=$(redis-cli -s "$STACK_DIR/redis/redis.sock" XINFO STREAM aiops:events 2>/dev/null | awk 'p { print; exit } /^last-generated-id$/ { p = 1 }')

section "one pass"
collect
check "the pass reports its counts" grep -q '^health: 9 clusters in .*: 1 ready, 2 degraded, 6 unreachable; 9 changed$' <<<"$COLLECT_OUT"
secs=$(sed -n 's/^health: [0-9]* clusters in \([0-9.]*\) s.*/\1/p' <<<"$COLLECT_OUT")
check "it takes about one timeout (1.5 s), not the sum of the slow ones ($secs s)" awk -v s="$secs" 'BEGIN { exit !(s < 3.5) }'
IFS='|' read -r st why <<<"$(status_of h-up)"
assert_eq "$st" ready "a healthy fake is ready"
get "/api/v1/clusters/$(id_of h-up)"
assert_json '.version == "v1.29.5+29c2aa5"' "with the version from gitVersion"
assert_json '.last_seen != null' "and a last-seen time"
IFS='|' read -r st why <<<"$(status_of h-slow)"
assert_eq "$st" unreachable "a fake slower than the timeout is unreachable"
check "because it did not answer in time ($why)" grep -q 'no answer within 1.5 s' <<<"$why"
IFS='|' read -r st why <<<"$(status_of h-down)"
assert_eq "$st" unreachable "a fake that drops the connection is unreachable"
check "saying so ($why)" grep -q 'closed without an answer' <<<"$why"
IFS='|' read -r st why <<<"$(status_of h-notready)"
assert_eq "$st" degraded "a fake whose /readyz fails is degraded"
check "naming the failing checks ($why)" grep -q 'not ready: etcd, etcd-readiness failing' <<<"$why"
IFS='|' read -r st why <<<"$(status_of h-auth)"
assert_eq "$st" unreachable "a fake that wants a token, without one, is unreachable"
check "with 401 in the reason ($why)" grep -q '401 Unauthorized' <<<"$why"
IFS='|' read -r st why <<<"$(status_of h-tls)"
assert_eq "$st" unreachable "a TLS fake with a certificate nobody trusts is unreachable"
check "because of its certificate ($why)" grep -q 'certificate is not trusted' <<<"$why"
IFS='|' read -r st why <<<"$(status_of h-redirect)"
assert_eq "$st" unreachable "a redirect to the metadata address is not followed"
check "and named ($why)" grep -q 'redirect to http://169.254.169.254/.*link-local' <<<"$why"
IFS='|' read -r st why <<<"$(status_of h-meta)"
assert_eq "$st" unreachable "a cluster URL on the metadata address is never fetched"
check "the reason says refused ($why)" grep -q 'refused: a link-local address' <<<"$why"
IFS='|' read -r st why <<<"$(status_of h-prom)"
assert_eq "$st" degraded "an API that is up with a Prometheus that is not is degraded"
check "naming Prometheus ($why)" grep -q '^Prometheus: answered HTTP 404' <<<"$why"
check "every cluster has a history row" test "$(sql "SELECT count(DISTINCT cluster_id) FROM cluster_health")" = 9
get "/api/v1/clusters/$(id_of h-up)/health?limit=5"
assert_json '.items | length == 1 and .[0].status == "ready" and .[0].latency_ms >= 0' "the history API shows the check with its latency"
get "/api/v1/clusters/$(id_of h-up)"
assert_json '.latency_ms >= 0' "the cluster carries its latest latency"
get "/api/v1/clusters/$(id_of h-up)/health?limit=0"
assert_error 400 bad_request "a history limit of 0 is refused, as every list refuses it"
get "/clusters/$(id_of h-slow)"
assert_body_has 'class="cell status-unreachable"' "the cluster's page draws the check in its status colour"

section "events"
redis-cli -s "$STACK_DIR/redis/redis.sock" --raw XRANGE aiops:events "(${offset:-0-0}" + |
	grep '^{' >"$SCRATCH/events.json" || true
check "9 CLUSTER_STATUS_CHANGED events" test "$(jq -s '[.[] | select(.type == "CLUSTER_STATUS_CHANGED")] | length' "$SCRATCH/events.json")" = 9
check "in the one shape: id, type, cluster_id, ts, data" \
	test "$(jq -s 'all(.[]; has("id") and has("type") and has("cluster_id") and has("ts") and has("data"))' "$SCRATCH/events.json")" = true
check "h-up's says unknown -> ready" \
	test "$(jq -s -r '.[] | select(.data.name == "h-up") | .data.previous_status + ">" + .data.status' "$SCRATCH/events.json")" = "unknown>ready"

section "credentials and a second pass"
json PUT "/api/v1/clusters/$(id_of h-auth)/credentials" '{"api_token": "sekrit-token-for-h-auth"}'
assert_status 200 "the token is stored sealed"
json PUT "/api/v1/clusters/$(id_of h-tls)/credentials" "$(jq -Rsc '{ca_bundle: .}' "$SCRATCH/fake.crt")"
assert_status 200 "the fake's certificate is stored as the cluster's CA bundle"
fake h-down '{"fail": "none"}'
offset=$(redis-cli -s "$STACK_DIR/redis/redis.sock" XINFO STREAM aiops:events 2>/dev/null | awk 'p { print; exit } /^last-generated-id$/ { p = 1 }')
collect
IFS='|' read -r st why <<<"$(status_of h-auth)"
assert_eq "$st" ready "with the token the cluster is ready"
check "the fake got it as a bearer token" \
	test "$(curl -fsS "$FAKE_URL/_fake/clusters/h-auth" | jq -r .last_authorization)" = "Bearer sekrit-token-for-h-auth"
IFS='|' read -r st why <<<"$(status_of h-tls)"
assert_eq "$st" ready "with its CA bundle the TLS cluster is ready ($why)"
IFS='|' read -r st why <<<"$(status_of h-down)"
assert_eq "$st" ready "a fake that recovers is ready again"
check "the second pass changed only those three" grep -q '; 3 changed$' <<<"$COLLECT_OUT"
redis-cli -s "$STACK_DIR/redis/redis.sock" --raw XRANGE aiops:events "(${offset:-0-0}" + |
	grep '^{' >"$SCRATCH/events2.json" || true
check "and told the pages of every check: the three changes, and CLUSTER_CHECKED for the other six" \
	test "$(jq -s -r '[.[].type] | group_by(.) | map("\(.[0])=\(length)") | join(",")' "$SCRATCH/events2.json")" = "CLUSTER_CHECKED=6,CLUSTER_STATUS_CHANGED=3"
check "h-up's check carries its new latency and last-seen time (the time of the check)" \
	test "$(jq -s -r '.[] | select(.data.name == "h-up") | [.type, (.data.latency_ms | type), (.data.last_seen == .data.checked_at)] | join(" ")' "$SCRATCH/events2.json")" = "CLUSTER_CHECKED number true"
check "an unreachable cluster's check carries no last-seen time" \
	test "$(jq -s -r '[.[] | select(.data.status == "unreachable") | .data | has("last_seen")] | length > 0 and all(not)' "$SCRATCH/events2.json")" = true

section "credentials that do not open"
od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$SCRATCH/other.key"
chmod 600 "$SCRATCH/other.key"
AIOPS_KEY_FILE=$SCRATCH/other.key collect
IFS='|' read -r st why <<<"$(status_of h-auth)"
assert_eq "$st" unreachable "under another key the token does not open, and the cluster is asked without it"
check "the collector says which credential did not open" \
	grep -q 'cluster h-auth: its api_token does not open with the key file' "$SCRATCH/collect.err"
check "and never what it holds" test "$(grep -c sekrit-token-for-h-auth "$SCRATCH/collect.err")" = 0
collect
IFS='|' read -r st why <<<"$(status_of h-auth)"
assert_eq "$st" ready "under the right key it opens again"

section "the lock and the shards"
PGHOST_DIR=$(stack_pg_dir "$STACK_DIR")/sock
"$PGBIN/psql" -h "$PGHOST_DIR" -U aiops -d aiops -qtAc "SELECT pg_advisory_lock(7462001, 10001); SELECT pg_sleep(4)" >/dev/null &
holder=$!
sleep 1
collect
check "a second run while one holds the lock exits at once, saying so" grep -q 'holds the lock' <<<"$COLLECT_OUT"
wait "$holder"
collect --shard 1/2
n1=$(sed -n 's/^health: \([0-9]*\) cluster.*/\1/p' <<<"$COLLECT_OUT")
collect --shard 2/2
n2=$(sed -n 's/^health: \([0-9]*\) cluster.*/\1/p' <<<"$COLLECT_OUT")
assert_eq "$((n1 + n2))" 9 "two shards split the nine clusters between them ($n1 + $n2)"
AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$COLLECT" health --shard 3/2 >/dev/null 2>&1
assert_eq "$?" 2 "a shard past the count is a usage error"

section "the dashboard sees it"
AUTH=token get /api/v1/fleet/summary
assert_json '.by_status == {"ready": 4, "degraded": 2, "unreachable": 3, "unknown": 0}' "the fleet summary counts what the collector found"

section "the console's own metrics: the fleet and the collectors' passes"
AUTH=anon get /metrics
assert_status 200 "/metrics answers"
printf '%s\n' "$BODY" >"$SCRATCH/product-metrics"
if out=$(promtool check metrics <"$SCRATCH/product-metrics" 2>&1); then
	pass "promtool check metrics accepts /metrics with the product's own metrics"
else
	fail "promtool check metrics accepts /metrics with the product's own metrics" "$out"
fi
check "clusters by status" grep -qx 'aiops_clusters{status="unreachable"} 3' "$SCRATCH/product-metrics"
check "clusters by environment" grep -q '^aiops_clusters_by_environment{environment="[a-z]*"} [0-9]' "$SCRATCH/product-metrics"
check "the register answered" grep -qx 'aiops_register_up 1' "$SCRATCH/product-metrics"
check "each shard's last pass, and its outcome" grep -qx 'aiops_collector_last_run_success{collector="health",shard="2/2"} 1' "$SCRATCH/product-metrics"
last=$(sed -n 's/^aiops_collector_last_run_timestamp_seconds{collector="health",shard="1\/2"} \([0-9.]*\)$/\1/p' "$SCRATCH/product-metrics")
age=$(awk -v t="${last:-0}" -v now="$(date +%s)" 'BEGIN { printf "%d", now - t }')
check "the last pass's time is when it ran (${age} s ago)" test "${last:-0}" != 0 -a "$age" -ge 0 -a "$age" -lt 120
check "and how long it took" grep -q '^aiops_collector_last_run_duration_seconds{collector="health",shard="1/1"} [0-9.]*$' "$SCRATCH/product-metrics"

kill "$fake_pid" 2>/dev/null
wait "$fake_pid" 2>/dev/null
