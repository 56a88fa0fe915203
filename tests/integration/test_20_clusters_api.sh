# test_20_clusters_api.sh: the cluster register as JSON: create, read, list with filters and
# keyset pagination, replace, merge, delete, and every refusal (400, 404, 405, 409, 413, 415, 422)
# leaving the data as it was. The fleet summary agrees with the list.

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

# all_clusters OUT: every cluster, walked with the largest page, as a JSON array in OUT.
all_clusters() {
	local out=$1 cursor="" pages=0

	: >"$out.parts"
	while :; do
		get "/api/v1/clusters?limit=500${cursor:+&cursor=$cursor}"
		if [ "$STATUS" != 200 ]; then
			fail "listing every cluster"
			echo "[\"the list failed\"]" >"$out"
			return 1
		fi
		jq -c '.items[]' <"$BODY_FILE" >>"$out.parts"
		cursor=$(jb '.next_cursor // empty')
		pages=$((pages + 1))
		if [ -z "$cursor" ] || [ "$pages" -ge 50 ]; then break; fi
	done
	jq -s . <"$out.parts" >"$out"
}

section "create and read"
body=$(cluster_body api-one staging openshift '{display_name: "API One", prometheus_url: "https://prom.api-one.example",
	region: "eu-west-1", labels: {team: "ml", tier: "gold"}, has_gpu: true}')
json POST /api/v1/clusters "$body"
assert_status 201 "POST /api/v1/clusters creates a cluster: 201"
id=$(jb .id)
check "the new cluster has a UUID id" grep -qE "$UUID_RE" <<<"$id"
assert_header Location "^/api/v1/clusters/$id\$" "Location names the new cluster"
assert_json '.name == "api-one" and .display_name == "API One" and .environment == "staging" and
	.type == "openshift" and .region == "eu-west-1" and .labels == {"team": "ml", "tier": "gold"} and
	.has_gpu == true and .prometheus_url == "https://prom.api-one.example" and .alertmanager_url == null and
	.status == "unknown"' "the 201 body is the stored cluster"
created=$(jb -c .)

get "$(header Location)"
assert_status 200 "GET the Location answers 200"
assert_header Content-Type '^application/json' "a cluster is JSON"
assert_eq "$(jb -c .)" "$created" "GET returns what POST returned"

get "/api/v1/clusters?q=api-one"
assert_status 200 "GET /api/v1/clusters answers 200"
assert_json '[.items[] | select(.id == "'"$id"'")] | length == 1' "the list has the new cluster"
assert_json '.limit == 100 and has("next_cursor")' "a list says its limit and next_cursor"

section "list filters"
for spec in \
	'flt-a production openshift {has_gpu: true, region: "us-east-1", labels: {suite: "flt", team: "ml"}}' \
	'flt-b staging kubernetes {display_name: "Berlin edge", region: "eu-central-1", labels: {suite: "flt", team: "web"}}' \
	'flt-c development eks {has_gpu: true, region: "ap-south-1", labels: {suite: "flt", team: "ml"}}' \
	'flt-d lab k3s {region: "lab-1", labels: {suite: "flt"}}'; do
	read -r n e t extra <<<"$spec"
	create_cluster "$(cluster_body "$n" "$e" "$t" "$extra")"
done
set_status flt-a ready
set_status flt-b degraded "API answers slowly"
set_status flt-c unreachable "connection refused"

