# test_55_transactions.sh: a change and its audit row commit together or not at all, even when
# PostgreSQL loses the connection in the middle; a write whose reply is lost is not run twice;
# a key rotation cut off leaves every credential under one key, on disk. The transactions are
# stopped deterministically: a lock held from psql makes the transaction's audit row wait, the
# waiting backend is terminated, the lock released. db-probe (db_probe.c) checks the library's
# side of the same contract directly.

pg_sock=$(stack_pg_dir "$STACK_DIR")/sock
keyfile=$STACK_DIR/aiops.key

not_grep() { ! grep -q "$@"; }

# psql_bg NAME SQL: run SQL in a background psql whose application_name is NAME.
psql_bg() {
	PGAPPNAME=$1 "$PGBIN/psql" -h "$pg_sock" -U aiops -d aiops -qtAc "$2" >/dev/null 2>&1 &
}

# backend_where CONDITION: the pid of the first backend matching CONDITION on pg_stat_activity,
# waiting up to 10 s for one; empty when none came.
backend_where() {
	local pid
	for _ in $(seq 1 200); do
		pid=$(sql "SELECT pid FROM pg_stat_activity WHERE $1 LIMIT 1")
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.05
	done
}

# interrupt_on_audit CMD...: run aiopsctl CMD while audit_log is locked, terminate its backend
# once it waits for the lock, release the lock; sets OUT (its stderr and stdout) and RC.
interrupt_on_audit() {
	local waiter locker ctl
	psql_bg it_locker "BEGIN; LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30)"
	locker=$!
	backend_where "application_name = 'it_locker' AND state = 'active'" >/dev/null
	stack_ctl "$STACK_DIR" "$@" >"$SCRATCH/ctl.out" 2>&1 &
	ctl=$!
	waiter=$(backend_where "application_name = 'aiops' AND wait_event_type = 'Lock'")
	if [ -n "$waiter" ]; then
		sql "SELECT pg_terminate_backend($waiter)" >/dev/null
		pass "aiopsctl $1 $2 waits on the locked audit log and is cut off"
	else
		fail "aiopsctl $1 $2 waits on the locked audit log and is cut off" "no backend waited"
	fi
	sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'it_locker'" >/dev/null
	wait "$locker" 2>/dev/null
	wait "$ctl"
	RC=$?
	OUT=$(cat "$SCRATCH/ctl.out")
}

section "the library, directly (db-probe)"
sql "DROP DATABASE IF EXISTS aiops_probe" >/dev/null 2>&1
sql "CREATE DATABASE aiops_probe" >/dev/null
"$BUILD/tests/integration/db-probe" "host=$pg_sock dbname=aiops_probe user=aiops" >"$SCRATCH/probe.out" 2>&1
while IFS= read -r line; do
	case $line in
	"ok - "*) pass "${line#ok - }" ;;
	"not ok - "*) what=${line#not ok - }; fail "${what%%: *}" "${what#*: }" ;;
	*) fail "db-probe prints only results" "$line" ;;
	esac
done <"$SCRATCH/probe.out"
check "db-probe ran every check" test "$(grep -c '^ok - \|^not ok - ' "$SCRATCH/probe.out")" -ge 30
sql "DROP DATABASE IF EXISTS aiops_probe" >/dev/null 2>&1

section "a change cut off before its audit row leaves nothing"
interrupt_on_audit cluster add t55-cut --api-url https://api.t55-cut.example:6443 --env lab --type k3s
check "aiopsctl says it failed" test "$RC" -ne 0
check "because the transaction was lost" grep -q "connection lost inside a transaction; nothing was committed" <<<"$OUT"
check "the cluster was not stored" test "$(sql "SELECT count(*) FROM clusters WHERE name = 't55-cut'")" = 0
check "nor its audit row" test "$(sql "SELECT count(*) FROM audit_log WHERE target = 'cluster:t55-cut'")" = 0
out=$(stack_ctl "$STACK_DIR" cluster add t55-cut --api-url https://api.t55-cut.example:6443 --env lab --type k3s 2>&1)
check "the same command then succeeds" grep -q "t55-cut" <<<"$out"
check "with one cluster and one audit row" test \
	"$(sql "SELECT count(*) FROM clusters WHERE name = 't55-cut'")/$(sql "SELECT count(*) FROM audit_log WHERE target = 'cluster:t55-cut'")" = 1/1

section "a key rotation cut off leaves every credential under the key on disk"
create_cluster "$(cluster_body t55-keys lab k3s)"
kid=$CREATED_ID
json PUT "/api/v1/clusters/$kid/credentials" '{"api_token": "sha256~tx-one", "prometheus_token": "tx-two", "basic_auth": "ops:tx-three"}'
assert_status 200 "three credentials are set"
key_before=$(stack_ctl "$STACK_DIR" keys init)
key_file_before=$(cat "$keyfile")
check "they are sealed with the key on disk" test "$(sql "SELECT string_agg(DISTINCT key_id, ',') FROM cluster_credentials")" = "$key_before"
rotations=$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.rotate'")
interrupt_on_audit keys rotate
check "aiopsctl says it failed" test "$RC" -ne 0
check "and that nothing was changed" grep -q "nothing was changed" <<<"$OUT"
check "the key file is the same" test "$(cat "$keyfile")" = "$key_file_before"
check "no half-made key file is left" test ! -e "$keyfile.new"
check "every credential is still sealed with it" test \
	"$(sql "SELECT string_agg(DISTINCT key_id, ',') FROM cluster_credentials")" = "$key_before"
check "the rotation left no audit row" test "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.rotate'")" = "$rotations"
out=$(stack_ctl "$STACK_DIR" keys rotate 2>&1)
check "a rotation then opens every credential with that key and succeeds" grep -q "credentials resealed" <<<"$out"
key_after=$(stack_ctl "$STACK_DIR" keys init)
check "all are now under the new key on disk" test \
	"$(sql "SELECT string_agg(DISTINCT key_id, ',') FROM cluster_credentials")" = "$key_after"
