#!/usr/bin/env bash
# run.sh BUILD_DIR [NAME...]: the integration tests. Starts a whole stack (PostgreSQL, Redis,
# aiops-fcgi from BUILD_DIR, nginx) in a temporary folder on a free port, applies the migrations,
# runs every test_*.sh here in order against it through nginx, and stops it all again, even on
# failure. Prints "ok N - ..." / "not ok N - ..." per assertion and ends with
# "integration: N passed, M failed"; exits non-zero when anything failed. When something failed,
# the stack's logs are kept in BUILD_DIR/integration-logs. With NAMEs, only the test files whose
# name contains one of them run (on the same fresh stack).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/integration
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR [NAME...]" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd)
shift
ONLY=("$@")
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
export ROOT BUILD PGBIN
export STACK_FAST=1
# Logins are limited to 10 a minute and the API to 50 a second per address in deploys; the suite
# makes more from one address, so its nginx allows more (test_95 still meets the login limit).
export AIOPS_LOGIN_RATE=120r/m AIOPS_API_RATE=5000r/s
# The trusted-proxy login is on, for 127.0.0.2 only (test_95 plays the proxy from there).
export AIOPS_PROXY_AUTH=1 AIOPS_TRUSTED_PROXY=127.0.0.2

missing=""
for tool in curl jq node openssl nginx redis-server redis-cli promtool pgrep "$PGBIN/pg_ctl" "$BUILD/fcgi/aiops-fcgi" \
	"$BUILD/ctl/aiopsctl"; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	echo "integration: missing:$missing" >&2
	echo "integration: 0 passed, 1 failed"
	exit 1
fi

# shellcheck source=tests/stack.sh
. "$ROOT/tests/stack.sh"

WORK=$(mktemp -d /tmp/aiops-it.XXXXXX)
chmod 755 "$WORK"
STACK_DIR=$WORK/stack
RESULTS=$WORK/results
OUT=$BUILD/integration-logs
: >"$RESULTS"

