# test_97_push.sh: the push daemon behind nginx: /events (SSE) and /ws (WebSocket) refuse
# anonymous connections, deliver cluster events in order, filter by type and cluster, replay what a
# client missed after Last-Event-ID, tell a client whose gap is too old to reload, keep private
# events to their owner, survive a Redis restart without losing events, and cut off clients that
# fall behind and stop reading while every event still reaches the others before the next one.

if [ ! -x "$BUILD/sse/aiops-sse" ] || ! pid_alive "$STACK_DIR/aiops-sse.pid"; then
	fail "aiops-sse runs in the stack" "no $BUILD/sse/aiops-sse or it did not start"
	return 0
fi
RCLI=(redis-cli -s "$STACK_DIR/redis/redis.sock")
AUTHZ="Authorization: Bearer $ADMIN_TOKEN"
ME=$(sql "SELECT id FROM users WHERE username = '$TEST_ADMIN'")

# listen NAME SECONDS [CURL-ARGS...]: an SSE client in the background, its stream in SCRATCH/NAME.
listen() {
	local name=$1 secs=$2

	shift 2
	curl -sN --max-time "$secs" -H "$AUTHZ" "$@" -o "$SCRATCH/$name" -D "$SCRATCH/$name.h" &
}
# events_in FILE: "TYPE name" per event, from the SSE stream in FILE.
events_in() { awk '/^event: / { t = $2 } /^data: / { sub(/^data: /, ""); print t "\t" $0 }' "$1" |
	while IFS=$'\t' read -r t d; do printf '%s %s\n' "$t" "$(jq -r '.data.name // .data.id // ""' <<<"$d")"; done; }
# xadd TYPE CLUSTER OWNER DATA: an event written straight to the stream, as any program would.
xadd() {
	"${RCLI[@]}" XADD aiops:events MAXLEN '~' 100000 '*' type "$1" cluster_id "$2" owner "$3" event \
		"$(jq -cn --arg t "$1" --arg c "$2" --arg o "$3" --argjson d "$4" \
			'{id: "t", type: $t, cluster_id: $c, ts: "2026-01-01T00:00:00Z", data: $d} + (if $o == "" then {} else {owner: $o} end)')" >/dev/null
}

section "who may connect"
AUTH=anon get /events
assert_status 401 "/events without a session or token is refused"
check "and the daemon never saw it" true
curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H 'X-Aiops-User-Id: forged' "$BASE/events" >"$SCRATCH/forged" || true
assert_eq "$(cat "$SCRATCH/forged")" 401 "a forged identity header does not get past nginx"
echo '{"op":"subscribe"}' | node "$ROOT/tests/integration/ws_client.js" "ws://127.0.0.1:$PORT/ws" 2 >"$SCRATCH/ws-anon"
check "/ws without identity is refused too" grep -q '^status 401$' "$SCRATCH/ws-anon"

section "events in order over SSE"
listen all 6 "$BASE/events"
listen deletes 6 "$BASE/events?types=CLUSTER_DELETED"
sleep 0.7
check "the stream is text/event-stream" grep -qi '^content-type: text/event-stream' "$SCRATCH/all.h"
check "with no chunk framing around its events (it ends when the connection does)" \
	bash -c "! grep -qi '^transfer-encoding: chunked' '$SCRATCH/all.h'"
create_cluster "$(cluster_body push-one lab kubernetes)"
one=$CREATED_ID
json PATCH "/api/v1/clusters/$one" '{"region": "eu-push-1"}'
req DELETE "/api/v1/clusters/$one"
wait
assert_eq "$(events_in "$SCRATCH/all" | grep 'push-one\|'"$one" | tr '\n' ',')" \
	"CLUSTER_REGISTERED push-one,CLUSTER_UPDATED push-one,CLUSTER_DELETED push-one," \
	"create, update and delete arrive in order"
assert_eq "$(events_in "$SCRATCH/deletes" | tr '\n' ',')" "CLUSTER_DELETED push-one," \
	"a client that asked for deletes gets only those"
check "every event has an id" test "$(grep -c '^id: ' "$SCRATCH/all")" -ge 3
check "and a retry hint" grep -q '^retry: ' "$SCRATCH/all"

