# test_90_sighup.sh: SIGHUP reloads: the master stays, every worker is replaced by one with the
# configuration as it is now, requests during the reload all succeed, and a reload is not counted
# as a worker restart.

ensure_load_clusters 300

master=$(master_pid)
want=$(configured_workers)
cp "$STACK_DIR/aiops.hdf" "$SCRATCH/aiops.hdf.orig"

section "SIGHUP during a burst"
old_workers=$(worker_pids)
assert_eq "$(printf '%s\n' "$old_workers" | grep -c .)" "$want" "the master runs $want workers before the reload"
fetch_metrics "$SCRATCH/m0"
restarts0=$(metric_sum "$SCRATCH/m0" aiops_worker_restarts_total)

off=$(log_offset)
for i in $(seq 1 80); do echo "/api/v1/clusters?limit=200&sort=region&hup=$i"; done | burst 8 "$SCRATCH/hup.status" &
burst_pid=$!
burst_started() { [ "$(requests_logged "$off" /api/v1/clusters)" -ge 8 ]; }
wait_for 20 burst_started
kill -HUP "$master"
wait "$burst_pid"
assert_eq "$(wc -l <"$SCRATCH/hup.status")" 80 "all 80 requests during the reload got an answer"
assert_eq "$(statuses "$SCRATCH/hup.status")" 80x200 "all 80 requests during the reload answered 200"

# replaced N: exactly N workers run and none of the old ones.
replaced() {
	local now p

	now=$(worker_pids)
	[ "$(printf '%s\n' "$now" | grep -c .)" -eq "$1" ] || return 1
	for p in $old_workers; do
		printf '%s\n' "$now" | grep -qx "$p" && return 1
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
check "every worker is replaced by a new one, $want in all" wait_for 10 replaced "$want"
check "the master is the same process and alive" test "$(master_pid)" = "$master" -a -d "/proc/$master"
fetch_metrics "$SCRATCH/m1"
assert_eq "$(metric_sum "$SCRATCH/m1" aiops_worker_restarts_total)" "$restarts0" \
	"a reload does not count as worker restarts"
for i in $(seq 1 24); do echo "/api/v1/clusters?limit=10&after=$i"; done | burst 8 "$SCRATCH/after.status"
assert_eq "$(statuses "$SCRATCH/after.status")" 24x200 "the new workers answer 200"

section "SIGHUP re-reads the configuration"
old_workers=$(worker_pids)
sed -i 's/^\( *workers = \).*/\13/' "$STACK_DIR/aiops.hdf"
kill -HUP "$master"
check "after workers = 3 and SIGHUP, 3 new workers run" wait_for 10 replaced 3
fetch_metrics "$SCRATCH/m2"
assert_eq "$(metric_sum "$SCRATCH/m2" aiops_workers)" 3 "aiops_workers says 3"
get /ready
assert_status 200 "the service is ready after the reload"

section "a broken configuration is refused"
old_workers=$(worker_pids)
echo 'this is not = = HDF {' >>"$STACK_DIR/aiops.hdf"
kill -HUP "$master"
refused() { log_has '.pid == '"$master"' and (.msg | contains("reload refused"))'; }
check "the master refuses to reload a broken configuration" wait_for 10 refused
assert_eq "$(worker_pids | tr '\n' ' ')" "$(printf '%s\n' "$old_workers" | tr '\n' ' ')" "the workers keep running"
get /ready
assert_status 200 "the service goes on"

# Leave the stack as it was found.
old_workers=$(worker_pids)
cp "$SCRATCH/aiops.hdf.orig" "$STACK_DIR/aiops.hdf"
kill -HUP "$master"
check "with the first configuration back, $want workers run again" wait_for 10 replaced "$want"
