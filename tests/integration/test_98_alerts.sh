# test_98_alerts.sh: Alertmanager's webhook through nginx: the cluster's ingest token, idempotent
# storage by (cluster, fingerprint, startsAt) (redelivery, an HA pair, late copies), every refusal
# (400, 401, 404, 413) storing nothing, and PostgreSQL away (503, then the retry lands once).

FIX=$ROOT/tests/fixtures
FIRING=$FIX/alertmanager_webhook_firing.json
RESOLVED=$FIX/alertmanager_webhook_resolved.json

# hook CLUSTER TOKEN FILE [CURL-ARGS...]: post a webhook body from FILE as Alertmanager does.
hook() {
	local cluster=$1 token=$2 file=$3
	shift 3
	AUTH=anon req POST "/api/v1/alerts/webhook/$cluster" -H 'Content-Type: application/json' \
		${token:+-H "Authorization: Bearer $token"} --data-binary "@$file" "$@"
}
rows() { sql "SELECT count(*) FROM alerts a JOIN clusters c ON c.id = a.cluster_id WHERE c.name = '$1' ${2:-}"; }
events() { sql "SELECT count(*) FROM alert_events e JOIN alerts a ON a.id = e.alert_id JOIN clusters c ON c.id = a.cluster_id WHERE c.name = '$1' ${2:-}"; }

create_cluster "$(cluster_body am-east production openshift)"
east=$CREATED_ID
create_cluster "$(cluster_body am-west production openshift)"

section "the ingest token"
json POST "/api/v1/clusters/$east/ingest-token" ''
assert_status 201 "an admin makes the cluster's ingest token"
TOKEN=$(jb .token)
check "it is an ingest token, shown once" grep -qE '^aiops_ingest_[A-Za-z0-9_-]{43}$' <<<"$TOKEN"
assert_json '.webhook_url == "/api/v1/alerts/webhook/am-east"' "with the address to post to"
assert_eq "$(sql "SELECT count(*) FROM cluster_ingest_tokens WHERE digest = encode(sha256('$TOKEN'), 'hex')")" 1 \
	"only its digest is stored"
assert_eq "$(sql "SELECT count(*) FROM cluster_ingest_tokens WHERE digest LIKE '%$TOKEN%'")" 0 "never the token"
get "/api/v1/audit?action=cluster.ingest_token"
assert_json '[.items[] | select(.target == "cluster:am-east")] | length == 1' "making it is audited"
json POST "/api/v1/clusters/$CREATED_ID/ingest-token" ''
WEST_TOKEN=$(jb .token)
json POST "/api/v1/clusters/00000000-0000-4000-8000-000000000000/ingest-token" ''
assert_status 404 "an unknown cluster has no token to make"

section "refusals store nothing"
hook am-east "" "$FIRING"
assert_status 401 "no token: 401"
assert_header WWW-Authenticate '^Bearer' "with a challenge"
hook am-east "aiops_ingest_$(printf 'x%.0s' $(seq 1 43))" "$FIRING"
assert_status 401 "a token of the right shape that is not the cluster's: 401"
hook am-east "$WEST_TOKEN" "$FIRING"
assert_status 401 "another cluster's token: 401"
hook am-nowhere "$TOKEN" "$FIRING"
assert_status 404 "an unknown cluster: 404"
printf '{"version": "4", "alerts": [' >"$SCRATCH/bad.json"
hook am-east "$TOKEN" "$SCRATCH/bad.json"
assert_status 400 "a body that is not JSON: 400"
printf '{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"\xff\xfe"},"startsAt":"2026-05-14T08:00:00Z"}]}' >"$SCRATCH/utf8.json"
hook am-east "$TOKEN" "$SCRATCH/utf8.json"
assert_status 400 "a body that is not UTF-8: 400"
jq '.version = "3"' "$FIRING" >"$SCRATCH/v3.json"
hook am-east "$TOKEN" "$SCRATCH/v3.json"
assert_error 400 bad_request "another version: 400"
assert_json '.error.message | test("version \"3\"")' "saying which version it got"
jq 'del(.alerts[1].startsAt)' "$FIRING" >"$SCRATCH/nostart.json"
hook am-east "$TOKEN" "$SCRATCH/nostart.json"
assert_status 400 "an alert without startsAt: 400"
assert_json '.error.message | test("alerts\\[1\\]\\.startsAt")' "naming the alert and the field"
jq '.alerts[0].labels.alertname = 5' "$FIRING" >"$SCRATCH/notstr.json"
hook am-east "$TOKEN" "$SCRATCH/notstr.json"
assert_status 400 "a label that is not a string: 400"
assert_eq "$(rows am-east)" 0 "none of them stored anything"
log_has '.level == "warn" and (.msg | test("webhook of cluster am-east refused"))' &&
	pass "a refused payload is logged with its reason" || fail "a refused payload is logged with its reason"

