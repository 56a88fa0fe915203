# alerting.sh: the demo fleet's alerting, real and light: for two demo clusters, Debian's
# Prometheus evaluates rules that fire and resolve on a cycle (one critical, a few warnings, an
# always-firing Watchdog) and Debian's Alertmanager delivers them through nginx to the console's
# webhook with the cluster's ingest token. Sourced by ./dev (needs ROOT, RUN, PORT, PGBIN and the
# helpers of tests/stack.sh); their Prometheus servers scrape the jobs of metrics.sh's
# demo_scrape_configs.

# The clusters that get them, and the first of their ports: Alertmanager of cluster i at
# DEMO_ALERT_PORT + 2i, its Prometheus one above.
DEMO_ALERT_CLUSTERS="ocp-prod-east gke-inference-eu"
DEMO_ALERT_PORT="${AIOPS_ALERTING_PORT:-$((PORT + 10))}"

# demo_alerting_ports prints "name|port|variable|pidfile" rows for check_ports.
demo_alerting_ports() {
	local i=0 c
	for c in $DEMO_ALERT_CLUSTERS; do
		echo "Alertmanager of $c; AIOPS_PORT + $((10 + 2 * i)) unless set|$((DEMO_ALERT_PORT + 2 * i))|AIOPS_ALERTING_PORT|$RUN/alerting/$c/am.pid"
		echo "Prometheus of $c|$((DEMO_ALERT_PORT + 2 * i + 1))|AIOPS_ALERTING_PORT|$RUN/alerting/$c/prom.pid"
		i=$((i + 1))
	done
}

demo_alerting_stop() {
	local f
	for f in "$RUN"/alerting/*/prom.pid "$RUN"/alerting/*/am.pid; do
		[ -f "$f" ] || continue
		kill -TERM "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
}

# demo_rules CLUSTER OFFSET: alerting rules whose alerts come and go on cycles of a few minutes,
# shifted by OFFSET seconds so that the two clusters do not move in step.
demo_rules() {
	cat <<RULES
groups:
  - name: demo
    interval: 5s
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels: { severity: none }
        annotations: { summary: "Always firing: while it arrives, the alert pipeline works." }
      - alert: GPUTemperatureHigh
        expr: vector(1) and on() (vector((time() + $2) % 600) < 240)
        labels: { severity: critical, team: gpu-infra, Hostname: gpu-worker-01, gpu: "2", namespace: nvidia-gpu-operator }
        annotations:
          summary: "GPU 2 on gpu-worker-01 is at 91C"
          description: "DCGM_FI_DEV_GPU_TEMP has been above 85C for 5 minutes; the SM clock is being throttled."
          runbook_url: "https://runbooks.example.com/gpu/temperature-high"
      - alert: NodeMemoryPressure
        expr: vector(1) and on() (vector((time() + $2) % 420) >= 120)
        labels: { severity: warning, team: platform, node: worker-03 }
        annotations: { summary: "worker-03 has less than 10% memory available" }
      - alert: KubePodCrashLooping
        expr: vector(1) and on() (vector((time() + $2) % 300) < 150)
        labels: { severity: warning, team: ml-serving, namespace: inference, pod: triton-7f9c-abcde }
        annotations: { summary: "Pod inference/triton-7f9c-abcde is restarting 3 times every 5 minutes" }
      - alert: DiskFillingUp
        expr: vector(1) and on() (vector((time() + $2) % 900) < 600)
        labels: { severity: warning, team: platform, device: /dev/nvme0n1 }
        annotations: { summary: "/var/lib/containers on worker-05 will fill up within 24 hours" }
RULES
}

# demo_alerting_start: the servers, the clusters' ingest tokens and URLs. Prometheus starts after
# its Alertmanager, with a short resend delay, so the first alerts arrive within seconds.
demo_alerting_start() {
	local i=0 c d am prom token
	command -v prometheus >/dev/null && command -v prometheus-alertmanager >/dev/null || {
		echo "dev: no prometheus or prometheus-alertmanager; the demo runs without alerts" >&2
		return 0
	}
	demo_alerting_stop
	for c in $DEMO_ALERT_CLUSTERS; do
		d=$RUN/alerting/$c
		am=$((DEMO_ALERT_PORT + 2 * i))
		prom=$((am + 1))
		mkdir -p "$d/am-data" "$d/prom-data"
		token=$(stack_ctl "$RUN" cluster ingest-token "$c" | tail -n 1) || return 1
		printf '%s' "$token" >"$d/token"
		chmod 600 "$d/token"
		cat >"$d/alertmanager.yml" <<CONF
route:
  receiver: aiops
  group_by: [alertname]
  group_wait: 5s
  group_interval: 10s
  repeat_interval: 1h
  routes:
    # The dead-man's switch: repeated often, well within alerts.watchdog_seconds.
    - matchers: [ alertname = Watchdog ]
      receiver: aiops
      repeat_interval: 1m
receivers:
  - name: aiops
    webhook_configs:
      - url: http://127.0.0.1:$PORT/api/v1/alerts/webhook/$c
        send_resolved: true
        http_config:
          authorization:
            credentials_file: $d/token
CONF
		demo_rules "$c" $((i * 137)) >"$d/rules.yml"
		cat >"$d/prometheus.yml" <<CONF
global:
  evaluation_interval: 5s
  scrape_interval: 15s
  external_labels: { cluster: $c }
rule_files: [ $d/rules.yml ]
alerting:
  alertmanagers:
    - static_configs:
        - targets: [ "127.0.0.1:$am" ]
$(demo_scrape_configs "$prom")
CONF
		setsid prometheus-alertmanager --config.file="$d/alertmanager.yml" --storage.path="$d/am-data" \
			--web.listen-address="127.0.0.1:$am" --cluster.listen-address= --log.level=warn \
			>>"$RUN/log/alertmanager-$c.log" 2>&1 </dev/null &
		echo $! >"$d/am.pid"
		for _ in $(seq 1 100); do
			curl -fsS -o /dev/null "http://127.0.0.1:$am/-/ready" 2>/dev/null && break
			sleep 0.1
		done
		setsid prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/prom-data" \
			--storage.tsdb.retention.time=6h --web.listen-address="127.0.0.1:$prom" \
			--rules.alert.resend-delay=5s --log.level=warn >>"$RUN/log/prometheus-$c.log" 2>&1 </dev/null &
		echo $! >"$d/prom.pid"
		# The register points the cluster at them: the health checks and the metrics use them.
		"$PGBIN/psql" -h "$(stack_pg_dir "$RUN")/sock" -U aiops -d aiops -qc \
			"UPDATE clusters SET prometheus_url = 'http://127.0.0.1:$prom', alertmanager_url = 'http://127.0.0.1:$am' WHERE name = '$c'" ||
			return 1
		i=$((i + 1))
	done
	redis-cli -s "$RUN/redis/redis.sock" INCR aiops:ver:clusters >/dev/null 2>&1 || true
}
