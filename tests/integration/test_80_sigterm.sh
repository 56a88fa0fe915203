# test_80_sigterm.sh: SIGTERM to the master while requests are being served and more wait in the
# queue: every one of them completes with 200, then the master exits and removes its socket; nginx
# answers for the missing pool with its own page; aiops-fcgi is started again for what follows.

N=30
ensure_load_clusters 300

master=$(master_pid)
old_workers=$(worker_pids)
sock=$STACK_DIR/aiops.sock

section "SIGTERM with requests in flight"
assert_eq "$(printf '%s\n' "$old_workers" | grep -c .)" "$(configured_workers)" "the master runs its workers"
# Uncached pages of every cluster (each query differs), so that requests queue behind busy workers,
# and the register locked for 2 s, so that the workers are still serving the first ones and the
# rest still queued when SIGTERM arrives, however fast a page is (well inside the statement timeout).
sql "BEGIN; LOCK TABLE clusters IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT;" >/dev/null &
lock_pid=$!
locked() {
	[ "$(sql "SELECT count(*) FROM pg_locks WHERE relation = 'clusters'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ]
}
check "the register is locked for 2 s" wait_for 5 locked
off=$(log_offset)
for i in $(seq 1 $N); do echo "/clusters?limit=500&drain=$i"; done | burst $N "$SCRATCH/term.status" &
burst_pid=$!
# Send SIGTERM once every request has reached aiops-fcgi (answered, being served or queued) and
# some still wait in the queue; one that had not reached it yet would find no worker.
in_flight() {
	local q s answered

	read -r q s < <(fcgi_connections)
	answered=$(requests_logged "$off" /clusters)
	[ $((q + s + answered)) -ge $N ] && [ "$q" -ge 1 ]
}
if wait_for 20 in_flight; then
	read -r queued serving < <(fcgi_connections)
	kill -TERM "$master"
	pass "SIGTERM was sent with $serving requests being served and $queued queued"
else
	read -r queued serving < <(fcgi_connections)
	kill -TERM "$master"
	fail "SIGTERM was sent with requests being served and queued" \
		"queued $queued, serving $serving, answered $(requests_logged "$off" /clusters) of $N"
fi
wait "$burst_pid"
wait "$lock_pid"
assert_eq "$(wc -l <"$SCRATCH/term.status")" $N "all $N requests got an answer"
assert_eq "$(statuses "$SCRATCH/term.status")" "${N}x200" "all $N requests completed with 200"

master_gone() { ! kill -0 "$master" 2>/dev/null; }
check "the master exits" wait_for 25 master_gone
workers_gone() {
	local p

	for p in $old_workers; do kill -0 "$p" 2>/dev/null && return 1; done
	return 0
}
check "every worker has exited" wait_for 5 workers_gone
check "the master removed its socket" test ! -e "$sock"
check "the master logged that it stopped" log_has '.msg == "stopped" and .pid == '"$master"

section "without aiops-fcgi"
get /health
assert_status 502 "with the pool stopped nginx answers 502"
assert_body_has 'Service unavailable' "with its own page"
assert_header X-Request-ID '^[0-9a-f]{32}$' "which carries X-Request-ID"

section "aiops-fcgi started again"
if stack_start_fcgi "$STACK_DIR" >"$SCRATCH/start.log" 2>&1; then
	pass "aiops-fcgi starts again"
else
	fail "aiops-fcgi starts again" "$(cat "$SCRATCH/start.log")"
fi
up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/ready")" = 200 ]; }
check "it is ready" wait_for 10 up
get "/api/v1/clusters?limit=5"
assert_status 200 "it serves the register again"
