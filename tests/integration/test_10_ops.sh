# test_10_ops.sh: what operators rely on: /health, /ready, /metrics (valid, summed over the
# workers), request ids on every response and in the request log, and the security headers.

section "health and readiness"
get /health
assert_status 200 "GET /health answers 200"
assert_header Content-Type '^application/json' "/health is JSON"
assert_json '.status == "ok"' "/health says ok"

get /ready
assert_status 200 "GET /ready answers 200 when PostgreSQL and Redis are up"
assert_header Content-Type '^application/json' "/ready is JSON"
assert_json '.checks.postgresql == "ok" and .checks.redis == "ok"' "/ready names its postgresql and redis checks"
assert_json '.down == []' "/ready lists nothing as down"

section "metrics"
m0=$SCRATCH/metrics0
m1=$SCRATCH/metrics1
get /api/v1/clusters
get /metrics
cp "$BODY_FILE" "$m0"
assert_status 200 "GET /metrics answers 200"
assert_header Content-Type '^text/plain; version=0\.0\.4' "/metrics is the Prometheus text format 0.0.4"
if out=$(promtool check metrics <"$m0" 2>&1); then
	pass "promtool check metrics accepts /metrics"
else
	fail "promtool check metrics accepts /metrics" "$out"
fi
assert_body_has '# TYPE aiops_http_requests_total counter' "/metrics declares aiops_http_requests_total as a counter"
assert_body_has 'aiops_http_requests_total{route="/api/v1/clusters",method="GET",status="200"}' \
	"/metrics counts the requests of a route that was hit, by route, method and status"
assert_body_has '# TYPE aiops_http_request_duration_seconds histogram' "/metrics has a request duration histogram"
assert_body_has 'aiops_http_request_duration_seconds_bucket{route="/api/v1/clusters",method="GET",le="+Inf"}' \
	"the histogram has a +Inf bucket for the route that was hit"
assert_body_has '# TYPE aiops_worker_restarts_total counter' "/metrics has aiops_worker_restarts_total"

n=40
h0=$(metric_sum "$m0" aiops_http_requests_total 'route="/health"' 'method="GET"' 'status="200"')
d0=$(metric_sum "$m0" aiops_http_request_duration_seconds_count 'route="/health"')
off=$(log_offset)
for _ in $(seq 1 $n); do echo /health; done | burst 8 "$SCRATCH/health.status"
assert_eq "$(statuses "$SCRATCH/health.status")" "${n}x200" "$n concurrent GET /health all answer 200"
pids=$(log_since "$off" | grep -F '"path":"/health"' | jq -r .pid | sort -u | wc -l)
assert_ge "$pids" 2 "the $n requests were served by more than one worker"
fetch_metrics "$m1"
h1=$(metric_sum "$m1" aiops_http_requests_total 'route="/health"' 'method="GET"' 'status="200"')
d1=$(metric_sum "$m1" aiops_http_request_duration_seconds_count 'route="/health"')
assert_ge $((h1 - h0)) $n "the /health counter rose by at least $n after $n requests (summed over workers, $h0 -> $h1)"
assert_ge $((d1 - d0)) $n "the /health duration histogram counted at least $n more requests ($d0 -> $d1)"

section "request ids"
get /health
assert_header X-Request-ID '^[0-9a-f]{32}$' "a 200 carries X-Request-ID (nginx's \$request_id)"
first=$(header X-Request-ID)
get /health
assert_ne "$(header X-Request-ID)" "$first" "every request gets its own id"

get /api/v1/no-such-thing
assert_error 404 not_found "an unknown /api/ path is a JSON 404 whose request_id equals X-Request-ID"

get /no-such-page
assert_status 404 "an unknown page answers 404"
assert_header X-Request-ID '^[0-9a-f]{32}$' "a 404 page carries X-Request-ID"
assert_body_has "$(header X-Request-ID)" "the 404 page shows the request id"

get /static/css/app.css
assert_status 200 "a static file is served"
assert_header X-Request-ID '^[0-9a-f]{32}$' "a static file carries X-Request-ID"

json POST /api/v1/clusters '{"name": '
assert_error 400 bad_request "a 400 JSON error carries the X-Request-ID in request_id"

section "the request log"
get '/api/v1/clusters?limit=3'
rid=$(header X-Request-ID)
lines=$(grep -F "\"request_id\":\"$rid\"" "$FCGI_LOG" | grep -F '"msg":"request"')
assert_eq "$(printf '%s\n' "$lines" | grep -c .)" 1 "exactly one request log line has the request's id"
if printf '%s\n' "$lines" | jq -e --arg rid "$rid" \
	'.request_id == $rid and .method == "GET" and .route == "/api/v1/clusters" and .status == 200 and
	 (.ms | type == "number") and (.ts | type == "string") and (.level | type == "string")' >/dev/null 2>&1; then
	pass "the request log line is JSON with method, route, status and ms"
else
	fail "the request log line is JSON with method, route, status and ms" "line: $lines"
fi
get /no-such-page
rid=$(header X-Request-ID)
line=$(grep -F "\"request_id\":\"$rid\"" "$FCGI_LOG" | grep -F '"msg":"request"')
if printf '%s\n' "$line" | jq -e '.status == 404 and .method == "GET" and (.ms | type == "number")' >/dev/null 2>&1; then
	pass "a 404 is logged with its status"
else
	fail "a 404 is logged with its status" "line: $line"
fi

section "security headers"
# check_security_headers WHAT: the last response carries a strict policy.
check_security_headers() {
	local csp

	csp=$(header Content-Security-Policy)
	if [ -n "$csp" ] && ! printf '%s' "$csp" | grep -q "unsafe-inline"; then
		pass "$1 has a Content-Security-Policy without 'unsafe-inline'"
	else
		fail "$1 has a Content-Security-Policy without 'unsafe-inline'" "CSP: ${csp:-<absent>}"
	fi
	assert_header X-Content-Type-Options '^nosniff$' "$1 has X-Content-Type-Options: nosniff"
	if [ "$(header X-Frame-Options)" = DENY ] || printf '%s' "$csp" | grep -q "frame-ancestors 'none'"; then
		pass "$1 cannot be framed (X-Frame-Options DENY or frame-ancestors 'none')"
	else
		fail "$1 cannot be framed (X-Frame-Options DENY or frame-ancestors 'none')"
	fi
}
get /health
check_security_headers "a JSON answer"
get /clusters
assert_status 200 "the clusters page answers 200"
check_security_headers "an HTML page"
get /no-such-page
check_security_headers "the 404 page"
get /api/v1/no-such-thing
check_security_headers "a JSON 404"
get /static/css/app.css
check_security_headers "a static file"
get /metrics
check_security_headers "/metrics"
