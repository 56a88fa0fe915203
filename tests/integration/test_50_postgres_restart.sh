# test_50_postgres_restart.sh: PostgreSQL stops under a running service: requests that need it get
# a 503 (JSON for the API), /ready says postgresql is down, /health stays up; once PostgreSQL is
# back the workers reconnect by themselves and the very next request succeeds.

pgdata=$(stack_pg_dir "$STACK_DIR")/data

create_cluster "$(cluster_body pgr-a production openshift '{labels: {suite: "pgr"}}')"
id=$CREATED_ID
# Every worker talks to PostgreSQL before it goes away, so each holds a connection that will break.
for _ in $(seq 1 16); do echo "/api/v1/clusters/$id"; done | burst 8 "$SCRATCH/warm.status"
assert_eq "$(statuses "$SCRATCH/warm.status")" 16x200 "before the stop, every worker reads the cluster"

section "PostgreSQL stopped"
if as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w stop >"$SCRATCH/pgstop.log" 2>&1; then
	pass "PostgreSQL stops"
else
	fail "PostgreSQL stops" "$(cat "$SCRATCH/pgstop.log")"
fi

get "/api/v1/clusters/$id"
assert_error 503 unavailable "reading a cluster without PostgreSQL is a JSON 503"
assert_header Content-Type '^application/json' "the 503 is JSON"
json POST /api/v1/clusters "$(cluster_body pgr-b lab k3s)"
assert_error 503 unavailable "creating a cluster without PostgreSQL is a JSON 503"
get "/api/v1/clusters?label=suite%3Dpgr&sort=region"
assert_error 503 unavailable "an uncached list without PostgreSQL is a JSON 503"
get "/clusters/$id"
assert_status 503 "a cluster's page without PostgreSQL is a 503"
assert_header Content-Type '^text/html' "the 503 of a page is HTML"
for _ in $(seq 1 12); do echo "/api/v1/clusters/$id"; done | burst 6 "$SCRATCH/down.status"
assert_eq "$(statuses "$SCRATCH/down.status")" 12x503 \
	"every worker answers 503 while PostgreSQL is down, none hangs or dies"
get /ready
assert_status 503 "/ready is 503 without PostgreSQL"
assert_json '.checks.postgresql == "unreachable" and (.down | index("postgresql")) != null' \
	"/ready names postgresql as down"
assert_json '.checks.redis == "ok" and (.down | index("redis")) == null' "/ready still finds Redis"
get /health
assert_status 200 "/health stays 200: the process is alive"
get "/api/v1/clusters/$id"
rid=$(header X-Request-ID)
check "the 503's cause is logged with its request id" \
	log_has '.request_id == "'"$rid"'" and .level == "error" and (.msg | contains("database unavailable"))'

section "PostgreSQL back"
if stack_start_pg "$STACK_DIR" >"$SCRATCH/pgstart.log" 2>&1; then
	pass "PostgreSQL starts again"
else
	fail "PostgreSQL starts again" "$(cat "$SCRATCH/pgstart.log")"
fi
get "/api/v1/clusters/$id"
assert_status 200 "the first request after PostgreSQL is back succeeds"
assert_json '.name == "pgr-a"' "and reads the cluster"
for _ in $(seq 1 16); do echo "/api/v1/clusters/$id"; done | burst 8 "$SCRATCH/up.status"
assert_eq "$(statuses "$SCRATCH/up.status")" 16x200 "every worker has reconnected: 16 concurrent reads answer 200"
json POST /api/v1/clusters "$(cluster_body pgr-c lab k3s '{labels: {suite: "pgr"}}')"
assert_status 201 "creating a cluster works again (statements are prepared anew)"
get "/api/v1/clusters?label=suite%3Dpgr&sort=region"
assert_status 200 "lists work again"
assert_json '[.items[].name] == ["pgr-a", "pgr-c"]' "the list has what was stored, and nothing from the outage"
get /ready
assert_status 200 "/ready is 200 again"
