# test_40_cache.sh: the per-worker cache of lists and summaries never serves stale data: a change
# shows at once on every worker (the data version moves on), and ETag / If-None-Match give 304.

ROUNDS=32 # requests per check, sent 8 at a time so that every worker takes some

# all_bodies PATH: GET PATH $ROUNDS times concurrently; bodies in $SCRATCH/bodies/N, statuses in
# $SCRATCH/bodies.status.
all_bodies() {
	rm -rf "$SCRATCH/bodies"
	for _ in $(seq 1 $ROUNDS); do echo "$1"; done | burst 8 "$SCRATCH/bodies.status" "$SCRATCH/bodies"
}

# bodies_with TEXT: how many of the last all_bodies bodies contain TEXT.
bodies_with() { grep -lF -- "$1" "$SCRATCH"/bodies/* 2>/dev/null | wc -l; }

metric_now() {
	fetch_metrics "$SCRATCH/m"
	metric_sum "$SCRATCH/m" "$1"
}

create_cluster "$(cluster_body cache-a staging eks '{display_name: "before", labels: {suite: "cache"}}')"
a=$CREATED_ID
list='/api/v1/clusters?label=suite%3Dcache'

section "a change shows at once in the JSON list"
hits0=$(metric_now aiops_cache_hits_total)
all_bodies "$list"
assert_eq "$(statuses "$SCRATCH/bodies.status")" "${ROUNDS}x200" "$ROUNDS concurrent list requests answer 200"
assert_eq "$(bodies_with '"display_name":"before"')" $ROUNDS "every answer has the cluster as it is"
hits1=$(metric_now aiops_cache_hits_total)
assert_ge $((hits1 - hits0)) 1 "repeated lists are served from the cache (cache hits $hits0 -> $hits1)"

json PATCH "/api/v1/clusters/$a" '{"display_name": "after"}'
assert_status 200 "the cluster is changed"
all_bodies "$list"
assert_eq "$(statuses "$SCRATCH/bodies.status")" "${ROUNDS}x200" "$ROUNDS list requests after the change answer 200"
assert_eq "$(bodies_with '"display_name":"after"')" $ROUNDS "every answer, from every worker, shows the change at once"
assert_eq "$(bodies_with '"display_name":"before"')" 0 "no answer shows the old value"

section "ETag and If-None-Match"
get "$list"
etag=$(header ETag)
check "a cached JSON list has an ETag" test -n "$etag"
get "$list" -H "If-None-Match: $etag"
assert_status 304 "If-None-Match with the current ETag gives 304"
assert_eq "$BODY" "" "a 304 has no body"
assert_eq "$(header ETag)" "$etag" "the 304 repeats the ETag"
nm0=$(metric_now aiops_not_modified_total)
n304=0
for _ in $(seq 1 8); do
	get "$list" -H "If-None-Match: $etag"
	[ "$STATUS" = 304 ] && n304=$((n304 + 1))
done
assert_eq "$n304" 8 "8 more requests with the current ETag all answer 304, whichever worker takes them"
assert_ge $(($(metric_now aiops_not_modified_total) - nm0)) 8 "aiops_not_modified_total counts the 304s"

json PATCH "/api/v1/clusters/$a" '{"region": "moved"}'
get "$list" -H "If-None-Match: $etag"
assert_status 200 "after a change the old ETag gives 200"
assert_json '.items[0].region == "moved"' "with the changed data"
assert_ne "$(header ETag)" "$etag" "and a new ETag"
get "/api/v1/fleet/summary"
sum_etag=$(header ETag)
check "the fleet summary has an ETag" test -n "$sum_etag"
get "/api/v1/fleet/summary" -H "If-None-Match: $sum_etag"
assert_status 304 "the fleet summary answers 304 to its ETag"

section "a change shows at once in the summary and the page"
get /api/v1/fleet/summary
total=$(jb .total)
all_bodies /api/v1/fleet/summary
create_cluster "$(cluster_body cache-b lab k3s '{labels: {suite: "cache"}}')"
b=$CREATED_ID
all_bodies /api/v1/fleet/summary
assert_eq "$(bodies_with "\"total\":$((total + 1))")" $ROUNDS "every summary counts the new cluster at once"

page='/clusters?label=suite%3Dcache'
all_bodies "$page"
assert_eq "$(bodies_with 'cache-b')" $ROUNDS "every list page shows cache-b"
req DELETE "/api/v1/clusters/$b"
assert_status 204 "cache-b is deleted"
all_bodies "$page"
assert_eq "$(statuses "$SCRATCH/bodies.status")" "${ROUNDS}x200" "list pages after the delete answer 200"
assert_eq "$(bodies_with 'cache-b')" 0 "no list page shows the deleted cluster"
assert_eq "$(bodies_with 'cache-a')" $ROUNDS "every list page still shows cache-a"
all_bodies "$list"
assert_eq "$(bodies_with 'cache-b')" 0 "no JSON list shows the deleted cluster"

fields="name=cache-a&display_name=by-form&api_url=$(urlenc 'https://api.cache-a.example:6443')"
fields+="&environment=staging&type=eks&labels=suite%3Dcache"
form "/clusters/$a" "$fields"
assert_status 303 "cache-a is edited through the form"
all_bodies "$list"
assert_eq "$(bodies_with '"display_name":"by-form"')" $ROUNDS "an edit through the form shows at once in every JSON list"