section "firing, redelivered, resolved, late"
hook am-east "$TOKEN" "$FIRING"
assert_status 200 "a firing payload is taken"
assert_json '.received == 2 and .changed == 2 and .cluster == "am-east"' "both alerts are new"
assert_eq "$(rows am-east "AND a.status = 'firing'")" 2 "two firing alerts are stored"
assert_eq "$(sql "SELECT count(*) FROM alerts WHERE fingerprint = '330c7ea7405483a4' AND ends_at IS NULL AND alertname = 'GPUTemperatureHigh' AND severity = 'critical'")" 1 \
	"Alertmanager's zero endsAt is no end, and the name and severity come from the labels"
hook am-east "$TOKEN" "$FIRING"
assert_json '.changed == 0' "the same payload again changes nothing"
hook "$east" "$TOKEN" "$FIRING"
assert_status 200 "the cluster may be named by its id"
assert_eq "$(rows am-east)" 2 "still two alerts"
assert_eq "$(events am-east "AND e.kind = 'fired'")" 2 "and two 'fired' in their history"
hook am-east "$TOKEN" "$RESOLVED"
assert_json '.changed == 2' "the resolved payload changes both"
assert_eq "$(rows am-east "AND a.status = 'resolved' AND a.ends_at IS NOT NULL")" 2 "both are resolved, with their end"
hook am-east "$TOKEN" "$FIRING"
assert_json '.changed == 0' "a late copy of the firing payload does not reopen them"
assert_eq "$(rows am-east "AND a.status = 'resolved'")" 2 "they stay resolved"
assert_eq "$(events am-east)" 4 "the history holds fired and resolved for each"
n=$(redis-cli -s "$STACK_DIR/redis/redis.sock" XRANGE aiops:events - + | grep -c '"ALERT_RESOLVED"')
assert_ge "$n" 2 "each change went to the event stream ($n ALERT_RESOLVED)"

section "resolved before firing; an HA pair"
jq '.alerts |= map(.startsAt = "2026-05-15T10:00:00Z" | .labels.pass = "two" | del(.fingerprint))' "$RESOLVED" >"$SCRATCH/r2.json"
jq '.alerts |= map(.startsAt = "2026-05-15T10:00:00Z" | .labels.pass = "two" | del(.fingerprint))' "$FIRING" >"$SCRATCH/f2.json"
hook am-east "$TOKEN" "$SCRATCH/r2.json"
assert_json '.changed == 2' "a resolved alert never seen firing is stored resolved"
hook am-east "$TOKEN" "$SCRATCH/f2.json"
assert_status 200 "its firing copy arrives late (without fingerprints: they are computed)"
assert_eq "$(rows am-east "AND a.starts_at = '2026-05-15T10:00:00Z'")/$(rows am-east "AND a.starts_at = '2026-05-15T10:00:00Z' AND a.status = 'resolved'")" 2/2 \
	"and leaves them resolved, adding nothing"
jq '.alerts |= map(.startsAt = "2026-05-16T10:00:00Z" | del(.fingerprint))' "$FIRING" >"$SCRATCH/ha.json"
for i in 1 2 3 4 5 6; do hook am-east "$TOKEN" "$SCRATCH/ha.json" -o "$SCRATCH/ha.$i" & done
wait
assert_eq "$(rows am-east "AND a.starts_at = '2026-05-16T10:00:00Z'")" 2 "six concurrent copies (an HA pair's) make two alerts"
assert_eq "$(events am-east "AND a.starts_at = '2026-05-16T10:00:00Z'")" 2 "and one 'fired' each"
assert_eq "$(sql "SELECT count(*) FROM alerts WHERE fingerprint = '330c7ea7405483a4' AND starts_at = '2026-05-16T10:00:00Z'")" 1 \
	"the fingerprint computed here is Alertmanager's"

section "large payloads"
jq -c '.alerts[0] as $a | .alerts = [range(1000) as $i | $a | .labels.n = ($i | tostring) | del(.fingerprint)] | .truncatedAlerts = 7' \
	"$FIRING" >"$SCRATCH/k.json"
hook am-east "$TOKEN" "$SCRATCH/k.json"
assert_status 200 "1,000 alerts in one payload are taken"
assert_json '.received == 1000 and .changed == 1000 and .truncated_alerts == 7' \
	"all of them, and what Alertmanager left out is reported"
assert_eq "$(rows am-east "AND a.labels ? 'n'")" 1000 "1,000 rows"
head -c 17000000 /dev/zero | tr '\0' ' ' >"$SCRATCH/huge.json"
hook am-east "$TOKEN" "$SCRATCH/huge.json"
assert_status 413 "a body over alerts.max_body: 413"