# names QUERY: the names a filtered list returns, as a JSON array.
names() {
	get "/api/v1/clusters?label=suite%3Dflt&$1"
	jb -c '[.items[].name]'
}
assert_eq "$(names '')" '["flt-a","flt-b","flt-c","flt-d"]' "label=suite=flt selects the four"
assert_eq "$(names environment=staging)" '["flt-b"]' "environment=staging filters"
assert_eq "$(names type=eks)" '["flt-c"]' "type=eks filters"
assert_eq "$(names status=degraded)" '["flt-b"]' "status=degraded filters"
assert_eq "$(names status=unknown)" '["flt-d"]' "status=unknown filters"
assert_eq "$(names has_gpu=true)" '["flt-a","flt-c"]' "has_gpu=true filters"
assert_eq "$(names has_gpu=false)" '["flt-b","flt-d"]' "has_gpu=false filters"
assert_eq "$(names label=team%3Dml)" '["flt-a","flt-c"]' "two label filters must both match"
assert_eq "$(names label=team%3Dnobody)" '[]' "a label nobody has selects nothing"
assert_eq "$(names q=berlin)" '["flt-b"]' "q searches the display name, ignoring case"
assert_eq "$(names q=ap-south)" '["flt-c"]' "q searches the region"
assert_eq "$(names q=flt-d)" '["flt-d"]' "q searches the name"
assert_eq "$(names 'status=ready&status=degraded')" '["flt-a","flt-b"]' "status repeated keeps every one given"
assert_eq "$(names 'status=unreachable,unknown')" '["flt-c","flt-d"]' "statuses separated by commas keep every one"
assert_eq "$(names 'environment=lab&environment=staging&status=degraded')" '["flt-b"]' \
	"several environments combine with the other filters"
assert_eq "$(names 'type=eks,k3s')" '["flt-c","flt-d"]' "several types at once"
assert_eq "$(names sort=status)" '["flt-c","flt-b","flt-d","flt-a"]' \
	"sorting by status puts the worst first: unreachable, degraded, unknown, ready"
assert_eq "$(names 'sort=status&dir=desc')" '["flt-a","flt-d","flt-b","flt-c"]' "and the best first, descending"
get '/api/v1/clusters?label=suite%3Dflt&sort=status&limit=1'
cursor=$(jb -r .next_cursor)
assert_eq "$(names "sort=status&limit=2&cursor=$cursor")" '["flt-b","flt-d"]' "the cursor of a status sort continues it"
get '/api/v1/clusters?status=ready,sleepy'
assert_error 400 bad_request "one unknown status among several is refused"
check "the message names the statuses" jq -e '.error.message | contains("unreachable")' "$BODY_FILE"
get '/api/v1/clusters?limit=0'
check "a bad limit says the range" jq -e '.error.message | contains("1 to 500")' "$BODY_FILE"
assert_eq "$(names q=%25)" '[]' "q treats % as a character, not a wildcard"
assert_eq "$(names 'environment=production&has_gpu=true&status=ready')" '["flt-a"]' "filters combine"
get "/api/v1/clusters?label=suite%3Dflt&status=degraded"
assert_json '.items[0].status_reason == "API answers slowly"' "the list carries the status reason"
for bad in environment=mars type=vms status=sleepy has_gpu=maybe label=nokey 'label=bad%20key%3Dv' \
	dir=sideways sort=colour limit=abc; do
	get "/api/v1/clusters?$bad"
	assert_error 400 bad_request "a list with $bad is refused with 400"
done

section "keyset pagination"
{
	envs=(production staging development lab)
	types=(openshift kubernetes eks gke aks)
	for i in $(seq 0 24); do
		printf '/api/v1/clusters\t%s\n' "$(cluster_body "$(printf 'pg-%02d' $(((i * 7) % 25)))" "${envs[$((i % 4))]}" \
			"${types[$((i % 5))]}" '{labels: {suite: "page"}}')"
	done
} | post_many 6 "$SCRATCH/page.status"
assert_eq "$(statuses "$SCRATCH/page.status")" 25x201 "25 clusters created concurrently"

