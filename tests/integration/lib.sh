# lib.sh: what every integration test file shares: requests through nginx that keep the status,
# headers and body; TAP-style assertions ("ok N - ..." / "not ok N - ..."); fixtures (through the
# API, or in the database where the collectors would write); and reading /metrics and the logs.
# Sourced by run.sh for each test file, with ROOT, BUILD, PGBIN, STACK_DIR, PORT, BASE, WORK and
# RESULTS set.

# shellcheck source=tests/stack.sh
. "$ROOT/tests/stack.sh"

SCRATCH=$(mktemp -d "$WORK/scratch.XXXXXX")
HDR_FILE=$SCRATCH/headers
BODY_FILE=$SCRATCH/body
STATUS=""
BODY=""
LAST_REQ=""

# ---- Requests ----

# Who the requests are: AUTH=token (the default: the suite's admin token, made by run.sh), anon
# (nothing), session (the cookie jar of session_login), or bearer (the token in BEARER). Set it for
# one call with `AUTH=anon get /`.
JAR=$SCRATCH/cookies
CSRF=""

# auth_args: the curl arguments for AUTH, in the array AUTH_ARGS.
auth_args() {
	case ${AUTH:-token} in
	token) AUTH_ARGS=(-H "Authorization: Bearer $ADMIN_TOKEN") ;;
	bearer) AUTH_ARGS=(-H "Authorization: Bearer $BEARER") ;;
	session) AUTH_ARGS=(-b "$JAR" -c "$JAR") ;;
	*) AUTH_ARGS=() ;;
	esac
}

# req METHOD PATH [CURL-ARGS...]: one request through nginx. Sets STATUS to the status code, or
# to "curlN" (curl's exit code N) when the response did not arrive whole; and BODY. The headers
# stay in HDR_FILE for header().
req() {
	local method=$1 path=$2 rc=0
	local how=(-X "$method")
	local AUTH_ARGS=()

	shift 2
	auth_args
	set -- "${AUTH_ARGS[@]}" "$@"
	[ "$method" = HEAD ] && how=(-I)
	LAST_REQ="$method $path"
	: >"$HDR_FILE"
	: >"$BODY_FILE"
	STATUS=$(curl -sS --max-time 30 -o "$BODY_FILE" -D "$HDR_FILE" -w '%{http_code}' "${how[@]}" "$@" \
		"$BASE$path" 2>"$SCRATCH/curl.err") || rc=$?
	[ "$rc" -eq 0 ] || STATUS=curl$rc
	BODY=$(cat "$BODY_FILE")
}

get() { req GET "$@"; }

# json METHOD PATH BODY [CURL-ARGS...]: send BODY as application/json.
json() {
	local method=$1 path=$2 body=$3

	shift 3
	req "$method" "$path" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

# form PATH URLENCODED-BODY: post a browser form as a logged-in browser would: with the session
# cookie (logging in as the suite's admin first when this file has no session) and the CSRF token.
form() {
	[ -s "$JAR" ] && [ -n "$CSRF" ] || session_login "$TEST_ADMIN" "$TEST_PASSWORD" >/dev/null
	AUTH=session req POST "$1" -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "$2${2:+&}csrf_token=$(urlenc "$CSRF")"
}

# raw_form PATH URLENCODED-BODY [CURL-ARGS...]: post a form with the session but no CSRF token
# added (the caller puts in what it wants).
raw_form() {
	local path=$1 body=$2

	shift 2
	AUTH=session req POST "$path" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" "$@"
}

# csrf_of_body: the csrf_token of the first form in the last body.
csrf_of_body() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$BODY_FILE" | head -n 1; }

# session_login USER PASSWORD: log in through the login page into this file's cookie jar (a new
# one) and set CSRF to the session's token. Returns non-zero when the login did not succeed.
session_login() {
	local t

	rm -f "$JAR"
	CSRF=""
	AUTH=session get /login
	t=$(csrf_of_body)
	AUTH=session req POST /login -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "username=$(urlenc "$1")&password=$(urlenc "$2")&csrf_token=$(urlenc "$t")"
	[ "$STATUS" = 303 ] || return 1
	AUTH=session get /settings
	CSRF=$(csrf_of_body)
	[ -n "$CSRF" ]
}

# urlenc TEXT: TEXT percent-encoded for a query string or a form.
urlenc() { printf '%s' "$1" | jq -sRr @uri; }

# header NAME: the value of the last response's header NAME (case-insensitive), without CR.
header() {
	awk -v want="$1" '
		{ sub(/\r$/, "") }
		{ i = index($0, ":"); if (i == 0) next }
		tolower(substr($0, 1, i - 1)) == tolower(want) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); last = v }
		END { if (last != "") print last }' "$HDR_FILE"
}