# quiet_port prints a free loopback port below the kernel's range for outgoing connections, so that
# no client socket of this busy machine holds it by the time nginx binds.
quiet_port() {
	local low p

	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	[ "$low" -gt 20000 ] || { stack_free_port; return; }
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % (low - 20000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
	done
	stack_free_port
}
export WORK STACK_DIR RESULTS
stopped=0

# stop_stack stops every server of the stack once, keeps its logs when anything failed and removes
# the temporary folder.
stop_stack() {
	local pg=""

	[ "$stopped" -eq 1 ] && return
	stopped=1
	[ -L "$STACK_DIR/pg" ] && pg=$(readlink "$STACK_DIR/pg")
	stack_stop "$STACK_DIR" >/dev/null 2>&1
	if grep -q '^not ok' "$RESULTS" 2>/dev/null; then
		rm -rf "$OUT"
		mkdir -p "$OUT"
		cp -r "$STACK_DIR/log/." "$OUT/" 2>/dev/null
		cp "$STACK_DIR/aiops.hdf" "$STACK_DIR/nginx/nginx.conf" "$STACK_DIR/nginx/aiops.conf" "$OUT/" 2>/dev/null
		echo "# the stack's logs are in $OUT"
	fi
	rm -rf "$WORK" ${pg:+"$pg"}
}
trap stop_stack EXIT
# On Ctrl-C or TERM, end the running test file (timeout passes the signal to its process group).
tpid=""
trap '[ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null; exit 130' INT TERM

# record VERDICT DESC: a result of the harness itself, numbered like the tests'.
record() {
	echo "$1" >>"$RESULTS"
	echo "$1 $(wc -l <"$RESULTS") - $2"
}

summary() {
	local passed failed

	passed=$(grep -cx 'ok' "$RESULTS")
	failed=$(grep -cx 'not ok' "$RESULTS")
	stop_stack
	echo "integration: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

started=$(date +%s)
rm -rf "$OUT"
mkdir -p "$STACK_DIR/log"
# Another program may take the port between the check and nginx's bind: then try another.
up=0
for _ in 1 2 3; do
	PORT=$(quiet_port)
	BASE=http://127.0.0.1:$PORT
	export PORT BASE
	# stack_start is content with anything answering on the port: make sure it is our nginx.
	if stack_start "$STACK_DIR" "$PORT" >"$WORK/start.log" 2>&1 && pid_alive "$STACK_DIR/nginx/nginx.pid"; then
		up=1
		break
	fi
	grep -q 'Address already in use' "$WORK/start.log" || break
done
echo "# stack in $STACK_DIR on port $PORT, binaries from $BUILD"
if [ "$up" -eq 0 ]; then
	record "not ok" "the stack starts"
	sed 's/^/#   /' "$WORK/start.log"
	summary
	exit 1
fi
if ! stack_ctl "$STACK_DIR" migrate --dir "$ROOT/sql" >"$WORK/migrate.log" 2>&1; then
	record "not ok" "the migrations apply"
	sed 's/^/#   /' "$WORK/migrate.log"
	summary
	exit 1
fi
# The suite acts as an admin: by API token, and in a browser session where a test posts forms.
TEST_ADMIN=itadmin
TEST_PASSWORD="integration pass phrase $RANDOM"
if ! printf '%s\n' "$TEST_PASSWORD" | stack_ctl "$STACK_DIR" user add "$TEST_ADMIN" --role admin --password-stdin \
	>"$WORK/admin.log" 2>&1 ||
	! ADMIN_TOKEN=$(stack_ctl "$STACK_DIR" token create --user "$TEST_ADMIN" --name integration 2>>"$WORK/admin.log"); then
	record "not ok" "the suite's admin and its token are made with aiopsctl"
	sed 's/^/#   /' "$WORK/admin.log"
	summary
	exit 1
fi
export TEST_ADMIN TEST_PASSWORD ADMIN_TOKEN

# wanted NAME: whether test file NAME is selected.
wanted() {
	local o

	[ ${#ONLY[@]} -eq 0 ] && return 0
	for o in "${ONLY[@]}"; do
		case $1 in *"$o"*) return 0 ;; esac
	done
	return 1
}

for t in "$HERE"/test_*.sh; do
	name=$(basename "$t")
	wanted "$name" || continue
	echo "# ---- $name"
	if ! bash -n "$t" 2>"$WORK/syntax.err"; then
		record "not ok" "$name parses"
		sed 's/^/#   /' "$WORK/syntax.err"
		continue
	fi
	# Each file runs in its own shell with the helpers, under a time limit; background requests
	# it leaves behind die with it (timeout signals its whole process group).
	timeout -k 5 100 bash -u -c '. "$1"; . "$2"; touch "$WORK/finished"' _ "$HERE/lib.sh" "$t" &
	tpid=$!
	rc=0
	wait "$tpid" || rc=$?
	tpid=""
	if [ -f "$WORK/finished" ]; then
		rm -f "$WORK/finished"
	elif [ "$rc" -eq 124 ]; then
		record "not ok" "$name finishes within 100 seconds"
	else
		record "not ok" "$name runs to its end (it stopped with status $rc)"
	fi
done

# What the servers said while the tests ran: the workers must not have hit a memory error (the
# sanitizer build reports them here), and the master, stopped now, leaks nothing at exit.
stack_stop_fcgi "$STACK_DIR"
stack_stop_fcgi_slow "$STACK_DIR"
for log in aiops-fcgi.log aiops-fcgi-slow.log; do
	if grep -nE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined)' \
		"$STACK_DIR/log/$log" >"$WORK/san.txt"; then
		record "not ok" "no sanitizer reports in $log"
		head -n 20 "$WORK/san.txt" | sed 's/^/#   /'
	else
		record ok "no sanitizer reports in $log"
	fi
	if bad=$(grep -vn '^{.*}$' "$STACK_DIR/log/$log" | head -n 5) && [ -n "$bad" ] ||
		! jq . "$STACK_DIR/log/$log" >/dev/null 2>&1; then
		record "not ok" "every line $log holds is one JSON object"
		printf '%s\n' "$bad" | sed 's/^/#   /'
	else
		record ok "every line $log holds is one JSON object"
	fi
done
echo "# took $(($(date +%s) - started)) s"
summary