section "hostile labels are data"
jq '.alerts |= map(.startsAt = "2026-05-17T10:00:00Z" | .labels.alertname = "<script>alert(1)</script>" | del(.fingerprint)
	| .annotations.runbook_url = "javascript:alert(1)")' "$FIRING" >"$SCRATCH/xss.json"
hook am-east "$TOKEN" "$SCRATCH/xss.json"
assert_status 200 "a payload with markup in its labels is taken"
assert_eq "$(sql "SELECT count(*) FROM alerts WHERE alertname = '<script>alert(1)</script>' AND annotations->>'runbook_url' = 'javascript:alert(1)'")" 2 \
	"stored as sent, for the pages to escape"

section "PostgreSQL away during a delivery"
pgdata=$(stack_pg_dir "$STACK_DIR")/data
jq '.alerts |= map(.startsAt = "2026-05-18T10:00:00Z" | del(.fingerprint))' "$FIRING" >"$SCRATCH/pg.json"
as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1
hook am-east "$TOKEN" "$SCRATCH/pg.json"
assert_error 503 unavailable "without PostgreSQL the webhook answers 503, which Alertmanager retries"
stack_start_pg "$STACK_DIR" >"$SCRATCH/pgstart.log" 2>&1 || fail "PostgreSQL starts again" "$(cat "$SCRATCH/pgstart.log")"
for _ in 1 2 3 4 5 6 7 8; do
	hook am-east "$TOKEN" "$SCRATCH/pg.json"
	[ "$STATUS" = 200 ] && break
	sleep 0.25
done
assert_status 200 "the retry lands once PostgreSQL is back"
hook am-east "$TOKEN" "$SCRATCH/pg.json"
assert_json '.changed == 0' "and a second retry changes nothing"
assert_eq "$(rows am-east "AND a.starts_at = '2026-05-18T10:00:00Z'")" 2 "the alerts are stored once"

section "aiopsctl cluster ingest-token"
out=$(stack_ctl "$STACK_DIR" cluster ingest-token am-west 2>&1)
new=$(tail -n 1 <<<"$out")
check "aiopsctl prints a new token on its last line" grep -qE '^aiops_ingest_[A-Za-z0-9_-]{43}$' <<<"$new"
jq '.alerts |= map(.startsAt = "2026-05-19T10:00:00Z" | del(.fingerprint))' "$FIRING" >"$SCRATCH/w.json"
hook am-west "$new" "$SCRATCH/w.json"
assert_json '.changed == 2' "the cluster's Alertmanager delivers with it"
hook am-west "$WEST_TOKEN" "$SCRATCH/w.json"
assert_status 401 "the token it replaced no longer works"
get "/api/v1/audit?action=cluster.ingest_token"
assert_json '[.items[] | select(.target == "cluster:am-west" and .actor == "aiopsctl")] | length == 1' "aiopsctl's token is audited too"
stack_ctl "$STACK_DIR" cluster ingest-token am-nowhere >/dev/null 2>&1
assert_eq "$?" 1 "an unknown cluster is an error"

section "the fleet's alerts as JSON"
get "/api/v1/alerts?cluster=am-east&limit=500"
assert_status 200 "GET /api/v1/alerts answers"
assert_json '[.items[] | .status] | unique == ["firing"]' "firing alerts by default"
n_firing=$(rows am-east "AND a.status = 'firing'")
assert_json "(.items | length) == ([$n_firing, 500] | min)" "as many as the page holds ($n_firing firing in all)"
assert_json '.items[0] | has("labels") and has("annotations") and (.starts_at | test("Z$")) and .cluster == "am-east"' \
	"each with its labels, annotations, cluster and RFC 3339 times"
get "/api/v1/alerts?cluster=am-east&state=resolved&severity=critical&limit=500"
assert_json '(.items | length) >= 1 and ([.items[] | select(.status != "resolved" or .severity != "critical")] | length) == 0' \
	"state and severity filter"
get "/api/v1/alerts?cluster=am-east&match=n%3D~99%7C7&limit=500"
assert_json '(.items | length) == 2 and ([.items[].labels.n] | sort) == ["7", "99"]' "a regex matcher is anchored"
get "/api/v1/alerts?cluster=am-east&match=n!~.%2B&match=alertname%3DGPUXidError&limit=500"
assert_json '[.items[] | select(.labels.n != null or .alertname != "GPUXidError")] | length == 0' "matchers combine"
get "/api/v1/alerts?cluster=am-east&q=temperature&limit=500"
assert_json '(.items | length) >= 1 and ([.items[] | select(.alertname != "GPUTemperatureHigh")] | length) == 0' \
	"text search finds the summary"
