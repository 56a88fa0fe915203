#!/usr/bin/env bash
# run.sh BUILD_DIR: the browser end-to-end test. Starts its own stack (PostgreSQL, Redis,
# aiops-fcgi, nginx) in a temporary folder on a free port, applies the migrations, drives Debian's
# Chromium through the pages with e2e.js, and stops the stack on exit, pass or fail.
# Screenshots land in tests/e2e/out/. Prints "e2e: N passed, N failed"; non-zero exit on failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }

fail() { echo "e2e: $*" >&2; echo "e2e: 0 passed, 1 failed"; exit 1; }

BUILD=$(cd "$1" 2>/dev/null && pwd) || fail "no build folder $1"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export ROOT BUILD PGBIN CHROMIUM

[ -n "$PGBIN" ] || fail "PostgreSQL server binaries not found under /usr/lib/postgresql"
[ -x "$CHROMIUM" ] || fail "no Chromium at $CHROMIUM (Debian package chromium)"
if [ ! -x "$BUILD/fcgi/aiops-fcgi" ] || [ ! -x "$BUILD/ctl/aiopsctl" ]; then fail "build $BUILD first"; fi
command -v node >/dev/null || fail "node is missing (Debian package nodejs)"
# playwright-core 1.61 (package.json) runs on Node 18, Debian 12's own, and newer.
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
	fail "node $(node --version) is too old: the browser tests need Node 18 or newer"