# jb [JQ-OPTIONS] FILTER: jq -r applied to the last body.
jb() { jq -r "$@" <"$BODY_FILE" 2>/dev/null; }

# burst PARALLEL OUT [BODYDIR]: GET every path read from stdin, PARALLEL at a time, in one curl
# that waits at most BURST_MAX_TIME seconds (default 30) for each. OUT gets one line per path, in
# the order the answers came: the status code when the whole response arrived, else "curlN" with
# curl's exit code N (a 200 whose body broke off is a failure too). With BODYDIR, the body of the
# Nth path is kept in BODYDIR/N. BURST_HEADER, when set, is one more header for every request.
burst() {
	local par=$1 out=$2 dir=${3:-} cfg i=0 p t0=$SECONDS

	cfg=$(mktemp "$SCRATCH/burst.XXXXXX")
	[ -n "$dir" ] && mkdir -p "$dir"
	while IFS= read -r p; do
		i=$((i + 1))
		[ "$i" -gt 1 ] && echo next
		printf 'url = "%s%s"\nmax-time = %s\n' "$BASE" "$p" "${BURST_MAX_TIME:-30}"
		[ "${AUTH:-token}" = token ] && printf 'header = "Authorization: Bearer %s"\n' "$ADMIN_TOKEN"
		[ -n "${BURST_HEADER:-}" ] && printf 'header = "%s"\n' "$BURST_HEADER"
		if [ -n "$dir" ]; then printf 'output = "%s/%d"\n' "$dir" "$i"; else echo 'output = "/dev/null"'; fi
		printf 'write-out = "%%{http_code} %%{exitcode} %%{time_total} %%{url}\\n"\n'
	done >"$cfg"
	curl --no-progress-meter -Z --parallel-immediate --parallel-max "$par" -K "$cfg" >"$cfg.out" 2>"$cfg.err" || true
	awk '{ print $2 == "0" ? $1 : "curl" $2 }' "$cfg.out" >"$out"
	if [ $((SECONDS - t0)) -ge 10 ]; then
		echo "# note: a burst of $i requests took $((SECONDS - t0)) s; slowest (status, curl exit, seconds):"
		sort -k3 -rn "$cfg.out" | head -n 3 | sed 's/^/#   /'
	fi
}

# post_many PARALLEL OUT: POST each stdin line "PATH<TAB>JSON" as application/json; OUT gets a
# line per request as burst writes them.
post_many() {
	local par=$1 out=$2 cfg i=0 path body

	cfg=$(mktemp "$SCRATCH/post.XXXXXX")
	while IFS=$'\t' read -r path body; do
		i=$((i + 1))
		printf '%s' "$body" >"$cfg.$i"
		[ "$i" -gt 1 ] && echo next
		printf 'url = "%s%s"\nmax-time = 30\nrequest = "POST"\n' "$BASE" "$path"
		printf 'header = "Content-Type: application/json"\ndata-binary = "@%s"\n' "$cfg.$i"
		printf 'header = "Authorization: Bearer %s"\n' "$ADMIN_TOKEN"
		printf 'output = "/dev/null"\nwrite-out = "%%{http_code} %%{exitcode}\\n"\n'
	done >"$cfg"
	curl --no-progress-meter -Z --parallel-immediate --parallel-max "$par" -K "$cfg" >"$cfg.out" 2>"$cfg.err" || true
	awk '{ print $2 == "0" ? $1 : "curl" $2 }' "$cfg.out" >"$out"
}

# statuses FILE: the status codes in FILE counted, such as "39x200 1x502" ("" for none).
statuses() { sort "$1" | uniq -c | awk '{ printf "%s%sx%s", sep, $1, $2; sep = " " } END { print "" }'; }

# ---- Assertions ----

_result() {
	local verdict=$1 desc=$2 n line

	shift 2
	echo "$verdict" >>"$RESULTS"
	n=$(wc -l <"$RESULTS")
	echo "$verdict $n - $desc"
	if [ "$verdict" != ok ]; then
		for line in "$@"; do printf '#   %s\n' "$line"; done
	fi
	[ "$verdict" = ok ]
}

# pass DESC / fail DESC [DETAIL...]: record one result; fail adds the last request for context.
pass() { _result ok "$1"; }
fail() {
	local desc=$1

	shift
	_result "not ok" "$desc" "$@" "last request: $LAST_REQ -> $STATUS" \
		"last body: $(head -c 400 "$BODY_FILE" | tr '\n\r' '  ')"
}