# walk QUERY: follow next_cursor with limit=7; prints the names in order, one a line, and leaves
# the page sizes in $SCRATCH/sizes and the first cursor in $SCRATCH/cursor1.
walk() {
	local cursor="" pages=0

	: >"$SCRATCH/sizes"
	: >"$SCRATCH/cursor1"
	while :; do
		get "/api/v1/clusters?label=suite%3Dpage&limit=7&$1${cursor:+&cursor=$cursor}"
		[ "$STATUS" = 200 ] || { echo "status $STATUS"; return; }
		jb '.items | length' >>"$SCRATCH/sizes"
		jb '.items[].name'
		cursor=$(jb '.next_cursor // empty')
		[ -s "$SCRATCH/cursor1" ] || echo "$cursor" >"$SCRATCH/cursor1"
		pages=$((pages + 1))
		if [ -z "$cursor" ] || [ "$pages" -ge 20 ]; then break; fi
	done
}
get '/api/v1/clusters?label=suite%3Dpage&limit=500'
jq -c '[.items[] | {name, environment}]' <"$BODY_FILE" >"$SCRATCH/page.all"

walk sort=name >"$SCRATCH/walk.name"
want=$(jq -r 'sort_by(.name) | .[].name' <"$SCRATCH/page.all")
assert_eq "$(wc -l <"$SCRATCH/walk.name")" 25 "sort=name: walking pages of 7 sees 25 clusters"
assert_eq "$(sort "$SCRATCH/walk.name" | uniq -d | wc -l)" 0 "sort=name: no cluster is seen twice"
assert_eq "$(cat "$SCRATCH/walk.name")" "$want" "sort=name: the clusters come in name order"
assert_eq "$(tr '\n' ' ' <"$SCRATCH/sizes")" "7 7 7 4 " "sort=name: pages of 7, 7, 7 and 4, the last without next_cursor"
cursor_name=$(cat "$SCRATCH/cursor1")

walk 'sort=environment&dir=desc' >"$SCRATCH/walk.env"
want=$(jq -r 'sort_by([.environment, .name]) | reverse | .[].name' <"$SCRATCH/page.all")
assert_eq "$(wc -l <"$SCRATCH/walk.env")" 25 "sort=environment&dir=desc: walking pages sees 25 clusters"
assert_eq "$(sort "$SCRATCH/walk.env" | uniq -d | wc -l)" 0 "sort=environment&dir=desc: no cluster is seen twice"
assert_eq "$(cat "$SCRATCH/walk.env")" "$want" "sort=environment&dir=desc: environment descending, then name descending"

get "/api/v1/clusters?label=suite%3Dpage&limit=7&sort=environment&dir=desc&cursor=$cursor_name"
assert_error 400 bad_request "a cursor from sort=name is refused for sort=environment"
get "/api/v1/clusters?label=suite%3Dpage&limit=7&dir=desc&cursor=$cursor_name"
assert_error 400 bad_request "a cursor from an ascending list is refused for a descending one"
get "/api/v1/clusters?limit=7&cursor=bm90LWEtY3Vyc29y"
assert_error 400 bad_request "a made-up cursor is refused"
get "/api/v1/clusters?limit=0"
assert_error 400 bad_request "limit=0 is refused"
get "/api/v1/clusters?limit=501"
assert_error 400 bad_request "limit=501 is refused"
get "/api/v1/clusters?limit=500"
assert_status 200 "limit=500 is accepted"

section "replace, merge, delete"
create_cluster "$(cluster_body api-two production gke '{display_name: "Two", region: "us-central1",
	prometheus_url: "https://prom.two.example", loki_url: "https://loki.two.example", labels: {a: "b"}, has_gpu: true}')"
two=$CREATED_ID
json PUT "/api/v1/clusters/$two" "$(cluster_body api-two lab aks)"
assert_status 200 "PUT replaces a cluster: 200"
get "/api/v1/clusters/$two"
assert_json '.name == "api-two" and .environment == "lab" and .type == "aks" and .display_name == "" and
	.region == "" and .labels == {} and .has_gpu == false and .prometheus_url == null and .loki_url == null' \
	"after PUT, the fields it left out are cleared"