cursor="" pages=0
: >"$SCRATCH/ids"
while [ "$pages" -lt 10 ]; do
	get "/api/v1/alerts?cluster=am-east&limit=400${cursor:+&cursor=$(urlenc "$cursor")}"
	jq -r '.items[].id' <"$BODY_FILE" >>"$SCRATCH/ids"
	cursor=$(jb '.next_cursor // empty')
	pages=$((pages + 1))
	[ -n "$cursor" ] || break
done
assert_eq "$(sort -u "$SCRATCH/ids" | wc -l) in $pages pages" "$n_firing in $(((n_firing + 399) / 400)) pages" \
	"keyset pages of 400 walk every firing alert once"
for bad in 'state=open' 'limit=0' 'limit=501' 'match=bad' 'match=a%3D~(' 'cursor=nope'; do
	get "/api/v1/alerts?$bad"
	assert_status 400 "?$bad is refused with 400"
done
id=$(sql "SELECT a.id FROM alerts a WHERE a.fingerprint = '330c7ea7405483a4' AND a.starts_at = '2026-05-14T08:52:07.318Z'")
get "/api/v1/alerts/$id"
assert_json '.alert.status == "resolved" and ([.timeline[].kind] == ["fired", "resolved"]) and .fired_last_24h >= 1' \
	"one alert, with its timeline and how often it fired in the last day"
get /api/v1/alerts/99999999
assert_status 404 "an unknown alert: 404"
get /api/v1/alerts/abc
assert_status 404 "a malformed id: 404"

section "the pages"
session_login "$TEST_ADMIN" "$TEST_PASSWORD" >/dev/null
AUTH=session get "/alerts?cluster=am-east&group=severity"
assert_status 200 "/alerts answers a browser"
assert_body_has 'class="chip severity-critical"' "counts per severity"
assert_body_lacks '<script>alert(1)</script>' "markup in labels is escaped"
assert_body_has '&lt;script&gt;alert(1)&lt;/script&gt;' "and shown as text"
AUTH=session get "/alerts?group=nonsense"
assert_status 400 "an unknown grouping: 400"
xid=$(sql "SELECT id FROM alerts WHERE alertname = '<script>alert(1)</script>' LIMIT 1")
AUTH=session get "/alerts/$xid"
assert_status 200 "an alert's page answers"
assert_body_lacks 'href="javascript:' "a javascript: runbook is not a link"
assert_body_has 'still firing' "a firing alert has no end"
AUTH=session get "/alerts/$id"
assert_body_has 'href="https://runbooks.example.com/gpu/temperature-high"' "an https runbook is a link"
assert_body_has 'class="moment-resolved"' "the timeline shows the resolution"

section "acknowledgement"
fid=$(sql "SELECT a.id FROM alerts a JOIN clusters c ON c.id = a.cluster_id WHERE c.name = 'am-east' AND a.status = 'firing' ORDER BY a.id LIMIT 1")
rid=$(sql "SELECT a.id FROM alerts a JOIN clusters c ON c.id = a.cluster_id WHERE c.name = 'am-east' AND a.status = 'resolved' ORDER BY a.id LIMIT 1")
json POST "/api/v1/alerts/$fid/ack" '{"comment": "draining gpu-worker-02 <b>now</b>"}'
assert_status 200 "an operator acknowledges a firing alert with a comment"
assert_json '.acked_by == "'"$TEST_ADMIN"'" and .ack_comment == "draining gpu-worker-02 <b>now</b>" and (.acked_at | test("Z$"))' \
	"who, when and why are on the alert"
get "/api/v1/alerts/$fid"
assert_json '[.timeline[] | select(.kind == "acked")][0] | .actor == "'"$TEST_ADMIN"'" and .comment == "draining gpu-worker-02 <b>now</b>"' \
	"and in its history"
