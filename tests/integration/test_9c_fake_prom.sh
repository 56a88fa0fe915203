# test_9c_fake_prom.sh: fake-prom (tests/fakes/fake-prom), the fake Prometheus the fan-out's tests
# and bench/fanout use, against the real thing: the same requests to Debian's prometheus and to the
# fake give the same error bodies and statuses, and answers of the same shape; then the fake's own
# behaviours (path prefixes, counters) as tests/fakes/README.md states them.

FP=$BUILD/tests/fakes/fake-prom
if [ ! -x "$FP" ] || ! command -v prometheus >/dev/null; then
	fail "fake-prom is built and Debian's prometheus is installed" "missing $FP or prometheus"
	return 0
fi

"$FP" --port 0 >"$SCRATCH/fp.out" 2>"$SCRATCH/fp.err" &
fp_pid=$!
fp_up() { grep -qs '^fake-prom: listening on' "$SCRATCH/fp.out"; }
check "fake-prom starts" wait_for 10 fp_up
FPU=http://127.0.0.1:$(awk '{ print $4 }' "$SCRATCH/fp.out")

# The real one scrapes itself every second, so that `up` has a sample like the fake's series.
RP=$(stack_free_port)
cat >"$SCRATCH/prom.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ["127.0.0.1:$RP"]
YML
prometheus --config.file="$SCRATCH/prom.yml" --web.listen-address="127.0.0.1:$RP" \
	--storage.tsdb.path="$SCRATCH/prom-data" >"$SCRATCH/prom.log" 2>&1 &
rp_pid=$!
RPU=http://127.0.0.1:$RP
# Ready when a range over the last 3 s has 3 points of up and the labels API sees them.
# (jq 1.6 -e exits 0 on empty input: the bodies are read first.)
rp_has_up() {
	local n r l
	n=$(date +%s)
	r=$(curl -fsS "$RPU/api/v1/query_range?query=up&start=$((n - 3))&end=$((n - 1))&step=1" 2>/dev/null) &&
		l=$(curl -fsS "$RPU/api/v1/labels" 2>/dev/null) &&
		jq -e '.data.result[0].values | length == 3' <<<"$r" >/dev/null && jq -e '.data | length > 0' <<<"$l" >/dev/null
}
check "Debian's prometheus starts and has scraped itself" wait_for 30 rp_has_up

# both PATH [CURL ARGS...]: the same request to both; "status body" of each in $SCRATCH/{real,fake}.
both() {
	local p=$1
	shift
	curl -sS -o "$SCRATCH/real.body" -w '%{http_code}' "$@" "$RPU$p" >"$SCRATCH/real.st"
	curl -sS -o "$SCRATCH/fake.body" -w '%{http_code}' "$@" "$FPU$p" >"$SCRATCH/fake.st"
}
same_error() {
	both "$@"
	if [ "$(cat "$SCRATCH/real.st")" = "$(cat "$SCRATCH/fake.st")" ] && cmp -s "$SCRATCH/real.body" "$SCRATCH/fake.body"; then
		pass "GET $1: the real status and error body"
	else
		fail "GET $1: the real status and error body" "real: $(cat "$SCRATCH/real.st") $(head -c 300 "$SCRATCH/real.body")" \
			"fake: $(cat "$SCRATCH/fake.st") $(head -c 300 "$SCRATCH/fake.body")"
	fi
}
# skel: a JSON value's shape, keys kept, every array reduced to its first element's shape.
SKEL='def skel: if type == "object" then with_entries(.value |= skel) elif type == "array" then (if length > 0 then [.[0] | skel] else [] end) else type end; skel'
same_shape() {
	local label=$1 rp=$2 fp=$3 r f
	r=$(curl -sS "$RPU$rp" | jq -c "$SKEL")
	f=$(curl -sS "$FPU$fp" | jq -c "$SKEL")
	assert_eq "$f" "$r" "$label: the real answer's shape ($r)"
}

section "fake-prom and Prometheus 2.42: errors"
now=$(date +%s)
same_error "/api/v1/query?query="
same_error "/api/v1/query?query=up&time=abc"
same_error "/api/v1/query_range?query=up&start=1&end=2"
same_error "/api/v1/query_range?query=up&start=1&end=2&step=0"
same_error "/api/v1/query_range?query=up&start=10&end=1&step=1"
same_error "/api/v1/query_range?query=up&start=abc&end=1&step=1"
same_error "/api/v1/query_range?query=up&start=1&end=100000&step=1"
same_error "/api/v1/series"
same_error "/api/v1/no-such-thing"
same_error "/api/v1/query?query=up" -X PUT
both "/api/v1/status/buildinfo" -X DELETE
assert_eq "$(cat "$SCRATCH/fake.st")" "$(cat "$SCRATCH/real.st")" "DELETE buildinfo: the real status"

section "fake-prom and Prometheus 2.42: answers"
t=$(($(date +%s) - 1))
same_shape "query" "/api/v1/query?query=up&time=$t" "/api/v1/query?query=up&time=$t"
same_shape "query_range" "/api/v1/query_range?query=up&start=$((t - 2))&end=$t&step=1" \
	"/api/v1/query_range?query=up&start=$((t - 2))&end=$t&step=1"