json PUT "/api/v1/clusters/$two" "$(cluster_body api-two staging gke '{display_name: "Two again", region: "r2",
	labels: {x: "y", z: "w"}, has_gpu: true, alertmanager_url: "http://am.two.example:9093"}')"
get "/api/v1/clusters/$two"
before=$(jb -c 'del(.updated_at)')
json PATCH "/api/v1/clusters/$two" '{"region": "eu-north-1"}'
assert_status 200 "PATCH answers 200"
assert_json '.region == "eu-north-1"' "PATCH answers with the merged cluster"
get "/api/v1/clusters/$two"
assert_eq "$(jb -c 'del(.updated_at) | .region = "r2"')" "$before" "PATCH changes only the fields it names"
json PATCH "/api/v1/clusters/$two" '{"display_name": null, "has_gpu": false}'
get "/api/v1/clusters/$two"
assert_json '.display_name == "" and .has_gpu == false and .region == "eu-north-1" and .labels == {"x": "y", "z": "w"}' \
	"PATCH with null clears that field and keeps the others"

section "conflicts"
json POST /api/v1/clusters "$(cluster_body api-one lab k3s)"
assert_error 409 conflict "creating a second api-one is a 409"
json PATCH "/api/v1/clusters/$two" '{"name": "api-one"}'
assert_error 409 conflict "renaming to a taken name with PATCH is a 409"
json PUT "/api/v1/clusters/$two" "$(cluster_body api-one lab k3s)"
assert_error 409 conflict "renaming to a taken name with PUT is a 409"
get "/api/v1/clusters/$two"
assert_json '.name == "api-two"' "a refused rename leaves the name"

section "refusals change nothing"
all_clusters "$SCRATCH/before.json"
count_before=$(fleet_total)
get "/api/v1/clusters/$two"
two_before=$(jb -c .)

# expect_422 FIELD DESC BODY [METHOD PATH]
expect_422() {
	json "${4:-POST}" "${5:-/api/v1/clusters}" "$3"
	assert_error 422 invalid "$2: 422"
	assert_json '.error.fields["'"$1"'"] | type == "string" and length > 0' "$2: the reason is under fields.$1"
}
expect_422 api_url "an ftp:// API URL" "$(cluster_body bad-url lab k3s '{api_url: "ftp://api.example"}')"
expect_422 prometheus_url "a javascript: Prometheus URL" \
	"$(cluster_body bad-prom lab k3s '{prometheus_url: "javascript:alert(1)"}')"
expect_422 environment "an unknown environment" "$(cluster_body bad-env mars k3s)"
expect_422 name "a name with spaces" "$(cluster_body 'has spaces' lab k3s)"
expect_422 colour "an unknown field" "$(cluster_body bad-field lab k3s '{colour: "blue"}')"
expect_422 api_url "a create without api_url" '{"name": "no-url", "environment": "lab", "type": "k3s"}'
expect_422 environment "a PATCH to an unknown environment" '{"environment": "moon"}' PATCH "/api/v1/clusters/$two"
expect_422 name "a PUT with a name in capitals" "$(cluster_body API-TWO lab k3s)" PUT "/api/v1/clusters/$two"

json POST /api/v1/clusters '{"name": "broken", '
assert_error 400 bad_request "invalid JSON is a 400"
json POST /api/v1/clusters ''
assert_error 400 bad_request "an empty JSON body is a 400"
json PATCH "/api/v1/clusters/$two" '{"region": "x"'
assert_error 400 bad_request "a PATCH with invalid JSON is a 400"

head -c $((1024 * 1024 + 100)) /dev/zero | tr '\0' ' ' >"$SCRATCH/big.json"
printf '%s' "$(cluster_body big lab k3s)" >>"$SCRATCH/big.json"
req POST /api/v1/clusters -H 'Content-Type: application/json' --data-binary "@$SCRATCH/big.json"
assert_status 413 "a body over 1 MiB is a 413"
assert_header X-Request-ID '^[0-9a-f]{32}$' "the 413 for a body over 1 MiB carries X-Request-ID"