get "/api/v1/audit?action=alert.ack"
assert_json '[.items[] | select(.target == "alert:'"$fid"'")] | length == 1' "audited"
n=$(redis-cli -s "$STACK_DIR/redis/redis.sock" XRANGE aiops:events - + | grep -c '"ALERT_ACKED"')
assert_ge "$n" 1 "sent as ALERT_ACKED"
get "/api/v1/alerts?cluster=am-east&state=acknowledged"
assert_json '[.items[].id] == ["'"$fid"'"]' "state=acknowledged lists it"
json POST "/api/v1/alerts/$fid/ack" '{}'
assert_status 422 "an acknowledgement needs a comment"
json POST "/api/v1/alerts/$fid/ack" "{\"comment\": \"$(head -c 1001 /dev/zero | tr '\0' x)\"}"
assert_status 422 "of at most 1,000 characters"
json POST "/api/v1/alerts/$fid/ack" '{"comment": "x", "by": "someone else"}'
assert_status 422 "and nothing else"
json POST "/api/v1/alerts/$rid/ack" '{"comment": "too late"}'
assert_status 404 "a resolved alert cannot be acknowledged"
AUTH=session get "/alerts/$fid"
assert_body_has 'draining gpu-worker-02 &lt;b&gt;now&lt;/b&gt;' "the alert's page shows the comment, escaped"
assert_body_has "action=\"/alerts/$fid/unack\"" "and offers to take it back"
form "/alerts/$fid/unack" ""
assert_status 303 "the page's form takes it back"
assert_eq "$(header Location)" "/alerts/$fid" "and comes back to the alert"
get "/api/v1/alerts/$fid"
assert_json '.alert.acked_by == null and ([.timeline[].kind] | index("unacked")) != null' "no longer acknowledged, and the history says so"
json POST "/api/v1/alerts/$fid/unack" ''
assert_status 404 "taking back what is not acknowledged: 404"
form "/alerts/$fid/ack" "comment=$(urlenc 'looking into it')"
assert_status 303 "the page's form acknowledges"
get "/api/v1/alerts/$fid"
assert_json '.alert.ack_comment == "looking into it"' "with the form's comment"
viewer_pw="viewer pass phrase $RANDOM$RANDOM"
printf '%s\n' "$viewer_pw" | stack_ctl "$STACK_DIR" user add alert-viewer --role viewer --password-stdin >/dev/null 2>&1
BEARER=$(stack_ctl "$STACK_DIR" token create --user alert-viewer --name v 2>/dev/null)
AUTH=bearer json POST "/api/v1/alerts/$fid/ack" '{"comment": "x"}'
assert_status 403 "a viewer may not acknowledge"

section "export"
get "/api/v1/alerts/export?cluster=am-east&state=firing&state=resolved&format=csv"
assert_status 200 "the view exports as CSV"
assert_header Content-Type '^text/csv' "as text/csv"
assert_header Content-Disposition '^attachment; filename="alerts-[0-9]{8}-[0-9]{6}\.csv"' "as a dated file"
n_all=$(rows am-east)
assert_eq "$(($(grep -c $'\r$' "$BODY_FILE") - 1))" "$n_all" "one line per alert of the view, every page of it ($n_all)"
check "a header row first" grep -q '^id,cluster,alertname,severity,status,starts_at' "$BODY_FILE"
check "a comma in a value is quoted" grep -q '"XID 48 (Double Bit ECC Error) on gpu-worker-02 GPU 1"\|,XID 48' "$BODY_FILE"
jq '.alerts |= map(.startsAt = "2026-05-20T10:00:00Z" | del(.fingerprint) | .annotations.summary = "=HYPERLINK(\"http://evil\")")' "$FIRING" >"$SCRATCH/csvinj.json"
hook am-east "$TOKEN" "$SCRATCH/csvinj.json"
get "/api/v1/alerts/export?cluster=am-east&q=HYPERLINK&format=csv"
check "a value that looks like a formula is led by an apostrophe" grep -q "\"'=HYPERLINK(\"\"http://evil\"\")\"" "$BODY_FILE"
get "/api/v1/alerts/export?cluster=am-east" -H 'Accept: text/csv'
assert_header Content-Type '^text/csv' "Accept: text/csv asks for CSV"
get "/api/v1/alerts/export?cluster=am-east&severity=critical&format=json"
assert_json 'length >= 1 and ([.[] | select(.severity != "critical")] | length) == 0' "and as JSON, filters included"
get "/api/v1/alerts/export?format=xml"
assert_status 400 "another format: 400"
AUTH=session get "/alerts?cluster=am-east&group=cluster"
assert_body_has 'href="/api/v1/alerts/export?cluster=am-east&amp;format=csv"' "the page links the export of its own view"

section "the dashboard: firing alerts and the dead-man's switch"
AUTH=session get /
assert_status 200 "the dashboard answers"
crit=$(sql "SELECT count(*) FROM alerts WHERE status = 'firing' AND severity = 'critical'")
assert_body_has "href=\"/alerts?severity=critical\" data-live-key=\"critical\"><span class=\"tile-value\">$crit</span>" \
	"it counts the fleet's firing critical alerts ($crit)"
assert_body_has 'href="/alerts?cluster=am-east">am-east</a>' "and lists the clusters they fire on"
jq '.alerts = [.alerts[0] | .labels = {"alertname": "Watchdog", "severity": "none"} | del(.fingerprint) | .startsAt = "2026-05-21T00:00:00Z"]' \
	"$FIRING" >"$SCRATCH/watchdog.json"
