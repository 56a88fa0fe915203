# bench/common.sh: what the page benchmarks (bench/pages, bench/alerts) share: their own stack in a
# temporary folder on a free loopback port (stopped on exit), an admin with an API token and a
# logged-in browser session, and wrk figures of URLs with their cache counts.
#
# The sourcing script sets BENCH (its name, for messages) and may set BENCH_SECONDS (8),
# BENCH_WARMUP (2), BENCH_THREADS (2), BENCH_CONNECTIONS (16), AIOPS_WORKERS (2) and PGBIN.
# It then calls bench_start BUILD and bench_login, fills URL[NAME] (and HDR[NAME], a header;
# ROUTE[NAME], the route-table row, for the application's own time), and calls measure.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SECONDS_PER=${BENCH_SECONDS:-8}
WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-16}
export ROOT PGBIN

die() {
	echo "bench/$BENCH: $*" >&2
	exit 1
}

declare -A URL SIZE HDR ROUTE ROUTE_METHOD RPS P99 HITS MISSES APPMS
ORDER=()

# bench_start BUILD starts the stack with the cache on, per-request logs off, PostgreSQL without
# fsync and the deploy's rate limits lifted, and applies the migrations. Sets BUILD, DIR, PORT,
# BASE and PGSOCK.
bench_start() {
	BUILD=$(cd "${1:-$ROOT/build}" && pwd)
	export BUILD
	command -v wrk >/dev/null || die "wrk is not installed (Debian package wrk)"
	command -v curl >/dev/null || die "curl is not installed"
	[ -x "$BUILD/fcgi/aiops-fcgi" ] || die "no $BUILD/fcgi/aiops-fcgi; build first or pass the build folder"
	[ -x "$BUILD/ctl/aiopsctl" ] || die "no $BUILD/ctl/aiopsctl"
	# shellcheck source=../tests/stack.sh
	. "$ROOT/tests/stack.sh"
	DIR=$(mktemp -d "/tmp/aiops-bench-$BENCH.XXXXXX")
	chmod 755 "$DIR" # PostgreSQL runs as postgres and keeps its files under DIR/pg
	PORT=$(stack_free_port) || die "no free port"
	BASE="http://127.0.0.1:$PORT"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	# Per-request info lines would cost more than some of the requests measured here.
	export AIOPS_WORKERS=${AIOPS_WORKERS:-2}
	export AIOPS_LOG_LEVEL=warn
	export AIOPS_CACHE=1
	export STACK_FAST=1
	# The deploy's rate limits would turn most of a benchmark's requests into 429s.
	export AIOPS_API_RATE=1000000r/s AIOPS_LOGIN_RATE=6000r/m
	echo "bench/$BENCH: stack in $DIR on port $PORT; $AIOPS_WORKERS workers, log level $AIOPS_LOG_LEVEL" \
		"(per-request log lines off), PostgreSQL with fsync off"
	stack_start "$DIR" "$PORT" || die "the stack did not start; logs in $DIR/log"
	stack_ctl "$DIR" migrate --dir "$ROOT/sql" >/dev/null || die "migrations failed"
	PGSOCK="$(stack_pg_dir "$DIR")/sock"
}

bench_cleanup() {
	local pg=""
	[ -L "$DIR/pg" ] && pg=$(readlink "$DIR/pg")
	stack_stop "$DIR" >/dev/null 2>&1 || true
	rm -rf "$DIR"
	[ -n "$pg" ] && rm -rf "$pg"
	return 0
}

# psql_ SQL runs SQL as the application's role and prints the rows unaligned.
psql_() { "$PGBIN/psql" -h "$PGSOCK" -U aiops -d aiops -qtAc "$1"; }