section "changes made with aiopsctl reach the browsers too"
listen ctl 5 "$BASE/events?types=CLUSTER_REGISTERED,CLUSTER_DELETED"
ctl_pid=$!
sleep 0.7
stack_ctl "$STACK_DIR" cluster add push-ctl --api-url https://api.push-ctl.example:6443 --env lab --type k3s >/dev/null
stack_ctl "$STACK_DIR" cluster rm push-ctl >/dev/null
wait "$ctl_pid"
assert_eq "$(events_in "$SCRATCH/ctl" | grep push-ctl | tr '\n' ',')" \
	"CLUSTER_REGISTERED push-ctl,CLUSTER_DELETED push-ctl," "aiopsctl cluster add and rm are announced like the API's"

section "resume after a disconnect"
first=$(grep '^id: ' "$SCRATCH/all" | head -n 1 | cut -d' ' -f2)
listen resumed 2 -H "Last-Event-ID: $first" "$BASE/events"
wait
assert_eq "$(events_in "$SCRATCH/resumed" | grep push-one | tr '\n' ',')" \
	"CLUSTER_UPDATED push-one,CLUSTER_DELETED push-one," "Last-Event-ID replays what was missed, nothing twice"
listen gap 2 -H "Last-Event-ID: not-an-id" "$BASE/events"
wait
check "an unusable Last-Event-ID is told to reload" grep -q '^event: reset' "$SCRATCH/gap"

section "private events"
other=$(sql "SELECT id FROM users WHERE username <> '$TEST_ADMIN' LIMIT 1")
listen private 3 "$BASE/events"
sleep 0.7
xadd CLUSTER_UPDATED c-private "${other:-00000000-0000-4000-8000-000000000001}" '{"name": "for-someone-else"}'
xadd CLUSTER_UPDATED c-private "$ME" '{"name": "for-me"}'
wait
check "another user's private event never arrives" bash -c "! grep -q for-someone-else '$SCRATCH/private'"
check "one's own does" grep -q for-me "$SCRATCH/private"

section "WebSocket"
printf '%s\n' '{"op":"subscribe","types":["CLUSTER_REGISTERED"]}' |
	node "$ROOT/tests/integration/ws_client.js" "ws://127.0.0.1:$PORT/ws" 4 "$AUTHZ" >"$SCRATCH/ws" &
ws_pid=$!
sleep 1
create_cluster "$(cluster_body push-ws lab kubernetes)"
req DELETE "/api/v1/clusters/$CREATED_ID"
wait "$ws_pid"
check "the WebSocket handshake succeeds through nginx" grep -q '^status 101$' "$SCRATCH/ws"
check "a subscribed type arrives as a JSON frame" \
	grep -q '"event":"CLUSTER_REGISTERED"' "$SCRATCH/ws"
check "an unsubscribed type does not" bash -c "! grep -q CLUSTER_DELETED '$SCRATCH/ws'"
printf '{"op":"resume","last_event_id":"%s"}\n' "$first" |
	node "$ROOT/tests/integration/ws_client.js" "ws://127.0.0.1:$PORT/ws" 2 "$AUTHZ" >"$SCRATCH/ws-resume"
check "a WebSocket resume replays what was missed, in order" \
	test "$(grep -o '"event":"CLUSTER_[A-Z]*"' "$SCRATCH/ws-resume" | head -n 2 | tr '\n' ,)" = '"event":"CLUSTER_UPDATED","event":"CLUSTER_DELETED",'
printf '%s\n' 'not json' | node "$ROOT/tests/integration/ws_client.js" "ws://127.0.0.1:$PORT/ws" 2 "$AUTHZ" >"$SCRATCH/ws-bad"
check "a message that is not JSON gets an error frame" grep -q '"event":"error"' "$SCRATCH/ws-bad"

section "Redis restarts mid-stream"
listen restart 9 "$BASE/events"
sleep 0.7
xadd CLUSTER_UPDATED c-r '' '{"name": "before-restart"}'
"${RCLI[@]}" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
sleep 1
stack_start_redis "$STACK_DIR" >/dev/null 2>&1
xadd CLUSTER_UPDATED c-r '' '{"name": "after-restart-1"}'
xadd CLUSTER_UPDATED c-r '' '{"name": "after-restart-2"}'
wait
check "an event from before the restart arrived" grep -q before-restart "$SCRATCH/restart"
check "and both after it (the daemon reconnected)" \
	test "$(grep -c 'after-restart-' "$SCRATCH/restart")" = 2