# playwright-core as locked (package-lock.json); it never downloads a browser, and we use Debian's.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Installed again when the lock changed, or when what is installed is not the locked version.
locked() {
	(cd "$HERE" && node -e 'const l = require("./package-lock.json").packages["node_modules/playwright-core"];
		let v = ""; try { v = require("./node_modules/playwright-core/package.json").version; } catch (e) {}
		process.exit(l && v === l.version ? 0 : 1)')
}
if ! locked || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
	(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed"
fi

# shellcheck source=../stack.sh
. "$ROOT/tests/stack.sh"

DIR=$(mktemp -d /tmp/aiops-e2e.XXXXXX)
# PostgreSQL runs as postgres, which must reach DIR/pg.
chmod 755 "$DIR"
PORT=$(stack_free_port) || fail "no free port"

cleanup() {
	local rc=$?
	[ -f "$DIR/am/pid" ] && kill "$(cat "$DIR/am/pid")" 2>/dev/null || true
	for f in "$DIR"/metrics/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
	stack_stop "$DIR" || true
	if [ -L "$DIR/pg" ]; then rm -rf "$(readlink "$DIR/pg")"; fi
	rm -rf "$DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export STACK_FAST=1 AIOPS_WORKERS=2
if ! stack_start "$DIR" "$PORT" >"$DIR/start.log" 2>&1; then
	cat "$DIR/start.log" >&2
	tail -n 20 "$DIR"/log/*.log >&2 2>/dev/null || true
	fail "the stack did not start"
fi
stack_ctl "$DIR" migrate --dir "$ROOT/sql" >/dev/null || fail "migrations failed"
# The first admin, as ./dev up makes it: a one-time password to change at the first login.
AIOPS_E2E_OTP=$(stack_ctl "$DIR" user add admin --role admin) || fail "aiopsctl user add failed"
export AIOPS_E2E_OTP

# A fake Kubernetes API server for the live step: the collector polls it, the page follows.
FAKE_PORT=$(stack_free_port) || fail "no free port"
"$BUILD/tests/fakes/fake-kube" --port "$FAKE_PORT" >"$DIR/fake.out" 2>"$DIR/log/fake-kube.log" &
for _ in $(seq 1 100); do
	grep -q listening "$DIR/fake.out" 2>/dev/null && break
	sleep 0.05
done
if ! grep -q listening "$DIR/fake.out"; then
	stack_failed fake-kube "$DIR/log/fake-kube.log"
	fail "fake-kube did not start on port $FAKE_PORT"
fi
export AIOPS_E2E_FAKE="http://127.0.0.1:$FAKE_PORT"

# A real Alertmanager (Debian's) for the silence step: alerts are posted to it, the collector
# reconciles them in, and a silence made on an alert's page lands in it. It delivers nowhere.
AM_PORT=$(stack_free_port) || fail "no free port"
mkdir -p "$DIR/am"
printf 'route:\n  receiver: none\nreceivers:\n  - name: none\n' >"$DIR/am/alertmanager.yml"
prometheus-alertmanager --config.file="$DIR/am/alertmanager.yml" --storage.path="$DIR/am" \
	--web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= --log.level=warn \
	>"$DIR/log/alertmanager.log" 2>&1 &
echo $! >"$DIR/am/pid"
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null "http://127.0.0.1:$AM_PORT/-/ready" 2>/dev/null && break
	sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$AM_PORT/-/ready" || fail "Alertmanager did not start on port $AM_PORT"
export AIOPS_E2E_AM="http://127.0.0.1:$AM_PORT"

# Metrics for the explorer's steps: two real Prometheus servers (Debian's), each scraping itself
# and a node exporter every second, so the charts draw real PromQL over moving data; fake-prom
# (tests/fakes) plays a cluster that answers too late and one whose Prometheus refuses the query.
M=$DIR/metrics
mkdir -p "$M"
NODE_PORT=$(stack_free_port) || fail "no free port"
(cd / && exec prometheus-node-exporter --web.listen-address="127.0.0.1:$NODE_PORT" --collector.disable-defaults \
	--collector.cpu --collector.meminfo --log.level=warn) >"$DIR/log/node-exporter.log" 2>&1 &
echo $! >"$M/node-exporter.pid"
for which in A B; do
	port=$(stack_free_port) || fail "no free port"
	mkdir -p "$M/prom-$which"
	cat >"$M/prom-$which/prometheus.yml" <<CONF
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: prometheus
    static_configs: [ { targets: [ "127.0.0.1:$port" ] } ]
  - job_name: node
    static_configs: [ { targets: [ "127.0.0.1:$NODE_PORT" ] } ]
CONF
	prometheus --config.file="$M/prom-$which/prometheus.yml" --storage.tsdb.path="$M/prom-$which/data" \
		--web.listen-address="127.0.0.1:$port" --log.level=warn >"$DIR/log/prometheus-$which.log" 2>&1 &
	echo $! >"$M/prometheus-$which.pid"
	export "AIOPS_E2E_PROM_$which=http://127.0.0.1:$port"
done
"$BUILD/tests/fakes/fake-prom" --port 0 --quiet >"$M/fake-prom.out" 2>"$DIR/log/fake-prom.log" &
echo $! >"$M/fake-prom.pid"
for _ in $(seq 1 100); do
	grep -q listening "$M/fake-prom.out" 2>/dev/null && break
	sleep 0.05
done
FAKE_PROM_PORT=$(sed -n 's/.*listening on \([0-9]*\).*/\1/p' "$M/fake-prom.out")
[ -n "$FAKE_PROM_PORT" ] || fail "fake-prom did not start"
export AIOPS_E2E_FAKE_PROM="http://127.0.0.1:$FAKE_PROM_PORT"
for which in A B; do
	v=AIOPS_E2E_PROM_$which
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "${!v}/-/ready" 2>/dev/null && break
		sleep 0.1
	done
	curl -fsS -o /dev/null "${!v}/-/ready" || fail "Prometheus $which did not start (see $DIR/log/prometheus-$which.log)"
done
export AIOPS_E2E_COLLECT="$BUILD/collectors/aiops-collect" AIOPS_E2E_CONFIG="$DIR/aiops.hdf" AIOPS_E2E_DIR="$DIR"

mkdir -p "$HERE/out"
rm -f "$HERE"/out/*.png
status=0
(cd "$HERE" && node e2e.js "http://127.0.0.1:$PORT" "$HERE/out" "$DIR/chromium-profile") || status=$?
if [ "$status" -ne 0 ]; then
	echo "--- aiops-fcgi log (last lines)" >&2
	tail -n 20 "$DIR/log/aiops-fcgi.log" >&2 2>/dev/null || true
fi
exit "$status"