# bench_login makes an admin "bench" and sets AUTHZ (an API token's header, as a program asks)
# and COOKIE (a logged-in session's, as a browser asks).
bench_login() {
	local pass="bench pass phrase $RANDOM$RANDOM" lcsrf code sid token
	printf '%s\n' "$pass" | stack_ctl "$DIR" user add bench --role admin --password-stdin >/dev/null ||
		die "aiopsctl user add failed"
	token=$(stack_ctl "$DIR" token create --user bench --name bench) || die "aiopsctl token create failed"
	AUTHZ="Authorization: Bearer $token"
	curl -sS -c "$DIR/jar" -o "$DIR/login.html" "$BASE/login" || die "GET /login failed"
	lcsrf=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$DIR/login.html" | head -n 1)
	code=$(curl -sS -b "$DIR/jar" -c "$DIR/jar" -o /dev/null -w '%{http_code}' \
		--data-urlencode username=bench --data-urlencode "password=$pass" --data-urlencode "csrf_token=$lcsrf" "$BASE/login")
	[ "$code" = 303 ] || die "logging in answered $code"
	sid=$(awk '$6 == "aiops_session" { print $7 }' "$DIR/jar")
	[ -n "$sid" ] || die "no session cookie after logging in"
	COOKIE="Cookie: aiops_session=$sid"
}

# hdr NAME: curl's and wrk's arguments for the URL's header, if it has one.
hdr() { [ -n "${HDR[$1]:-}" ] && printf '%s\n' -H "${HDR[$1]}"; }

fetch() { # fetch NAME FILE: GET the URL into FILE; dies unless 200
	local code h=()
	mapfile -t h < <(hdr "$1")
	code=$(curl -sS -o "$2" -w '%{http_code}' "${h[@]}" "$BASE${URL[$1]}")
	[ "$code" = 200 ] || die "GET ${URL[$1]} answered $code"
}

# bench_static NAME FILE TYPE...: nginx serves each FILE (a copy is taken) as a static file at
# URL[NAME]=/bench/NAME with Content-Type TYPE, the anchor for a page of the same bytes; each is
# checked to come back byte for byte, and SIZE[NAME] is set.
bench_static() {
	local conf="$DIR/nginx/aiops.conf" names=() name file
	mkdir -p "$DIR/static"
	: >"$DIR/static/locations"
	while [ $# -ge 3 ]; do
		name=$1 file="$DIR/static/$1"
		cp "$2" "$file"
		URL[$name]="/bench/$name"
		SIZE[$name]=$(stat -c %s "$file")
		printf '\tlocation = %s {\n\t\talias %s;\n\t\tdefault_type %s;\n\t}\n' "${URL[$name]}" "$file" "$3" \
			>>"$DIR/static/locations"
		names+=("$name")
		shift 3
	done
	awk -v locs="$DIR/static/locations" '
		{ lines[NR] = $0 }
		END {
			for (i = NR; i > 0 && lines[i] !~ /^}/; i--);
			for (j = 1; j < i; j++) print lines[j]
			while ((getline l < locs) > 0) print l
			for (j = i; j <= NR; j++) print lines[j]
		}' "$conf" >"$conf.new"
	mv "$conf.new" "$conf"
	nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/log/nginx-error.log" -t >/dev/null 2>&1 ||
		die "nginx refuses the static locations: $(nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -t 2>&1 | tail -2)"
	nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/log/nginx-error.log" -s reload
	for name in "${names[@]}"; do
		for _ in $(seq 1 100); do
			curl -fsS -o /dev/null "$BASE${URL[$name]}" 2>/dev/null && break
			sleep 0.05
		done
		fetch "$name" "$DIR/$name.out"
		cmp -s "$DIR/$name.out" "$DIR/static/$name" || die "nginx does not serve the file of $name"
	done
}

# metric NAME prints a sample of aiops-fcgi's /metrics, the name with its labels (0 when absent).
metric() {
	curl -fsS "$BASE/metrics" | awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }'
}

# app_time NAME prints "seconds count" of aiops-fcgi's duration histogram for ROUTE[NAME].
app_time() {
	local r=${ROUTE[$1]:-} m=${ROUTE_METHOD[$1]:-GET}
	if [ -z "$r" ]; then
		echo "0 0"
		return
	fi
	echo "$(metric "aiops_http_request_duration_seconds_sum{route=\"$r\",method=\"$m\"}")" \
		"$(metric "aiops_http_request_duration_seconds_count{route=\"$r\",method=\"$m\"}")"
}