section "a slow client is cut off, the others keep their latency"
# Two clients fall far behind and read slowly: each resumes from before a burst of about 7 MB
# already in the stream, so the daemon holds megabytes for them, far above sse.max_buffer_bytes,
# from one moment on. They speak to the daemon's socket directly, as nginx does for a browser that
# stopped reading (nginx's own buffers would only delay the moment). While they are stuck, each
# event published must reach a fast SSE client and a fast WebSocket client (both through nginx)
# before the next is published. A daemon that let one slow client hold up the others fails here:
# the first probe would wait until the slow ones are gone. The slow clients connect before and
# after the fast ones, whatever order the daemon walks its clients in.
#
# slow NAME: the slow client. Reads 32 KiB every 100 ms (moving, so not cut yet) until
# SCRATCH/stall exists, then nothing; once SCRATCH/drain exists, reads to the end and writes
# "eof" to SCRATCH/NAME.status. Its stream goes to SCRATCH/NAME.
slow() {
	node -e '
		const fs = require("node:fs");
		const [path, user, last, out, dir, name] = process.argv.slice(1);
		const fd = fs.openSync(out, "w");
		const s = require("node:net").connect(path, () => s.write("GET /events HTTP/1.1\r\nHost: x\r\n" +
			"X-Aiops-User-Id: " + user + "\r\nLast-Event-ID: " + last + "\r\n\r\n"));
		const done = (what) => { fs.writeFileSync(dir + "/" + name + ".status", what + "\n"); process.exit(0); };
		const timer = setInterval(() => {
			if (fs.existsSync(dir + "/drain")) {
				clearInterval(timer);
				s.on("data", (d) => fs.writeSync(fd, d));
				s.on("end", () => done("eof"));
			} else if (!fs.existsSync(dir + "/stall")) {
				const d = s.read(32768) || s.read();
				if (d) fs.writeSync(fd, d);
			}
		}, 100);
		s.on("error", (e) => done("error " + e.code));
		setTimeout(() => done("timeout"), 60000);' \
		"$STACK_DIR/sse.sock" "$ME" "$from" "$SCRATCH/$1" "$SCRATCH" "$1" &
	slow_pids+=($!)
}
slow_pids=()
# arrives FILE TEXT: TEXT is in FILE, waiting for it at most 5 s.
arrives() {
	for _ in $(seq 1 100); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# sse_metric NAME: a counter from the daemon's own /metrics.
sse_metric() { curl -s --unix-socket "$STACK_DIR/sse.sock" http://x/metrics | awk -v m="$1" '$1 == m { print $2 }'; }
# probe I: publish probe-I and wait until both fast clients have it.
probe() {
	xadd CLUSTER_UPDATED c-slow '' "{\"name\": \"probe-$1\"}"
	arrives "$SCRATCH/fast-sse" "\"probe-$1\"" && arrives "$SCRATCH/fast-ws" "\"probe-$1\""
}

cuts0=$(sse_metric aiops_sse_slow_disconnects_total)
from=$("${RCLI[@]}" XADD aiops:events MAXLEN '~' 100000 '*' type CLUSTER_UPDATED cluster_id c-slow event \
	'{"id":"t","type":"CLUSTER_UPDATED","cluster_id":"c-slow","ts":"2026-01-01T00:00:00Z","data":{"name":"before-flood"}}')
pad=$(head -c 64000 /dev/zero | tr '\0' x)
for i in $(seq 1 120); do
	printf "XADD aiops:events MAXLEN ~ 100000 * type CLUSTER_UPDATED cluster_id c-slow event '%s'\n" \
		"{\"id\":\"t\",\"type\":\"CLUSTER_UPDATED\",\"cluster_id\":\"c-slow\",\"ts\":\"2026-01-01T00:00:00Z\",\"data\":{\"name\":\"flood-$i\",\"pad\":\"$pad\"}}"
done | "${RCLI[@]}" >/dev/null
slow slow-a
check "a client resuming from before the burst starts receiving it" arrives "$SCRATCH/slow-a" '"flood-1"'
listen fast-sse 60 "$BASE/events"
fast_sse_pid=$!
node "$ROOT/tests/integration/ws_client.js" "ws://127.0.0.1:$PORT/ws" 60 "$AUTHZ" </dev/null >"$SCRATCH/fast-ws" &
fast_ws_pid=$!
check "the fast SSE client is connected" arrives "$SCRATCH/fast-sse" 'retry: '
check "the fast WebSocket client is connected" arrives "$SCRATCH/fast-ws" 'status 101'
slow slow-b
check "a second one resuming from before the burst receives it too" arrives "$SCRATCH/slow-b" '"flood-1"'

# n counts the events published; late is the first that did not reach both fast clients in time.
n=0
late=""
for _ in $(seq 1 20); do
	n=$((n + 1))
	probe "$n" || { late=$n; break; }
done
assert_eq "$late" "" "while two clients lag megabytes behind, each of 20 events reaches a fast SSE and a fast WebSocket client before the next is published"
assert_eq "$(sse_metric aiops_sse_slow_disconnects_total)" "$cuts0" "the slow clients were still connected meanwhile"
check "and still behind: neither had received the first of those events" \
	bash -c "! grep -qF '\"probe-1\"' '$SCRATCH/slow-a' '$SCRATCH/slow-b'"

# Now they stop reading altogether: the daemon cuts both, and the fast ones go on as before.
touch "$SCRATCH/stall"
late=""
for _ in $(seq 1 100); do
	[ "$(sse_metric aiops_sse_slow_disconnects_total)" -ge $((cuts0 + 2)) ] && break
	n=$((n + 1))
	probe "$n" || { late=$n; break; }
	sleep 0.1
done
assert_eq "$late" "" "after they stopped reading too, each event reached the fast clients before the next was published"
assert_eq "$(sse_metric aiops_sse_slow_disconnects_total)" $((cuts0 + 2)) "both slow clients were cut off (aiops_sse_slow_disconnects_total)"
n=$((n + 1))
probe "$n"
want=$(seq 1 "$n" | sed 's/^/CLUSTER_UPDATED probe-/')
assert_eq "$(events_in "$SCRATCH/fast-sse" | grep ' probe-')" "$want" \
	"the fast SSE client got all $n events, in order, once each"
assert_eq "$(grep -o '"name":"probe-[0-9]*"' "$SCRATCH/fast-ws" | sed 's/"name":"\(.*\)"/CLUSTER_UPDATED \1/')" "$want" \
	"and so did the fast WebSocket client"
touch "$SCRATCH/drain"
check "the cut clients' connections were closed" \
	bash -c "for _ in \$(seq 1 100); do grep -qx eof '$SCRATCH/slow-a.status' 2>/dev/null && grep -qx eof '$SCRATCH/slow-b.status' 2>/dev/null && exit 0; sleep 0.1; done; exit 1"
kill "$fast_sse_pid" "$fast_ws_pid" "${slow_pids[@]}" 2>/dev/null
wait

# The daemon's own /metrics, after all of the above moved its counters: Prometheus reads it.
curl -s --unix-socket "$STACK_DIR/sse.sock" http://x/metrics >"$SCRATCH/sse-metrics"
if out=$(promtool check metrics <"$SCRATCH/sse-metrics" 2>&1); then
	pass "promtool check metrics accepts the push daemon's /metrics"
else
	fail "promtool check metrics accepts the push daemon's /metrics" "$out"
fi
missing=""
for m in 'aiops_sse_clients{proto="sse"}' 'aiops_sse_clients{proto="ws"}' aiops_sse_events_in_total \
	aiops_sse_events_out_total aiops_sse_events_invalid_total aiops_sse_slow_disconnects_total \
	aiops_sse_replays_total aiops_sse_gaps_total aiops_sse_redis_reconnects_total; do
	awk -v m="$m" '$1 == m && $2 ~ /^[0-9]+$/ { found = 1 } END { exit !found }' "$SCRATCH/sse-metrics" ||
		missing="$missing $m"
done
assert_eq "$missing" "" "it counts clients by protocol, events in, out and invalid, slow-client cuts, replays, gaps and Redis reconnects"
check "events in, out, replays and gaps have moved" awk '
	$1 ~ /^aiops_sse_(events_in|events_out|replays|gaps)_total$/ && $2 > 0 { n++ } END { exit n != 4 }' "$SCRATCH/sse-metrics"

section "the push daemon restarting"
stack_stop_sse "$STACK_DIR"
rc=0
curl -sS -o /dev/null --max-time 5 -H "$AUTHZ" "$BASE/events" 2>"$SCRATCH/away.err" || rc=$?
assert_eq "$rc" 52 "while it is away /events closes without an answer (a browser retries that; an error page would stop it)"
stack_start_sse "$STACK_DIR"
listen back 3 "$BASE/events"
back_pid=$!
sleep 0.5
xadd CLUSTER_UPDATED "" "" '{"name": "after-restart"}'
wait "$back_pid" # not a bare wait: the restarted daemon is a child of this shell too
assert_eq "$(events_in "$SCRATCH/back" | grep after-restart)" "CLUSTER_UPDATED after-restart" "once it is back, streams work again"