hook am-east "$TOKEN" "$SCRATCH/watchdog.json"
assert_eq "$(sql "SELECT count(*) FROM cluster_ingest_tokens t JOIN clusters c ON c.id = t.cluster_id WHERE c.name = 'am-east' AND t.watchdog_at > now() - interval '1 minute' AND t.last_delivery_at > now() - interval '1 minute'")" 1 \
	"a delivery with the Watchdog is noted"
AUTH=session get /
assert_body_lacks 'am-east</a>: <strong>broken' "while it arrives, the pipeline is not broken"
AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$BUILD/collectors/aiops-collect" alerts >/dev/null 2>&1 # judged ok
sql "UPDATE cluster_ingest_tokens SET watchdog_at = now() - interval '1 hour' FROM clusters c WHERE c.id = cluster_id AND c.name = 'am-east'" >/dev/null
# Nothing was delivered, so nothing changed: the collector's pass is what notices.
AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$BUILD/collectors/aiops-collect" alerts >"$SCRATCH/collect-judge.out" 2>&1
assert_eq "$(grep -c '; 1 pipeline changed' "$SCRATCH/collect-judge.out")" 1 "aiops-collect alerts judges the pipelines ($(tail -1 "$SCRATCH/collect-judge.out"))"
ev=$(redis-cli -s "$STACK_DIR/redis/redis.sock" XREVRANGE aiops:events + - COUNT 50 | grep '"ALERT_PIPELINE_CHANGED"' | grep -m1 '"am-east"' || true)
assert_eq "$(printf '%s' "$ev" | jq -r 'select(.data.cluster == "am-east") | .data.state + " " + .data.was')" "broken ok" \
	"the broken pipeline is told to the pages as ALERT_PIPELINE_CHANGED"
sleep 0.3 # a worker trusts the version it read for VERSION_TRUST_MS (250 ms)
AUTH=session get /
assert_body_has 'am-east</a>: <strong>broken</strong>' "a Watchdog that stopped arriving marks the pipeline broken on the (cached) dashboard"
AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$BUILD/collectors/aiops-collect" alerts >"$SCRATCH/collect-judge.out" 2>&1
assert_eq "$(grep -c '; 0 pipelines changed' "$SCRATCH/collect-judge.out")" 1 "a second pass finds nothing new to tell"

section "the cluster's page: what fires there, and its pipeline"
AUTH=session get "/clusters/$east"
assert_body_has 'critical</span>' "it counts what fires on the cluster"
assert_body_has 'alert pipeline: <strong class="pipeline-broken">broken</strong>' "and says its pipeline is broken"
AUTH=session get "/clusters/$(sql "SELECT id FROM clusters WHERE name = 'am-west'")"
assert_body_has 'alert pipeline: delivers, but no Watchdog has arrived' "a cluster that delivers without a Watchdog says so"

section "history by time range"
get "/api/v1/alerts?cluster=am-east&state=resolved&since=2026-05-14T00:00:00Z&until=2026-05-15T00:00:00Z&limit=500"
assert_json '(.items | length) >= 2 and ([.items[] | select(.starts_at < "2026-05-14" or .starts_at >= "2026-05-15")] | length) == 0' \
	"resolved alerts are found by the time they started"
get "/api/v1/alerts?since=yesterday"
assert_status 400 "a time that is not RFC 3339: 400"

section "history partitioned by month"
assert_eq "$(sql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'alerts'::regclass AND inhrelid::regclass::text = 'alerts_p' || to_char(now() AT TIME ZONE 'UTC' + interval '3 months', 'YYYYMM')")" 1 \
	"alerts has its months made three ahead"
assert_eq "$(sql "SELECT aiops_partition_month(t, '2020-01-15Z') AND aiops_partition_month(t, '2020-02-15Z') FROM unnest(ARRAY['alerts', 'alert_events', 'cluster_health']) t" | sort -u)" t \
	"a past month is made on demand"
cat >"$SCRATCH/ages.json" <<'JSON'
{"version": "4", "status": "firing", "receiver": "aiops", "alerts": [
 {"status": "resolved", "labels": {"alertname": "Jan2020", "severity": "info"}, "startsAt": "2020-01-10T00:00:00Z", "endsAt": "2020-01-11T00:00:00Z"},
 {"status": "firing", "labels": {"alertname": "Feb2020", "severity": "info"}, "startsAt": "2020-02-10T00:00:00Z"},
 {"status": "resolved", "labels": {"alertname": "Feb2020Gone", "severity": "info"}, "startsAt": "2020-02-12T00:00:00Z", "endsAt": "2020-02-13T00:00:00Z"},
 {"status": "firing", "labels": {"alertname": "Year2999", "severity": "info"}, "startsAt": "2999-01-01T00:00:00Z"},
 {"status": "firing", "labels": {"alertname": "Year1970", "severity": "info"}, "startsAt": "1970-01-01T00:00:00Z"}]}