check "the new key differs from the old" test "$key_after" != "$key_before"
check "the old key is kept as .old" test "$(cat "$keyfile.old")" = "$key_file_before"
check "the rotation has its audit row" test "$(sql "SELECT count(*) FROM audit_log WHERE action = 'keys.rotate'")" = $((rotations + 1))
# Later files count the credentials they set: leave none of ours behind.
req DELETE "/api/v1/clusters/$kid"
check "the cluster with credentials is removed (HTTP $STATUS)" test "$(sql "SELECT count(*) FROM cluster_credentials WHERE cluster_id = '$kid'")" = 0

section "a commit whose reply is lost is not run twice"
# Synchronous replication to a standby that does not exist holds every commit's reply after the
# local commit (with synchronous_commit on, which the test stack turns off); the backend terminated
# then has committed, and aiopsctl never hears it.
sql "ALTER SYSTEM SET synchronous_standby_names = 'it_nobody'" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
PGOPTIONS="-c synchronous_commit=on" stack_ctl "$STACK_DIR" cluster add t55-lost --api-url https://api.t55-lost.example:6443 --env lab --type k3s \
	>"$SCRATCH/lost.out" 2>&1 &
ctl=$!
waiter=$(backend_where "application_name = 'aiops' AND wait_event = 'SyncRep'")
check "aiopsctl's commit waits for the standby" test -n "$waiter"
[ -n "$waiter" ] && sql "SELECT pg_terminate_backend($waiter)" >/dev/null
sql "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null
wait "$ctl"
rc=$?
check "aiopsctl says it failed" test "$rc" -ne 0
check "saying the outcome is unknown" grep -q "may or may not have been committed" "$SCRATCH/lost.out"
check "not that the cluster already exists" not_grep "already exists" "$SCRATCH/lost.out"
check "the cluster is stored once" test "$(sql "SELECT count(*) FROM clusters WHERE name = 't55-lost'")" = 1
check "with its audit row, once" test "$(sql "SELECT count(*) FROM audit_log WHERE target = 'cluster:t55-lost'")" = 1
get "/api/v1/clusters/$(sql "SELECT id FROM clusters WHERE name = 't55-lost'")"
assert_status 200 "the service reads it"
assert_json '.name == "t55-lost"' "whole"
stack_ctl "$STACK_DIR" cluster rm t55-lost >/dev/null 2>&1
stack_ctl "$STACK_DIR" cluster rm t55-cut >/dev/null 2>&1
check "the clusters of this file are removed" test "$(sql "SELECT count(*) FROM clusters WHERE name LIKE 't55-%'")" = 0

section "the demo fleet is tests/fakes/demo.json"
out=$(stack_ctl "$STACK_DIR" demo 2>&1)
check "aiopsctl demo loads the fleet" grep -q "demo fleet: 12 clusters added" <<<"$out"
want=$(jq -r 'keys[]' "$ROOT/tests/fakes/demo.json" | sort | tr '\n' ' ')
got=$(sql "SELECT name FROM clusters WHERE api_url LIKE '%.demo.invalid:6443' ORDER BY name" | tr '\n' ' ')
assert_eq "$got" "$want" "it registers exactly the clusters demo.json names"
# What the fake serves is what aiopsctl records: versions of the clusters that answer, and which
# fail, and how.
want=$(jq -r 'to_entries[] | select(.value.fail == null) | "\(.key) \(.value.version)"' "$ROOT/tests/fakes/demo.json" | sort)
got=$(sql "SELECT name || ' ' || version FROM clusters WHERE api_url LIKE '%.demo.invalid:6443' AND status <> 'unreachable' ORDER BY name")
assert_eq "$got" "$want" "with the versions demo.json gives"
want=$(jq -r 'to_entries[] | select(.value.fail != null) | .key' "$ROOT/tests/fakes/demo.json" | sort | tr '\n' ' ')
got=$(sql "SELECT name FROM clusters WHERE api_url LIKE '%.demo.invalid:6443' AND status = 'unreachable' ORDER BY name" | tr '\n' ' ')
assert_eq "$got" "$want" "unreachable where demo.json makes the fake fail"
want=$(jq -r 'to_entries[] | select(.value.ready == false) | "\(.key) API server not ready: \(.value.failing_check) failing"' "$ROOT/tests/fakes/demo.json" | sort)
got=$(sql "SELECT name || ' ' || status_reason FROM clusters WHERE api_url LIKE '%.demo.invalid:6443' AND status = 'degraded' ORDER BY name")
assert_eq "$got" "$want" "degraded where it makes a readiness check fail, saying which"
want=$(jq -r 'to_entries[] | select(.value.gpu_nodes > 0) | .key' "$ROOT/tests/fakes/demo.json" | sort | tr '\n' ' ')
got=$(sql "SELECT name FROM clusters WHERE api_url LIKE '%.demo.invalid:6443' AND has_gpu ORDER BY name" | tr '\n' ' ')
assert_eq "$got" "$want" "with GPUs where it gives GPU nodes"
out=$(stack_ctl "$STACK_DIR" demo 2>&1)
check "a second run adds nothing ($out)" grep -q "demo fleet: 0 clusters added" <<<"$out"
for name in $(jq -r 'keys[]' "$ROOT/tests/fakes/demo.json"); do
	stack_ctl "$STACK_DIR" cluster rm "$name" >/dev/null 2>&1
done
check "the demo clusters are removed again" test "$(sql "SELECT count(*) FROM clusters WHERE api_url LIKE '%.demo.invalid:6443'")" = 0
