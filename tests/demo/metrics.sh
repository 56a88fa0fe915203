# metrics.sh: the demo fleet's metrics, real and light: Debian's node exporter runs here as an
# unprivileged user, and every demo Prometheus (the two of alerting.sh, and one for each other GPU
# cluster) scrapes itself, the node exporter and the console's own /metrics through nginx every
# 15 s, keeping 6 hours. The other demo clusters have no Prometheus: the metrics pages show them as
# "skipped: no Prometheus URL", which is a real case too. Sourced by ./dev (needs ROOT, RUN, PORT,
# PGBIN and the helpers of tests/stack.sh), beside alerting.sh, whose Prometheus configuration
# takes its scrape jobs from demo_scrape_configs.

# The GPU clusters of tests/fakes/demo.json (gpu_nodes > 0) that alerting.sh gives no Prometheus.
DEMO_METRICS_CLUSTERS="ocp-prod-west ocp-staging dev-ml-sandbox"
# The node exporter listens on DEMO_METRICS_PORT, the Prometheus of the cluster i of
# DEMO_METRICS_CLUSTERS on DEMO_METRICS_PORT + 1 + i.
DEMO_METRICS_PORT="${AIOPS_METRICS_PORT:-$((PORT + 14))}"

# demo_metrics_ports prints "name|port|variable|pidfile" rows for check_ports.
demo_metrics_ports() {
	local i=1 c
	echo "node exporter; AIOPS_PORT + 14 unless set|$DEMO_METRICS_PORT|AIOPS_METRICS_PORT|$RUN/metrics/node-exporter.pid"
	for c in $DEMO_METRICS_CLUSTERS; do
		echo "Prometheus of $c; AIOPS_PORT + $((14 + i)) unless set|$((DEMO_METRICS_PORT + i))|AIOPS_METRICS_PORT|$RUN/metrics/$c/prom.pid"
		i=$((i + 1))
	done
}

demo_metrics_stop() {
	local f
	for f in "$RUN"/metrics/*/prom.pid "$RUN/metrics/node-exporter.pid"; do
		[ -f "$f" ] || continue
		kill -TERM "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
}

# demo_scrape_configs PROMETHEUS-PORT: the scrape jobs of a demo Prometheus listening on that port
# (YAML, the scrape_configs key included): itself, the node exporter and the console's /metrics,
# which nginx serves without a token.
demo_scrape_configs() {
	cat <<CONF
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: [ "127.0.0.1:$1" ]
  - job_name: node
    static_configs:
      - targets: [ "127.0.0.1:$DEMO_METRICS_PORT" ]
  - job_name: aiops
    metrics_path: /metrics
    static_configs:
      - targets: [ "127.0.0.1:$PORT" ]
CONF
}

# demo_unprivileged: the command prefix that runs a server as an unprivileged user when we are
# root (prometheus, the Debian package's user, or nobody), in the array DEMO_AS_USER.
demo_unprivileged() {
	local user=prometheus
	DEMO_AS_USER=()
	[ "$(id -u)" -eq 0 ] || return 0
	id -u "$user" >/dev/null 2>&1 || user=nobody
	DEMO_AS_USER=(setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" --clear-groups --)
}

# demo_node_exporter_start: the node exporter, with the collectors the charts use and a few more.
demo_node_exporter_start() {
	local d=$RUN/metrics
	command -v prometheus-node-exporter >/dev/null || {
		echo "dev: no prometheus-node-exporter; the demo's Prometheus servers scrape only themselves and the console" >&2
		return 0
	}
	demo_unprivileged
	# Started from / so that the unprivileged user need not reach the checkout.
	(cd / && exec setsid "${DEMO_AS_USER[@]}" prometheus-node-exporter --web.listen-address="127.0.0.1:$DEMO_METRICS_PORT" \
		--collector.disable-defaults --collector.cpu --collector.meminfo --collector.loadavg \
		--collector.filesystem --collector.netdev --collector.stat \
		--collector.vmstat --collector.uname --collector.time --log.level=warn \
		>>"$RUN/log/node-exporter.log" 2>&1 </dev/null) &
	echo $! >"$d/node-exporter.pid"
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$DEMO_METRICS_PORT/metrics" 2>/dev/null && return 0
		pid_alive "$d/node-exporter.pid" || break
		sleep 0.1
	done
	stack_failed "the node exporter (port $DEMO_METRICS_PORT)" "$RUN/log/node-exporter.log"
	return 1
}

# demo_metrics_start: the node exporter, then a Prometheus for each of DEMO_METRICS_CLUSTERS,
# which the register points the cluster at (the Prometheus servers of alerting.sh scrape the same
# jobs).
demo_metrics_start() {
	local i=1 c d prom
	demo_metrics_stop
	mkdir -p "$RUN/metrics" "$RUN/log"
	demo_node_exporter_start || return 1
	command -v prometheus >/dev/null || {
		echo "dev: no prometheus; the demo runs without metrics" >&2
		return 0
	}
	for c in $DEMO_METRICS_CLUSTERS; do
		d=$RUN/metrics/$c
		prom=$((DEMO_METRICS_PORT + i))
		mkdir -p "$d/prom-data"
		cat >"$d/prometheus.yml" <<CONF
global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels: { cluster: $c }
$(demo_scrape_configs "$prom")
CONF
		setsid prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/prom-data" \
			--storage.tsdb.retention.time=6h --web.listen-address="127.0.0.1:$prom" --log.level=warn \
			>>"$RUN/log/prometheus-$c.log" 2>&1 </dev/null &
		echo $! >"$d/prom.pid"
		"$PGBIN/psql" -h "$(stack_pg_dir "$RUN")/sock" -U aiops -d aiops -qc \
			"UPDATE clusters SET prometheus_url = 'http://127.0.0.1:$prom' WHERE name = '$c'" || return 1
		i=$((i + 1))
	done
	redis-cli -s "$RUN/redis/redis.sock" INCR aiops:ver:clusters >/dev/null 2>&1 || true
}
