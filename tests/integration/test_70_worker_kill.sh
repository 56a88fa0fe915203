# test_70_worker_kill.sh: a worker killed with SIGKILL in the middle of a burst: the master starts
# another (back to the configured count), aiops_worker_restarts_total rises, and of the requests in
# flight at most the one the killed worker was serving fails.

ensure_load_clusters 300

master=$(master_pid)
want=$(configured_workers)
workers_back() { [ "$(pgrep -c -P "$master")" -eq "$want" ] && ! kill -0 "$victim" 2>/dev/null; }

section "SIGKILL one worker during a burst"
assert_eq "$(pgrep -c -P "$master")" "$want" "the master runs the $want configured workers"
fetch_metrics "$SCRATCH/m0"
restarts0=$(metric_sum "$SCRATCH/m0" aiops_worker_restarts_total)

# Uncached lists of 200 clusters (each query differs), so that every worker is busy when one dies.
off=$(log_offset)
for i in $(seq 1 400); do echo "/api/v1/clusters?limit=200&sort=region&kill=$i"; done >"$SCRATCH/paths"
# The request the killed worker held may break off after its headers (nginx then keeps the client
# waiting for the rest): give up on it after 10 s rather than 30.
BURST_MAX_TIME=10 burst 8 "$SCRATCH/kill.status" <"$SCRATCH/paths" &
burst_pid=$!
burst_started() { [ "$(requests_logged "$off" /api/v1/clusters)" -ge 8 ]; }
wait_for 20 burst_started
victim=$(worker_pids | head -n 1)
served_before=$(requests_logged "$off" /api/v1/clusters)
kill -KILL "$victim"
wait "$burst_pid"
check "the burst was still running when the worker was killed ($served_before of 400 answered)" \
	test "$served_before" -lt 400

assert_eq "$(wc -l <"$SCRATCH/kill.status")" 400 "all 400 requests got an answer"
failed=$(grep -cvx 200 "$SCRATCH/kill.status")
assert_le "$failed" 1 "at most one request failed, the one the killed worker held ($failed failed)"

check "the master replaces the killed worker: $want workers again" wait_for 10 workers_back
assert_eq "$(master_pid)" "$master" "the master is the same process"
check "the master is alive" kill -0 "$master"
check "the master logged the death of worker $victim" log_has '.level == "error" and (.msg | contains("'"$victim"'"))'
fetch_metrics "$SCRATCH/m1"
restarts1=$(metric_sum "$SCRATCH/m1" aiops_worker_restarts_total)
assert_eq "$((restarts1 - restarts0))" 1 "aiops_worker_restarts_total rose by one ($restarts0 -> $restarts1)"

section "service after the kill"
for i in $(seq 1 40); do echo "/api/v1/clusters?limit=20&after=$i"; done | burst 8 "$SCRATCH/after.status"
assert_eq "$(statuses "$SCRATCH/after.status")" 40x200 "40 requests after the kill all answer 200"
fetch_metrics "$SCRATCH/m2"
# The counters live in shared memory: what the dead worker counted stays. Only the request it held
# when it died may be missing (it can have been answered before the worker counted it).
answered=$(grep -cx 200 "$SCRATCH/kill.status")
list_ok() { metric_sum "$1" aiops_http_requests_total 'route="/api/v1/clusters"' 'method="GET"' 'status="200"'; }
counted=$(($(list_ok "$SCRATCH/m2") - $(list_ok "$SCRATCH/m0")))
assert_ge "$counted" $((answered + 40 - 1)) \
	"the counters keep the dead worker's counts ($counted counted, $((answered + 40)) answered)"