deep() { printf '%*s' "$1" '' | tr ' ' '['; printf '%*s' "$1" '' | tr ' ' ']'; }
json POST /api/v1/clusters "{\"labels\": $(deep 32)}"
assert_error 413 payload_too_large "JSON nested 33 deep is a 413"
json POST /api/v1/clusters "{\"labels\": $(deep 31)}"
assert_error 422 invalid "JSON nested 32 deep is parsed (then refused as a bad field, 422)"

req POST /api/v1/clusters -H 'Content-Type: text/plain' --data-binary "$(cluster_body plain lab k3s)"
assert_error 415 unsupported_media_type "a text/plain body is a 415"
req PATCH "/api/v1/clusters/$two" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'region=x'
assert_error 415 unsupported_media_type "a form body to the JSON API is a 415"

req DELETE /api/v1/clusters
assert_error 405 method_not_allowed "DELETE /api/v1/clusters is a 405"
assert_header Allow 'GET' "the 405 says Allow: GET ..."
assert_header Allow 'POST' "the 405 says Allow: ... POST"
req POST "/api/v1/clusters/$two"
assert_error 405 method_not_allowed "POST to one cluster is a 405"
assert_header Allow 'PUT' "that 405 lists PUT in Allow"

get /api/v1/clusterz
assert_error 404 not_found "an unknown API path is a 404"
get /api/v1/clusters/not-a-uuid
assert_error 404 not_found "a malformed id is a 404"
get /api/v1/clusters/00000000-0000-4000-8000-000000000000
assert_error 404 not_found "an unknown id is a 404"
json PUT /api/v1/clusters/00000000-0000-4000-8000-000000000000 "$(cluster_body ghost lab k3s)"
assert_error 404 not_found "PUT to an unknown id is a 404"
json PATCH /api/v1/clusters/00000000-0000-4000-8000-000000000000 '{"region": "r"}'
assert_error 404 not_found "PATCH to an unknown id is a 404"
req DELETE /api/v1/clusters/not-a-uuid
assert_error 404 not_found "DELETE of a malformed id is a 404"

assert_eq "$(fleet_total)" "$count_before" "after the refusals the fleet has as many clusters as before"
all_clusters "$SCRATCH/after.json"
assert_eq "$(jq -c 'map(del(.updated_at))' "$SCRATCH/after.json")" \
	"$(jq -c 'map(del(.updated_at))' "$SCRATCH/before.json")" \
	"after the refusals every cluster is as it was"
get "/api/v1/clusters/$two"
assert_eq "$(jb -c .)" "$two_before" "the cluster the refused PUT and PATCH aimed at is unchanged"

section "delete"
req DELETE "/api/v1/clusters/$two"
assert_status 204 "DELETE answers 204"
assert_eq "$BODY" "" "a 204 has no body"
get "/api/v1/clusters/$two"
assert_error 404 not_found "the deleted cluster is gone: 404"
req DELETE "/api/v1/clusters/$two"
assert_error 404 not_found "deleting it again is a 404"
assert_eq "$(fleet_total)" $((count_before - 1)) "the fleet has one cluster fewer"

section "fleet summary"
all_clusters "$SCRATCH/all.json"
get /api/v1/fleet/summary
assert_status 200 "GET /api/v1/fleet/summary answers 200"
want=$(jq -c '{total: length, gpu_clusters: map(select(.has_gpu)) | length,
	by_status: (reduce .[] as $c ({ready: 0, degraded: 0, unreachable: 0, unknown: 0}; .[$c.status] += 1)),
	by_environment: (reduce .[] as $c ({production: 0, staging: 0, development: 0, lab: 0}; .[$c.environment] += 1)),
	by_type: (reduce .[] as $c ({openshift: 0, kubernetes: 0, eks: 0, gke: 0, aks: 0, k3s: 0, rke2: 0, microshift: 0};
		.[$c.type] += 1))}' <"$SCRATCH/all.json")
