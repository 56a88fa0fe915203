# test_99_alertmanager.sh: the real thing: Debian's Prometheus evaluates rules that fire (one
# resolves after a while) and Debian's Alertmanager delivers them through nginx to the webhook with
# the cluster's ingest token; the alerts appear, and the one that stops firing is resolved.

PROM=$(command -v prometheus || true)
AM=$(command -v prometheus-alertmanager || true)
if [ -z "$PROM" ] || [ -z "$AM" ]; then
	fail "Prometheus and Alertmanager are installed (Debian packages prometheus, prometheus-alertmanager)"
	return 0
fi

create_cluster "$(cluster_body am-real production openshift)"
json POST "/api/v1/clusters/$CREATED_ID/ingest-token" ''
TOKEN=$(jb .token)

D=$SCRATCH/am-real
mkdir -p "$D/am-data" "$D/prom-data"
AM_PORT=$(stack_free_port)
AM_CLUSTER_PORT=$(stack_free_port)
PROM_PORT=$(stack_free_port)
printf '%s' "$TOKEN" >"$D/token"
cat >"$D/alertmanager.yml" <<CONF
route:
  receiver: aiops
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: aiops
    webhook_configs:
      - url: $BASE/api/v1/alerts/webhook/am-real
        send_resolved: true
        http_config:
          authorization:
            credentials_file: $D/token
CONF
# ResolvesSoon matches for its first 12 seconds only.
cat >"$D/rules.yml" <<CONF
groups:
  - name: test
    interval: 1s
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels: { severity: none }
        annotations: { summary: "always firing: the alert pipeline works" }
      - alert: GPUHot
        expr: vector(1)
        labels: { severity: critical, team: gpu-infra }
        annotations: { summary: "a GPU is hot", runbook_url: "https://runbooks.example.com/gpu/hot" }
      - alert: ResolvesSoon
        expr: vector(time()) < $(($(date +%s) + 12))
        labels: { severity: warning }
        annotations: { summary: "stops firing after a few seconds" }
CONF
cat >"$D/prometheus.yml" <<CONF
global:
  evaluation_interval: 1s
  scrape_interval: 15s
rule_files: [ $D/rules.yml ]
alerting:
  alertmanagers:
    - static_configs:
        - targets: [ "127.0.0.1:$AM_PORT" ]
CONF
# Alertmanager first, then Prometheus with a short resend delay (PROTOCOLS.md §0, 16).
"$AM" --config.file="$D/alertmanager.yml" --storage.path="$D/am-data" --web.listen-address="127.0.0.1:$AM_PORT" \
	--cluster.listen-address="127.0.0.1:$AM_CLUSTER_PORT" --log.level=warn >"$D/am.log" 2>&1 &
am_pid=$!
wait_for 10 curl -fsS -o /dev/null "http://127.0.0.1:$AM_PORT/-/ready" || fail "Alertmanager starts" "$(tail -5 "$D/am.log")"
"$PROM" --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/prom-data" --web.listen-address="127.0.0.1:$PROM_PORT" \
	--rules.alert.resend-delay=1s --log.level=warn >"$D/prom.log" 2>&1 &
prom_pid=$!

section "alerts arrive from a real Alertmanager"
firing() { AUTH=token get "/api/v1/alerts?cluster=am-real&state=firing"; jb '[.items[].alertname] | sort | join(",")'; }
got=""
for _ in $(seq 1 60); do
	got=$(firing)
	[ "$got" = "GPUHot,ResolvesSoon,Watchdog" ] && break
	sleep 0.5
done
assert_eq "$got" "GPUHot,ResolvesSoon,Watchdog" "the three rules' alerts arrive through nginx with the ingest token"
get "/api/v1/alerts?cluster=am-real&alertname=GPUHot"
assert_json '.items[0].severity == "critical" and .items[0].labels.team == "gpu-infra" and
	(.items[0].generator_url | test("^http://")) and .items[0].annotations.runbook_url == "https://runbooks.example.com/gpu/hot"' \
	"with their labels, annotations and Prometheus's link"