section() { printf '# %s (at %d s)\n' "$*" "$SECONDS"; }

# check DESC COMMAND...: ok when COMMAND succeeds.
check() {
	local desc=$1

	shift
	if "$@"; then pass "$desc"; else fail "$desc" "command failed: $*"; fi
}

assert_status() {
	if [ "$STATUS" = "$1" ]; then pass "$2"; else fail "$2" "expected status $1, got $STATUS"; fi
}

assert_eq() {
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "expected: $2" "got:      $1"; fi
}

assert_ne() {
	if [ "$1" != "$2" ]; then pass "$3"; else fail "$3" "expected anything but: $2"; fi
}

# assert_ge GOT MIN DESC: integer GOT is at least MIN.
assert_ge() {
	if [ "$1" -ge "$2" ] 2>/dev/null; then pass "$3"; else fail "$3" "expected at least $2, got $1"; fi
}

# assert_le GOT MAX DESC
assert_le() {
	if [ "$1" -le "$2" ] 2>/dev/null; then pass "$3"; else fail "$3" "expected at most $2, got $1"; fi
}

# assert_json FILTER DESC: jq -e FILTER holds for the last body (jq 1.6 -e succeeds on no input at
# all: an empty body fails here).
assert_json() {
	if [ -s "$BODY_FILE" ] && jq -e "$1" <"$BODY_FILE" >/dev/null 2>&1; then pass "$2"; else fail "$2" "jq -e '$1' does not hold"; fi
}

# assert_body_has TEXT DESC / assert_body_lacks TEXT DESC: fixed-string search in the last body.
assert_body_has() {
	if grep -qF -- "$1" "$BODY_FILE"; then pass "$2"; else fail "$2" "the body does not contain: $1"; fi
}
assert_body_lacks() {
	if grep -qF -- "$1" "$BODY_FILE"; then fail "$2" "the body contains: $1"; else pass "$2"; fi
}

# assert_header NAME ERE DESC: the last response has header NAME matching ERE.
assert_header() {
	local v

	v=$(header "$1")
	if [ -n "$v" ] && printf '%s' "$v" | grep -qE -- "$2"; then
		pass "$3"
	else
		fail "$3" "header $1 is '${v:-<absent>}', wanted /$2/"
	fi
}

# assert_error STATUS CODE DESC: a JSON error of this status and code, whose request_id is the
# response's X-Request-ID.
assert_error() {
	local rid

	rid=$(header X-Request-ID)
	if [ "$STATUS" = "$1" ] && [ -s "$BODY_FILE" ] && jq -e --arg c "$2" --arg rid "$rid" \
		'.error.code == $c and (.error.message | type == "string" and length > 0) and
		 .error.request_id == $rid and $rid != ""' <"$BODY_FILE" >/dev/null 2>&1; then
		pass "$3"
	else
		fail "$3" "expected status $1 and a JSON error with code $2 and request_id = X-Request-ID ($rid)"
	fi
}

# ---- Fixtures ----

# cluster_body NAME ENV TYPE [JQ-MERGE]: a valid cluster as JSON, optionally merged with more fields.
cluster_body() {
	local extra=${4:-'{}'}

	jq -cn --arg n "$1" --arg e "$2" --arg t "$3" \
		'{name: $n, api_url: ("https://api." + $n + ".example:6443"), environment: $e, type: $t} + ('"$extra"')'
}

# create_cluster JSON: POST it; sets CREATED_ID, and records a failure if it was not created.
create_cluster() {
	json POST /api/v1/clusters "$1"
	CREATED_ID=$(jb '.id // empty')
	if [ "$STATUS" != 201 ] || [ -z "$CREATED_ID" ]; then
		fail "setup: create cluster $(printf '%s' "$1" | jq -r .name)" "expected 201"
		return 1
	fi
}

# sql STATEMENT: run SQL on the stack's database (to play the part of the collectors, which are
# not part of this suite), printing the rows unaligned.
sql() {
	"$PGBIN/psql" -h "$(stack_pg_dir "$STACK_DIR")/sock" -U aiops -d aiops -v ON_ERROR_STOP=1 -qtAc "$1"
}

# data_changed moves the cluster data version on, as every writer of clusters does.
data_changed() {
	redis-cli -s "$STACK_DIR/redis/redis.sock" INCR aiops:ver:clusters >/dev/null
}

