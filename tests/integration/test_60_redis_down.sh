# test_60_redis_down.sh: Redis stops: /ready says redis is down, but the register keeps answering
# from PostgreSQL (the cache is skipped, never served stale); when Redis is back all is well, and
# a change made during the outage shows everywhere.

ROUNDS=24

# all_bodies PATH: GET PATH $ROUNDS times, 8 at a time; bodies in $SCRATCH/bodies/N.
all_bodies() {
	rm -rf "$SCRATCH/bodies"
	for _ in $(seq 1 $ROUNDS); do echo "$1"; done | burst 8 "$SCRATCH/bodies.status" "$SCRATCH/bodies"
}
bodies_with() { grep -lF -- "$1" "$SCRATCH"/bodies/* 2>/dev/null | wc -l; }

redis_gone() { ! kill -0 "$redis_pid" 2>/dev/null && [ ! -S "$STACK_DIR/redis/redis.sock" ]; }

create_cluster "$(cluster_body rds-a development gke '{display_name: "before outage", labels: {suite: "rds"}}')"
a=$CREATED_ID
list='/api/v1/clusters?label=suite%3Drds'
page='/clusters?label=suite%3Drds'
all_bodies "$list" # every worker caches the list
all_bodies "$page"

section "Redis stopped"
redis_pid=$(cat "$STACK_DIR/redis/redis.pid")
kill -TERM "$redis_pid"
check "Redis stops" wait_for 10 redis_gone

get /ready
assert_status 503 "/ready is 503 without Redis"
assert_json '.checks.redis == "unreachable" and (.down | index("redis")) != null' "/ready names redis as down"
assert_json '.checks.postgresql == "ok" and (.down | index("postgresql")) == null' "/ready still finds PostgreSQL"
get /health
assert_status 200 "/health stays 200"

all_bodies "$list"
assert_eq "$(statuses "$SCRATCH/bodies.status")" "${ROUNDS}x200" "the JSON list still answers 200 without Redis"
assert_eq "$(bodies_with '"name":"rds-a"')" $ROUNDS "and has the cluster"
all_bodies "$page"
assert_eq "$(statuses "$SCRATCH/bodies.status")" "${ROUNDS}x200" "the list page still answers 200 without Redis"
get /api/v1/fleet/summary
assert_status 200 "the fleet summary still answers 200 without Redis"
get "/clusters/$a"
assert_status 200 "a cluster's page still answers 200 without Redis"

json PATCH "/api/v1/clusters/$a" '{"display_name": "changed in outage"}'
assert_status 200 "a cluster can be changed without Redis"
all_bodies "$list"
assert_eq "$(bodies_with 'changed in outage')" $ROUNDS "every JSON list shows the change: no cached copy is served"
all_bodies "$page"
assert_eq "$(bodies_with 'changed in outage')" $ROUNDS "every list page shows the change"

section "Redis back"
if stack_start_redis "$STACK_DIR" >"$SCRATCH/redis.log" 2>&1; then
	pass "Redis starts again"
else
	fail "Redis starts again" "$(cat "$SCRATCH/redis.log")"
fi
get /ready
assert_status 200 "the first /ready after Redis is back is 200"
all_bodies /ready
assert_eq "$(statuses "$SCRATCH/bodies.status")" "${ROUNDS}x200" "every worker has reconnected to Redis"
all_bodies "$list"
assert_eq "$(statuses "$SCRATCH/bodies.status")" "${ROUNDS}x200" "the JSON list answers 200"
assert_eq "$(bodies_with 'changed in outage')" $ROUNDS "no worker serves its copy from before the outage"
all_bodies "$page"
assert_eq "$(bodies_with 'changed in outage')" $ROUNDS "no list page from before the outage is served"
json PATCH "/api/v1/clusters/$a" '{"display_name": "after outage"}'
all_bodies "$list"
assert_eq "$(bodies_with 'after outage')" $ROUNDS "a change after the outage shows at once again"
get "$list"
etag=$(header ETag)
get "$list" -H "If-None-Match: $etag"
assert_status 304 "If-None-Match gives 304 again"