JSON
hook am-east "$TOKEN" "$SCRATCH/ages.json"
assert_status 200 "alerts from any time are taken"
assert_json '.received == 5 and .changed == 5' "all five are new"
hook am-east "$TOKEN" "$SCRATCH/ages.json"
assert_json '.changed == 0' "and redelivered, change nothing"
assert_eq "$(sql "SELECT string_agg(alertname || ':' || tableoid::regclass, ' ' ORDER BY starts_at) FROM alerts WHERE alertname IN ('Jan2020', 'Feb2020', 'Feb2020Gone', 'Year2999', 'Year1970')")" \
	"Year1970:alerts_default Jan2020:alerts_p202001 Feb2020:alerts_p202002 Feb2020Gone:alerts_p202002 Year2999:alerts_default" \
	"each lands in its month, 1970 and 2999 in the default partition"
assert_eq "$(sql "SELECT count(*) FROM alert_events_p202001 e JOIN alerts a ON a.id = e.alert_id WHERE a.alertname = 'Jan2020'")" 1 \
	"the timeline of January 2020's alert is in January 2020's partition"
far=$(sql "SELECT id FROM alerts WHERE alertname = 'Year2999'")
get "/api/v1/alerts/$far"
assert_json '.alert.alertname == "Year2999" and ([.timeline[].kind] == ["fired"])' "an alert from 2999 has its page and timeline"
json POST "/api/v1/alerts/$far/ack" '{"comment": "clock skew"}'
assert_status 200 "and is acknowledged"
get "/api/v1/alerts?cluster=am-east&state=firing&since=2020-01-01T00:00:00Z&until=2020-03-01T00:00:00Z"
assert_json '[.items[].alertname] == ["Feb2020"]' "history by time reaches an old month"
sql "INSERT INTO cluster_health (cluster_id, at, status, api_ok) VALUES ('$east', '2020-01-20Z', 'ready', true)" >/dev/null