# set_status NAME STATUS [REASON]: what a health collector would record.
set_status() {
	sql "UPDATE clusters SET status = '$2', status_reason = '${3:-}' WHERE name = '$1'" >/dev/null &&
		data_changed
}

# ensure_load_clusters N: at least N clusters named load-NNNN with label suite=load exist.
ensure_load_clusters() {
	local want=$1 have

	have=$(sql "SELECT count(*) FROM clusters WHERE labels @> '{\"suite\":\"load\"}'")
	[ "$have" -ge "$want" ] && return 0
	jq -rn --argjson from "$have" --argjson to "$want" '
		range($from; $to) as $i | ("load-" + ("000" + ($i | tostring))[-4:]) as $n |
		"/api/v1/clusters\t" + ({name: $n, api_url: ("https://api." + $n + ".example:6443"),
			environment: ["production", "staging", "development", "lab"][$i % 4], type: "openshift",
			display_name: ("Load test cluster " + ($i | tostring)), region: ("region-" + ($i % 7 | tostring)),
			labels: {suite: "load", shard: ("s" + ($i % 5 | tostring))}, has_gpu: ($i % 3 == 0)} | tojson)' |
		post_many 8 "$SCRATCH/load.status"
	if [ "$(statuses "$SCRATCH/load.status")" != "$((want - have))x201" ]; then
		fail "setup: create $want load clusters" "statuses: $(statuses "$SCRATCH/load.status")"
		return 1
	fi
}

# ---- Processes, metrics, logs ----

master_pid() { cat "$STACK_DIR/aiops-fcgi.pid" 2>/dev/null; }
worker_pids() { pgrep -P "$(master_pid)" | sort -n; }
configured_workers() { sed -n 's/^ *workers = //p' "$STACK_DIR/aiops.hdf"; }

# wait_for SECONDS COMMAND...: poll COMMAND every 0.05 s until it succeeds or time runs out.
wait_for() {
	local tries=$(($1 * 20))

	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	"$@"
}

# metric_sum FILE NAME [LABEL...]: the sum of NAME's samples in FILE having every LABEL (such as
# route="/health"); 0 when there is none.
metric_sum() {
	local file=$1 name=$2

	shift 2
	awk -v name="$name" '
		BEGIN { for (i = 2; i < ARGC; i++) w[++n] = ARGV[i]; ARGC = 2 }
		index($0, name "{") == 1 || index($0, name " ") == 1 {
			for (i = 1; i <= n; i++) if (index($0, w[i]) == 0) next
			s += $NF
		}
		END { printf "%d\n", s }' "$file" "$@"
}

# fetch_metrics FILE: GET /metrics into FILE; a failure is recorded (and FILE left empty).
fetch_metrics() {
	if ! curl -fsS --max-time 30 -o "$1" "$BASE/metrics" 2>"$SCRATCH/metrics.err" ||
		! grep -q '^aiops_workers ' "$1"; then
		: >"$1"
		# To stderr: callers may capture stdout in $(...).
		fail "GET /metrics for the numbers below" "$(cat "$SCRATCH/metrics.err")" >&2
	fi
}

# fleet_total: how many clusters the fleet summary counts; a failure is recorded.
fleet_total() {
	local n

	n=$(curl -fsS --max-time 30 -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/api/v1/fleet/summary" |
		jq -e .total 2>/dev/null)
	if [ -z "$n" ]; then
		fail "GET /api/v1/fleet/summary for the total" >&2
		echo "unknown"
		return 1
	fi
	echo "$n"
}

FCGI_LOG=$STACK_DIR/log/aiops-fcgi.log

# log_offset: the current size of the aiops-fcgi log, to read what comes after with log_since.
log_offset() { stat -c %s "$FCGI_LOG"; }
log_since() { tail -c +$(($1 + 1)) "$FCGI_LOG"; }

# requests_logged OFFSET PATH: request lines for PATH in the log after OFFSET.
requests_logged() {
	log_since "$1" | grep -F '"msg":"request"' | grep -cF "\"path\":\"$2\"" || true
}

# log_has FILTER: some line of the aiops-fcgi log satisfies the jq FILTER.
log_has() { jq -c "select($1)" "$FCGI_LOG" 2>/dev/null | grep -q .; }

# fcgi_connections: "QUEUED SERVING": connections from nginx waiting in aiops-fcgi's listen queue
# and connections a worker has accepted (the kernel lists both under the socket's path).
fcgi_connections() {
	awk -v p="$STACK_DIR/aiops.sock" '$8 == p && $6 == "02" { q++ } $8 == p && $6 == "03" { s++ }
		END { print q + 0, s + 0 }' /proc/net/unix
}