# to_ms converts a wrk duration (12.3us, 4.56ms, 1.2s, 1.1m) to milliseconds.
to_ms() {
	awk -v d="$1" 'BEGIN {
		n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		else if (u != "ms") { print "bad"; exit }
		printf "%.3f", n }'
}

# measure KEY NAME [WRK ARGS...]: warm up, then run wrk on URL[NAME] and keep requests/s, p99 and
# cache counts under KEY. WRK ARGS go after the URL in both runs (-s SCRIPT -- SCRIPT ARGS).
measure() {
	local key=$1 name=$2 out="$DIR/wrk-$1.txt" h0 m0 t0 t1 p99 rps h=()
	shift 2
	mapfile -t h < <(hdr "$name")
	wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "${h[@]}" "$BASE${URL[$name]}" "$@" >/dev/null
	h0=$(metric aiops_cache_hits_total)
	m0=$(metric aiops_cache_misses_total)
	t0=$(app_time "$name")
	wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_PER}s" --latency "${h[@]}" "$BASE${URL[$name]}" "$@" >"$out"
	HITS[$key]=$(($(metric aiops_cache_hits_total) - h0))
	MISSES[$key]=$(($(metric aiops_cache_misses_total) - m0))
	t1=$(app_time "$name")
	APPMS[$key]=$(echo "$t0 $t1" | awk '{ n = $4 - $2; if (n > 0) printf "%.3f", 1000 * ($3 - $1) / n; else print "-" }')
	if grep -q 'Socket errors' "$out"; then
		cat "$out" >&2
		die "$key: wrk saw socket errors"
	fi
	if grep -q 'Non-2xx or 3xx' "$out"; then
		cat "$out" >&2
		die "$key: wrk saw error responses"
	fi
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	p99=$(awk '$1 == "99%" { print $2 }' "$out")
	if [ -z "$rps" ] || [ -z "$p99" ]; then
		cat "$out" >&2
		die "$key: cannot read the wrk output"
	fi
	RPS[$key]=$rps
	P99[$key]=$(to_ms "$p99")
	[ "${P99[$key]}" != bad ] || die "$key: unknown latency unit in $p99"
	ORDER+=("$key")
	printf '  measured %-24s %10.0f req/s\n' "$key" "$rps"
}

# check_bytes KEY NAME: wrk's bytes read per request must match a 200 of SIZE[NAME] bytes (give or
# take SLACK, a fraction, for pages whose size moves with the data: BENCH_BYTES_SLACK, 0.01), so
# that no 3xx (which wrk counts as success) or short answer hides in the figure.
check_bytes() {
	local key=$1 name=$2 out="$DIR/wrk-$1.txt"
	awk -v body="${SIZE[$name]}" -v key="$key" -v slack="${BENCH_BYTES_SLACK:-0.01}" '
		/requests in/ {
			n = $1; r = $5; v = r + 0; u = r; sub(/^[0-9.]+/, "", u)
			m = u == "KB" ? 1024 : u == "MB" ? 1048576 : u == "GB" ? 1073741824 : 1
			per = v * m / n
		}
		END {
			# Headers add 0.4 to 1 KB to every answer; rounding of wrk figures up to 1%.
			if (per < body * (1 - slack) || per > body * (1 + slack) + 1100) {
				printf "%s: %.0f bytes per response, expected a %d-byte body\n", key, per, body
				exit 1
			}
		}' "$out" || die "$key: responses are not the expected 200s"
}

# worker_rss prints "pid:kB" for each worker of the running master.
worker_rss() {
	local master pid
	master=$(cat "$DIR/aiops-fcgi.pid")
	for pid in $(pgrep -P "$master"); do
		printf '%s:%s ' "$pid" "$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")"
	done
}

# hit_pct KEY prints the share of KEY's requests served from the cache, or - when none looked.
hit_pct() {
	if [ $((HITS[$1] + MISSES[$1])) -gt 0 ]; then
		awk -v a="${HITS[$1]}" -v b="${MISSES[$1]}" 'BEGIN { printf "%.1f", 100 * a / (a + b) }'
	else
		echo -
	fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