section "aiops-collect retention"
n_before=$(sql "SELECT count(*) FROM alerts")
sql "UPDATE alerts SET ends_at = now() - interval '100 days' WHERE id IN (SELECT id FROM alerts WHERE status = 'resolved' ORDER BY id LIMIT 3)" >/dev/null
old_firing=$(sql "SELECT id FROM alerts WHERE status = 'firing' ORDER BY id LIMIT 1")
sql "UPDATE alerts SET starts_at = now() - interval '200 days', updated_at = now() - interval '200 days' WHERE id = $old_firing" >/dev/null
sql "INSERT INTO cluster_health (cluster_id, at, status, api_ok) VALUES ('$east', now() - interval '40 days', 'ready', true)" >/dev/null
due=$(sql "SELECT count(*) FROM alerts WHERE status = 'resolved' AND coalesce(ends_at, updated_at) < now() - interval '90 days'")
out=$(AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$BUILD/collectors/aiops-collect" retention 2>&1)
check "a pass says what it deleted ($out; $due were due)" grep -q "^retention: $due resolved alerts older than 90 days, 2 health checks older than 30 days deleted; 3 months dropped" <<<"$out"
assert_eq "$(sql "SELECT count(*) FROM alerts")" "$((n_before - due))" "the resolved alerts past their age are gone, with their timeline"
assert_eq "$(sql "SELECT count(*) FROM alerts WHERE id = $old_firing")" 1 "a firing alert stays, however old"
assert_eq "$(sql "SELECT count(*) FROM alert_events e LEFT JOIN alerts a ON a.id = e.alert_id WHERE a.id IS NULL")" 0 "no orphan in the timeline"
assert_eq "$(sql "SELECT count(*) FROM pg_class WHERE relname IN ('alerts_p202001', 'alert_events_p202001', 'cluster_health_p202001', 'cluster_health_p202002')")" 0 \
	"the months wholly past their age are dropped: alerts with their timeline, health checks"
assert_eq "$(sql "SELECT count(*) FROM pg_inherits WHERE inhparent = 'alerts'::regclass AND inhrelid = 'alerts_p202002'::regclass")" 1 \
	"a month that a firing alert holds stays"
assert_eq "$(sql "SELECT string_agg(alertname, ' ' ORDER BY starts_at) FROM alerts WHERE alertname IN ('Jan2020', 'Feb2020', 'Feb2020Gone', 'Year2999', 'Year1970')")" \
	"Year1970 Feb2020 Year2999" "its resolved alerts go row by row; the firing ones stay, in every partition"
assert_eq "$(sql "SELECT count(*) FROM cluster_health WHERE cluster_id = '$east' AND at > now() - interval '30 days'")" \
	"$(sql "SELECT count(*) FROM cluster_health WHERE cluster_id = '$east'")" "only the recent health checks are left"
out=$(AIOPS_CONFIG="$STACK_DIR/aiops.hdf" "$BUILD/collectors/aiops-collect" retention 2>&1)
check "a second pass has nothing left to do ($out)" grep -q "^retention: 0 resolved alerts older than 90 days, 0 health checks older than 30 days deleted; 0 months dropped, 0 made ahead" <<<"$out"

section "0010 partitions the tables that were there, keeping their rows and ids"
conv() { "$PGBIN/psql" -h "$(stack_pg_dir "$STACK_DIR")/sock" -U aiops -d conv -v ON_ERROR_STOP=1 -qtA "$@"; }
"$PGBIN/psql" -h "$(stack_pg_dir "$STACK_DIR")/sock" -U aiops -d postgres -qc "CREATE DATABASE conv" >/dev/null
for f in "$ROOT"/sql/000[1-9]_*.sql; do conv -1 -f "$f" >/dev/null; done
conv -c "INSERT INTO clusters (name, api_url, environment, cluster_type) VALUES ('c1', 'https://c1.example:6443', 'lab', 'kubernetes');
INSERT INTO alerts (cluster_id, fingerprint, starts_at, status, labels, annotations, ends_at, acked_by)
SELECT id, lpad(to_hex(g), 16, '0'), s, st, '{}', '{}', e, CASE g WHEN 5 THEN 'ops' END FROM clusters, (VALUES
 (1, '1970-01-01Z'::timestamptz, 'resolved', '1970-01-02Z'::timestamptz), (2, '2999-01-01Z', 'firing', NULL),
 (3, now() - interval '100 days', 'resolved', now() - interval '95 days'), (4, now() - interval '40 days', 'firing', NULL),
 (5, now(), 'firing', NULL), (6, now() - interval '400 days', 'resolved', now() - interval '399 days')) v(g, s, st, e);
INSERT INTO alert_events (alert_id, kind) SELECT id, 'fired' FROM alerts;
INSERT INTO alert_events (alert_id, kind) SELECT id, 'resolved' FROM alerts WHERE status = 'resolved';
INSERT INTO cluster_health (cluster_id, at, status, api_ok) SELECT id, now() - g * interval '10 days', 'ready', true
 FROM clusters, generate_series(0, 6) g;" >/dev/null
before=$(conv -c "SELECT string_agg(a.id || a.fingerprint || a.starts_at || coalesce(a.acked_by, '') || (SELECT string_agg(e.id || e.kind, ',' ORDER BY e.id) FROM alert_events e WHERE e.alert_id = a.id), ' ' ORDER BY a.id) FROM alerts a")
health=$(conv -c "SELECT string_agg(id || ':' || at, ' ' ORDER BY id) FROM cluster_health")
conv -1 -f "$ROOT/sql/0010_history_partitions.sql" >/dev/null
assert_eq "$(conv -c "SELECT string_agg(a.id || a.fingerprint || a.starts_at || coalesce(a.acked_by, '') || (SELECT string_agg(e.id || e.kind, ',' ORDER BY e.id) FROM alert_events e WHERE e.alert_id = a.id AND e.alert_starts_at = a.starts_at), ' ' ORDER BY a.id) FROM alerts a")" \
	"$before" "every alert and its timeline are kept, under the same ids"
assert_eq "$(conv -c "SELECT string_agg(id || ':' || at, ' ' ORDER BY id) FROM cluster_health")" "$health" "every health check is kept"
assert_eq "$(conv -c "SELECT count(*) FILTER (WHERE tableoid::regclass::text = 'alerts_p' || to_char(starts_at AT TIME ZONE 'UTC', 'YYYYMM')) || ' ' || count(*) FILTER (WHERE tableoid = 'alerts_default'::regclass) FROM alerts")" \
	"3 3" "the alerts of the last year are in their months; 1970, 2999 and the older one in the default partition"
assert_eq "$(conv -c "SELECT count(*) FROM cluster_health WHERE tableoid::regclass::text = 'cluster_health_p' || to_char(at AT TIME ZONE 'UTC', 'YYYYMM')")" 7 \
	"the health checks are in their months"
assert_eq "$(conv -c "INSERT INTO alerts (cluster_id, fingerprint, starts_at, status, labels, annotations) SELECT id, 'ffffffffffffffff', now(), 'firing', '{}', '{}' FROM clusters RETURNING id > (SELECT max(id) FROM alerts)")" t \
	"the ids go on from the old sequence"
"$PGBIN/psql" -h "$(stack_pg_dir "$STACK_DIR")/sock" -U aiops -d postgres -qc "DROP DATABASE conv" >/dev/null