got=$(jb -c '{total, gpu_clusters, by_status, by_environment, by_type}')
assert_eq "$(jq -cS . <<<"$got")" "$(jq -cS . <<<"$want")" \
	"the summary counts match the list (total, GPUs, by status, environment, type)"

section "a change that cannot be audited does not happen"
# The audit row is written in the change's transaction: hold the audit log locked so that the
# create waits on its INSERT into audit_log, cut that backend off, and nothing must remain.
"$PGBIN/psql" -h "$(stack_pg_dir "$STACK_DIR")/sock" -U aiops -d aiops -qtAc \
	"BEGIN; LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60)" >/dev/null 2>&1 &
locker=$!
locked() {
	[ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'audit_log' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ]
}
waiting() {
	[ -n "$(sql "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'
		AND query LIKE 'INSERT INTO audit_log%'")" ]
}
check "the audit log is locked" wait_for 10 locked
(
	json POST /api/v1/clusters "$(cluster_body api-audit-cut lab k3s)"
	echo "$STATUS" >"$SCRATCH/cut.status"
) &
poster=$!
check "the create waits on its audit row" wait_for 10 waiting
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
	WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO audit_log%'" >/dev/null
wait "$poster"
sql "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	WHERE c.relname = 'audit_log' AND l.mode = 'AccessExclusiveLock' AND l.granted" >/dev/null
wait "$locker" 2>/dev/null
STATUS=$(cat "$SCRATCH/cut.status")
assert_error 503 unavailable "a create whose connection is lost while it writes its audit row answers 503"
assert_eq "$(sql "SELECT count(*) FROM clusters WHERE name = 'api-audit-cut'")" 0 "and no cluster row is left behind"
assert_eq "$(sql "SELECT count(*) FROM audit_log WHERE target = 'cluster:api-audit-cut'")" 0 "nor an audit row"
json POST /api/v1/clusters "$(cluster_body api-audit-cut lab k3s)"
assert_status 201 "the same create succeeds once the database answers"
assert_eq "$(sql "SELECT count(*) FROM audit_log WHERE target = 'cluster:api-audit-cut' AND action = 'cluster.create'")" 1 \
	"with its audit row"
req DELETE "/api/v1/clusters/$(jb .id)"
assert_status 204 "and it is deleted again"
assert_eq "$(sql "SELECT count(*) FROM audit_log WHERE target = 'cluster:api-audit-cut' AND action = 'cluster.delete'")" 1 \
	"the delete has its audit row too"

section "credentials given with a new cluster"
json POST /api/v1/clusters "$(cluster_body api-with-creds lab k3s '{credentials: {api_token: "tok-1", ca_bundle: null}}')"
assert_status 201 "a cluster can be created with its credentials"
assert_json 'has("credentials") | not' "the answer never carries them"
cid=$(jb .id)
get "/api/v1/clusters/$cid/credentials"
assert_json '.api_token == true and .ca_bundle == false and .basic_auth == false' "the given credential is stored"
assert_eq "$(sql "SELECT count(*) FROM audit_log WHERE target = 'cluster:api-with-creds'
	AND action IN ('cluster.create', 'cluster.credentials')")" 2 "the cluster and its credentials are audited"
for bad in '{api_token: 5}' '{nope: "x"}' '"tok"' '{basic_auth: "no colon"}'; do
	json POST /api/v1/clusters "$(cluster_body api-bad-creds lab k3s "{credentials: $bad}")"
	assert_error 422 invalid "credentials $bad are refused with 422"
	assert_json '.error.fields | has("credentials")' "naming the credentials ($bad)"
done
get '/api/v1/clusters?q=api-bad-creds'
assert_json '.items | length == 0' "a refused credential stores no cluster"
req DELETE "/api/v1/clusters/$cid"
assert_status 204 "the cluster with credentials is deleted"
