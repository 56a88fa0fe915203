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
assert_json '[.items[].alertname] == ["GPUHot"] and .items[0].silenced_by == ["'"$sid"'"]' \
	"the silence made in Alertmanager shows on the alert it covers"
assert_eq "$(sql "SELECT e.kind || ' ' || e.actor || ' ' || (e.detail->>'comment') FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.alertname = 'GPUHot' AND a.status = 'firing' AND e.kind LIKE '%silenced'")" \
	"silenced Alertmanager $sid" "its timeline says when Alertmanager began silencing it, and by which silence"
out=$(AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$COLLECT" alerts 2>&1)
check "a second pass changes nothing ($out)" grep -q '0 alerts changed state' <<<"$out"
assert_eq "$(sql "SELECT count(*) FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE a.alertname = 'GPUHot' AND e.kind LIKE '%silenced'")" 1 \
	"and adds no second moment"
section "silences made here, in the cluster's Alertmanager"
hot=$(sql "SELECT id FROM alerts WHERE alertname = 'GPUHot' AND cluster_id = '$cid'")
json POST /api/v1/silences "{\"alert_id\": \"$hot\", \"duration_minutes\": 90, \"comment\": \"replacing the fan\"}"
assert_status 201 "an operator silences an alert for 90 minutes"
sid2=$(jb .silence_id)
assert_json '.cluster == "am-real" and (.ends_at | test("Z$"))' "in its cluster, with its end"
amsil=$(curl -fsS "http://127.0.0.1:$AM_PORT/api/v2/silence/$sid2")
assert_eq "$(jq -r '.status.state + " " + .createdBy + " " + .comment' <<<"$amsil")" "active $TEST_ADMIN replacing the fan" \
	"the Alertmanager holds it, made by the caller with the comment"
assert_eq "$(jq -c '[.matchers[] | select(.isRegex | not) | .name] | sort' <<<"$amsil")" \
	"$(sql "SELECT jsonb_agg(k ORDER BY k) FROM alerts, jsonb_object_keys(labels) k WHERE id = $hot" | jq -c .)" \
	"one exact matcher per label of the alert"
get "/api/v1/silences?cluster=am-real"
assert_json '([.items[] | select(.silence.id == "'"$sid2"'")] | length) == 1 and ([.clusters[] | .cluster + " " + .outcome] == ["am-real ok"])' \
	"the fleet's list has it, and says each Alertmanager answered"
get "/api/v1/audit?action=silence.create"
assert_json '[.items[] | select(.target == "cluster:am-real")] | length >= 1' "making it is audited"
json POST /api/v1/silences '{"cluster": "am-real", "matchers": [{"name": "alertname", "value": "Watch.*", "isRegex": true}], "duration_minutes": 5, "comment": "matchers given"}'
assert_status 201 "a silence from matchers"
sid3=$(jb .silence_id)
json POST /api/v1/silences '{"cluster": "am-real", "matchers": [], "duration_minutes": 5, "comment": "x"}'
assert_status 422 "no matcher: 422"
json POST /api/v1/silences '{"alert_id": "'"$hot"'", "duration_minutes": 0, "comment": "x"}'
assert_status 422 "no duration: 422"
json POST /api/v1/silences '{"alert_id": "'"$hot"'", "duration_minutes": 5}'
assert_status 422 "no comment: 422"
n_audit=$(sql "SELECT count(*) FROM audit_log WHERE action = 'silence.create'")
json POST /api/v1/silences '{"cluster": "am-real", "matchers": [{"name": "alertname", "value": ""}], "duration_minutes": 5, "comment": "matches all"}'
assert_status 502 "what the Alertmanager refuses is a 502 with its words"
assert_json '.error.message | test("Alertmanager answered HTTP 400")' "saying so"
assert_eq "$(sql "SELECT count(*) FROM audit_log WHERE action = 'silence.create'")" "$n_audit" "and nothing is audited for it"
req DELETE "/api/v1/silences/$sid3?cluster=am-real"
assert_status 204 "an operator expires a silence"
assert_eq "$(curl -fsS "http://127.0.0.1:$AM_PORT/api/v2/silence/$sid3" | jq -r .status.state)" expired "the Alertmanager has it expired"
wd=$(sql "SELECT id FROM alerts WHERE alertname = 'Watchdog' AND cluster_id = '$cid'")
form "/alerts/$wd/silence" "hours=0.5&comment=$(urlenc 'quiet while we test')"
assert_status 303 "the alert page's form silences it"
AUTH=session get "/alerts/$wd"
assert_body_has "Silenced in am-real" "and says so after the redirect"
assert_eq "$(curl -fsS "http://127.0.0.1:$AM_PORT/api/v2/silences" | jq '[.[] | select(.comment == "quiet while we test" and .status.state == "active")] | length')" 1 \
	"the Alertmanager holds it"
form "/alerts/$wd/silence" "hours=0&comment=x"
assert_status 303 "a bad duration comes back to the page"
AUTH=session get "/alerts/$wd"
assert_body_has "Not silenced: hours" "saying what to change"
section "amtool against the fleet as one Alertmanager"
AMTOOL=$(command -v amtool || true)
if [ -z "$AMTOOL" ]; then
	fail "amtool is installed (Debian package prometheus-alertmanager)"
else
	printf 'authorization:\n  credentials: %s\n' "$ADMIN_TOKEN" >"$D/amtool-http.yml"
	am() { "$AMTOOL" --alertmanager.url="$BASE/alertmanager" --http.config.file="$D/amtool-http.yml" "$@"; }
	q=$(am alert query -o json 'cluster=am-real' 2>"$D/amtool.err")
	check "amtool alert query lists the cluster's active alerts, each with its cluster label (GPUHot is silenced)" \
		test "$(jq -r '[.[] | select(.labels.cluster == "am-real") | .labels.alertname] | sort | unique | join(",")' <<<"$q" 2>/dev/null)" = "Watchdog"
	q=$(am alert query -o json --silenced 'cluster=am-real' 2>>"$D/amtool.err")
	check "amtool alert query --silenced finds the silenced one" \
		grep -q GPUHot <<<"$(jq -r '.[] | select(.status.state == "suppressed") | .labels.alertname' <<<"$q" 2>/dev/null)"
	out=$(am silence add --duration=20m --comment='from amtool' cluster=am-real alertname=Watchdog 2>>"$D/amtool.err")
	sid4=$(tail -n 1 <<<"$out")
	check "amtool silence add makes it in that cluster's Alertmanager ($out)" \
		test "$(curl -fsS "http://127.0.0.1:$AM_PORT/api/v2/silence/$sid4" 2>/dev/null | jq -r '.comment + " " + .createdBy')" = "from amtool $TEST_ADMIN"
	q=$(am silence query -o json 2>>"$D/amtool.err")
	check "amtool silence query lists every cluster's silences with their cluster" \
		test "$(jq -r '[.[] | select(.id == "'"$sid4"'") | .matchers[] | select(.name == "cluster") | .value] | join(",")' <<<"$q" 2>/dev/null)" = am-real
	out=$(am silence add --duration=5m --comment=x alertname=Watchdog 2>&1)
	echo "# amtool said: $out"
	check "a silence without a cluster matcher is refused, saying why" grep -q "cluster" <<<"$out"
fi

create_cluster "$(cluster_body am-none lab k3s)"
json POST /api/v1/silences '{"cluster": "am-none", "matchers": [{"name": "a", "value": "b"}], "duration_minutes": 5, "comment": "x"}'
assert_status 409 "a cluster without an Alertmanager: 409"
AUTH=bearer BEARER=$(stack_ctl "$STACK_DIR" token create --user "$TEST_ADMIN" --name silence-viewer --role viewer 2>/dev/null) \
	json POST /api/v1/silences '{"cluster": "am-real", "matchers": [{"name": "a", "value": "b"}], "duration_minutes": 5, "comment": "x"}'
assert_status 403 "a viewer may not silence"

kill "$am_pid" 2>/dev/null
wait "$am_pid" 2>/dev/null
out=$(AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$COLLECT" alerts 2>&1)
check "an Alertmanager that is down is reported, its alerts left as they were" grep -q '1 failed' <<<"$out"
get "/api/v1/silences?cluster=am-real"
assert_json '.items == [] and .clusters[0].outcome == "failed" and (.clusters[0].error | test("am-real"))' \
	"the list names the Alertmanager that did not answer"
json POST /api/v1/silences "{\"alert_id\": \"$hot\", \"duration_minutes\": 5, \"comment\": \"x\"}"
assert_status 502 "silencing through an Alertmanager that is down: 502"
assert_eq "$(sql "SELECT count(*) FROM alerts WHERE cluster_id = '$cid' AND status = 'firing'")" 2 \
	"nothing is resolved for want of an answer"

kill "$prom_pid" "$am_pid" 2>/dev/null
wait "$prom_pid" "$am_pid" 2>/dev/null
