# test_97_push.sh: the push daemon behind nginx: /events (SSE) and /ws (WebSocket) refuse
# anonymous connections, deliver cluster events in order, filter by type and cluster, replay what a
# client missed after Last-Event-ID, tell a client whose gap is too old to reload, keep private
# events to their owner, survive a Redis restart without losing events, and cut off a client that
# does not read while the others go on.

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

section "a slow client is cut off, the others go on"
# A client that never reads: its socket buffers fill, then the daemon's bound, then it is cut.
node -e '
	const s = require("node:net").connect(Number(process.argv[1]), "127.0.0.1", () => {
		s.write("GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + process.argv[2] + "\r\n\r\n");
		s.pause();
	});
	s.on("error", () => {});
	setTimeout(() => process.exit(0), 12000);' "$PORT" "$ADMIN_TOKEN" >"$SCRATCH/slow.out" 2>&1 &
slow_pid=$!
listen fast 10 "$BASE/events"
sleep 1
big=$(head -c 60000 /dev/zero | tr '\0' x)
for i in $(seq 1 120); do xadd CLUSTER_UPDATED c-slow '' "{\"name\": \"flood-$i\", \"pad\": \"$big\"}"; done
wait "$slow_pid" 2>/dev/null
wait
check "the reading client got every event of the flood" test "$(grep -c 'flood-' "$SCRATCH/fast")" = 120
check "the daemon counted a slow-client disconnect" \
	bash -c "curl -s --unix-socket '$STACK_DIR/sse.sock' http://x/metrics | awk '\$1 == \"aiops_sse_slow_disconnects_total\" && \$2 >= 1 { ok = 1 } END { exit !ok }'"