fp=$(jb -r '.items[0].fingerprint')
amfp=$(curl -fsS "http://127.0.0.1:$AM_PORT/api/v2/alerts?filter=alertname%3D%22GPUHot%22" | jq -r '.[0].fingerprint')
check "stored under Alertmanager's own fingerprint ($fp)" test -n "$fp" -a "$fp" = "$amfp"

section "the one that stops firing is resolved"
got=""
for _ in $(seq 1 80); do
	AUTH=token get "/api/v1/alerts?cluster=am-real&state=resolved"
	got=$(jb '[.items[].alertname] | join(",")')
	[ "$got" = "ResolvesSoon" ] && break
	sleep 0.5
done
assert_eq "$got" "ResolvesSoon" "ResolvesSoon is resolved once its rule stops matching"
assert_eq "$(firing)" "GPUHot,Watchdog" "the others still fire"
n=$(sql "SELECT count(*) FROM alerts a JOIN clusters c ON c.id = a.cluster_id WHERE c.name = 'am-real'")
assert_eq "$n" 3 "three alerts in all: repeated deliveries made no more rows"

section "aiops-collect alerts: Alertmanager's own list"
COLLECT=$BUILD/collectors/aiops-collect
cid=$(sql "SELECT id FROM clusters WHERE name = 'am-real'")
json PATCH "/api/v1/clusters/$cid" "{\"alertmanager_url\": \"http://127.0.0.1:$AM_PORT\"}"
assert_status 200 "the cluster's Alertmanager is registered"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
sid=$(curl -fsS -H 'Content-Type: application/json' --data-binary \
	"{\"matchers\":[{\"name\":\"alertname\",\"value\":\"GPUHot\",\"isRegex\":false,\"isEqual\":true}],\"startsAt\":\"$now\",\"endsAt\":\"$later\",\"createdBy\":\"test\",\"comment\":\"test\"}" \
	"http://127.0.0.1:$AM_PORT/api/v2/silences" | jq -r .silenceID)
check "a silence is made in Alertmanager ($sid)" test -n "$sid" -a "$sid" != null
# A webhook that never arrived, and an alert Alertmanager no longer has.
sql "DELETE FROM alerts WHERE alertname = 'Watchdog' AND cluster_id = '$cid'" >/dev/null
sql "INSERT INTO alerts (cluster_id, fingerprint, starts_at, status, alertname, severity, labels, annotations)
	VALUES ('$cid', '0123456789abcdef', now() - interval '1 hour', 'firing', 'Ghost', 'warning', '{\"alertname\": \"Ghost\"}', '{}')" >/dev/null
sleep 1
out=$(AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$COLLECT" alerts 2>&1)
check "a pass compares the Alertmanager ($out)" grep -q '^alerts: 1 Alertmanager compared, 0 failed' <<<"$out"
assert_eq "$(sql "SELECT status FROM alerts WHERE alertname = 'Watchdog' AND cluster_id = '$cid'")" firing \
	"an alert whose webhook was lost is added"
assert_eq "$(sql "SELECT status || ' ' || resolved_by_reconcile FROM alerts WHERE alertname = 'Ghost'")" "resolved true" \
	"an alert Alertmanager no longer lists is resolved"
assert_eq "$(sql "SELECT actor FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.alertname = 'Ghost' AND e.kind = 'resolved'")" \
	reconciliation "and its history says who resolved it"
get "/api/v1/alerts?cluster=am-real&state=silenced"
assert_json '[.items[].alertname] == ["GPUHot"] and .items[0].silenced_by == "'"$sid"'"' \
	"the silence made in Alertmanager shows on the alert it covers"
out=$(AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$COLLECT" alerts 2>&1)
check "a second pass changes nothing ($out)" grep -q '0 alerts changed state' <<<"$out"
kill "$am_pid" 2>/dev/null
wait "$am_pid" 2>/dev/null
out=$(AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$COLLECT" alerts 2>&1)
check "an Alertmanager that is down is reported, its alerts left as they were" grep -q '1 failed' <<<"$out"
assert_eq "$(sql "SELECT count(*) FROM alerts WHERE cluster_id = '$cid' AND status = 'firing'")" 2 \
	"nothing is resolved for want of an answer"

kill "$prom_pid" "$am_pid" 2>/dev/null
wait "$prom_pid" "$am_pid" 2>/dev/null