same_shape "a scalar" "/api/v1/query?query=1&time=$t" "/scalar/api/v1/query?query=1&time=$t"
same_shape "a scalar over a range" "/api/v1/query_range?query=1&start=$((t - 2))&end=$t&step=1s" \
	"/scalar/api/v1/query_range?query=1&start=$((t - 2))&end=$t&step=1s"
same_shape "labels" "/api/v1/labels" "/api/v1/labels"
same_shape "label values" "/api/v1/label/job/values" "/api/v1/label/job/values"
same_shape "series" "/api/v1/series?match%5B%5D=up" "/api/v1/series?match%5B%5D=up"
same_shape "buildinfo" "/api/v1/status/buildinfo" "/api/v1/status/buildinfo"
# Timestamps written as Prometheus writes them: a fraction only when there are milliseconds.
r=$(curl -sS "$RPU/api/v1/query?query=1&time=1700000000.5" | jq -c '.data.result[0]')
assert_eq "$(curl -sS "$FPU/scalar/api/v1/query?query=1&time=1700000000.5" | jq -c '.data.result[0]')" "$r" \
	"a time with milliseconds is written as the real one writes it"
r=$(curl -sS -d 'query=1' -d 'time=2023-11-14T22:13:20Z' "$RPU/api/v1/query" | jq -c '.data.result[0]')
assert_eq "$(curl -sS -d 'query=1' -d 'time=2023-11-14T22:13:20Z' "$FPU/scalar/api/v1/query" | jq -c '.data.result[0]')" \
	"$r" "POST form, RFC 3339 time: as the real one"

section "fake-prom's series and prefixes"
req_fp() { STATUS=$(curl -sS -o "$BODY_FILE" -w '%{http_code}' "$@"); LAST_REQ="$*"; }
req_fp "$FPU/c/east/api/v1/query?query=anything&time=100"
assert_json '[.data.result[] | .value[1]] == ["732","733","734"] and .data.result[0].metric.instance == "fake-0:9100"' \
	"/c/east/: three series valued seed(east) = 732 and up"
req_fp "$FPU/warn/c/west/api/v1/query_range?query=x&start=0&end=30&step=15s"
assert_json '.data.result[0].values == [[0,"294"],[15,"294"],[30,"294"]] and .warnings == ["fake-prom: a warning from west"]' \
	"/warn/ and a range: a point a step, the warning"
req_fp "$FPU/prom-error/execution/api/v1/query?query=x"
assert_status 422 "/prom-error/execution/: 422"
assert_json '.status == "error" and .errorType == "execution"' "/prom-error/execution/: Prometheus's error body"
req_fp "$FPU/status/502/c/x/api/v1/labels"
assert_status 502 "/status/502/: 502"
req_fp "$FPU/garbage/api/v1/query?query=x"
check "/garbage/: 200 and not JSON" sh -c "[ $STATUS = 200 ] && ! jq . '$BODY_FILE' >/dev/null 2>&1"
req_fp "$FPU/truncated/api/v1/query?query=x"
check "/truncated/: 200 and JSON cut short" sh -c "[ $STATUS = 200 ] && ! jq . '$BODY_FILE' >/dev/null 2>&1"
curl -sS -o /dev/null "$FPU/cut/api/v1/query?query=x" 2>/dev/null
assert_eq "$?" 18 "/cut/: the connection closes before the announced length (curl error 18)"
req_fp "$FPU/huge/api/v1/query?query=x"
check "/huge/: above 8 MiB and valid JSON" sh -c "[ \$(stat -c %s '$BODY_FILE') -gt 8388608 ] && jq -e '.data.result | length == 60000' '$BODY_FILE' >/dev/null"
req_fp "$FPU/delay/x/api/v1/query?query=x"
assert_status 400 "/delay/x/: a bad prefix is refused"
# Two 800 ms delays at once: answered together, not one after the other.
t0=$(date +%s%N)
curl -sS -o /dev/null "$FPU/delay/800/c/d1/api/v1/query?query=x" &
curl -sS -o /dev/null "$FPU/delay/800/c/d2/api/v1/query?query=x"
wait $!
ms=$((($(date +%s%N) - t0) / 1000000))
check "two 800 ms delays in parallel take about 800 ms ($ms ms)" test "$ms" -ge 790 -a "$ms" -lt 1400

section "fake-prom's counters"
curl -sS -X DELETE "$FPU/_fake/requests"
curl -sS -o /dev/null -H 'Authorization: Bearer tok-1' "$FPU/delay/10/c/cnt/api/v1/query?query=sum%28rate%28x%5B5m%5D%29%29%20%2B%201"
curl -sS -o /dev/null --data-urlencode 'match[]={job="a b"}' "$FPU/c/cnt/api/v1/series"
req_fp "$FPU/_fake/requests"
assert_json '.cnt.requests == 2 and .cnt.last_query == "{job=\"a b\"}" and (.cnt.last_uri | endswith("/c/cnt/api/v1/series"))' \
	"two requests counted; the last expression decoded from the POST form"
assert_json '(keys | length) == 1' "only the cluster asked is listed after a reset"

kill "$fp_pid" "$rp_pid" 2>/dev/null
wait "$fp_pid" "$rp_pid" 2>/dev/null
