# test_9b_metrics_api.sh: the HTTP face of the federated metrics: its routes are served by the slow
# pool (aiops-fcgi --slow on its own socket), never by the page workers; the API's rate limit keys
# on the caller's token and lets a busy dashboard through.

SLOW_LOG=$STACK_DIR/log/aiops-fcgi-slow.log

# served_by RID: which pool's log holds the request line of request id RID: "slow", "pages" or "".
served_by() {
	if grep -F '"msg":"request"' "$SLOW_LOG" | grep -qF "\"request_id\":\"$1\""; then
		echo slow
	elif grep -F '"msg":"request"' "$FCGI_LOG" | grep -qF "\"request_id\":\"$1\""; then
		echo pages
	fi
}

# served_by_now RID: served_by once the line is written (a worker logs after it answers).
served_by_now() {
	local who=""

	for _ in $(seq 1 40); do
		who=$(served_by "$1")
		[ -n "$who" ] && break
		sleep 0.05
	done
	echo "$who"
}

section "the slow pool"
check "the slow pool runs (aiops-fcgi --slow)" pid_alive "$STACK_DIR/aiops-fcgi-slow.pid"
check "on its own socket" test -S "$STACK_DIR/aiops-slow.sock"
check "with its own workers" test "$(pgrep -c -P "$(cat "$STACK_DIR/aiops-fcgi-slow.pid")")" -ge 1
for p in /api/v1/metrics/no-such-route /prometheus/api/v1/no-such-route; do
	get "$p"
	assert_eq "$(served_by_now "$(header X-Request-ID)")" slow "GET $p is answered by the slow pool"
done
get /api/v1/clusters
assert_eq "$(served_by_now "$(header X-Request-ID)")" pages "GET /api/v1/clusters stays with the page pool"
get /clusters -H 'Accept: text/html'
assert_eq "$(served_by_now "$(header X-Request-ID)")" pages "GET /clusters stays with the page pool"

section "the rate limit keys on the caller"
# A dashboard's worst moment: 20 people's 30 panels all refreshing at once with one data source
# token from one address (600 requests), and again 5 s later. Nothing may be refused.
LIMITED=/prometheus/api/v1/status/buildinfo
for i in $(seq 1 600); do echo "$LIMITED"; done | burst 50 "$SCRATCH/dash1.st"
sleep 5
for i in $(seq 1 600); do echo "$LIMITED"; done | burst 50 "$SCRATCH/dash2.st"
assert_eq "$(grep -c '^429$' "$SCRATCH/dash1.st" "$SCRATCH/dash2.st" | awk -F: '{ s += $2 } END { print s }')" 0 \
	"1200 requests in about 6 s with one token from one address: none refused ($(statuses "$SCRATCH/dash1.st"); $(statuses "$SCRATCH/dash2.st"))"
# The limit still exists: one key far past it is refused, in Prometheus's error shape.
BOGUS="Authorization: Bearer aiops_not_a_real_token_$RANDOM"
for i in $(seq 1 2500); do echo "$LIMITED"; done | AUTH=anon BURST_HEADER="$BOGUS" burst 100 "$SCRATCH/flood.st" "$SCRATCH/flood"
check "2500 requests at once with one key meet 429 ($(statuses "$SCRATCH/flood.st"))" grep -qx 429 "$SCRATCH/flood.st"
refused=$(grep -l '"errorType"' "$SCRATCH"/flood/* 2>/dev/null | head -n 1)
if [ -n "$refused" ] && jq -e '.status == "error" and .errorType == "unavailable" and (.error | length > 0)' "$refused" >/dev/null; then
	pass "a refused Prometheus request gets Prometheus's error shape"
else
	fail "a refused Prometheus request gets Prometheus's error shape" "no 429 body with errorType among $SCRATCH/flood"
fi
rm -rf "$SCRATCH/flood"
# Another token from the same address is not refused meanwhile: the limit is per token.
get "$LIMITED"
assert_ne "$STATUS" 429 "the suite's own token, from the same address, is not refused meanwhile"
