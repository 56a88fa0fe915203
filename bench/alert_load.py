#!/usr/bin/env python3
"""alert_load.py: the alerts of bench/alerts, sent as Alertmanager sends them (webhook version 4,
each cluster's ingest token as bearer credentials).

  alert_load.py fill BASE TOKENS STATE ACTIVE HISTORY
      Posts HISTORY resolved alerts of the last 30 days and ACTIVE firing alerts of the last 72
      hours (one Watchdog per cluster among them) over the clusters of TOKENS ("name token" per
      line), 100 a payload, and writes what fires to STATE (JSON).
  alert_load.py touch BASE TOKENS STATE
      Resolves one firing alert and fires another in its place: one change that moves the data
      version on after writes made behind the application's back.
  alert_load.py storm BASE TOKENS STATE RATE BATCH SECONDS OUT PROBE...
      For SECONDS, sends RATE alert changes a second, BATCH a payload (half resolve firing alerts,
      half fire new ones that started 30 s to 10 min ago, as Alertmanager delivers them after
      group_wait), spread over the clusters. A few times a second one payload also fires a probe
      alert that started now, and a prober asks the PROBE URLs ("URL|Header: value", taken in
      turn) until the answer shows it: the lag between the webhook's 200 and the page. Writes
      figures to OUT (JSON).

The alerts are the kinds a Kubernetes or OpenShift fleet fires (kube-prometheus's rules and
NVIDIA DCGM's), with their labels and annotations; fingerprints are 16 hex digits of a hash of the
labels, as Alertmanager's."""
import hashlib
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

NAMESPACES = ["openshift-monitoring", "openshift-ingress", "openshift-etcd", "openshift-logging",
              "nvidia-gpu-operator", "payments", "checkout", "search", "ml-training", "ml-serving",
              "data-pipeline", "kafka", "postgres-operator", "cert-manager", "argocd", "istio-system",
              "frontend", "identity", "notifications", "reporting"]
APPS = ["api", "worker", "web", "scheduler", "consumer", "gateway", "indexer", "trainer", "exporter", "proxy"]
MODELS = ["NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "NVIDIA L40S"]
RUNBOOKS = "https://runbooks.prometheus-operator.dev/runbooks/"


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def suffix(n, k=5):
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    s = ""
    for _ in range(k):
        s += alphabet[n % len(alphabet)]
        n //= len(alphabet)
    return s


def kind_of(cluster, n, rnd):
    """The labels and annotations of the n-th alert of cluster: a pod, a node, a volume or a GPU."""
    ns = rnd.choice(NAMESPACES)
    app = rnd.choice(APPS)
    pod = "%s-%s-%s" % (app, suffix(n * 7 + 3, 9)[:9], suffix(n))
    node = "worker-%d.%s.example.com" % (rnd.randrange(1, 40), cluster)
    r = rnd.random()
    if r < 0.30:
        container = app
        labels = {"alertname": "KubePodCrashLooping", "severity": "warning", "namespace": ns, "pod": pod,
                  "container": container, "job": "kube-state-metrics", "service": "kube-state-metrics",
                  "endpoint": "https-main", "instance": "10.128.%d.%d:8443" % (n % 250, n // 250 % 250),
                  "reason": "CrashLoopBackOff", "uid": hashlib.md5(pod.encode()).hexdigest()}
        ann = {"summary": "Pod is crash looping.",
               "description": 'Pod %s/%s (%s) is in waiting state (reason: "CrashLoopBackOff").' % (ns, pod, container),
               "runbook_url": RUNBOOKS + "kubernetes/kubepodcrashlooping"}
    elif r < 0.45:
        labels = {"alertname": "KubePodNotReady", "severity": "warning", "namespace": ns, "pod": pod,
                  "job": "kube-state-metrics"}
        ann = {"summary": "Pod has been in a non-ready state for more than 15 minutes.",
               "description": "Pod %s/%s has been in a non-ready state for longer than 15 minutes." % (ns, pod),
               "runbook_url": RUNBOOKS + "kubernetes/kubepodnotready"}
    elif r < 0.58:
        labels = {"alertname": "CPUThrottlingHigh", "severity": "info", "namespace": ns, "pod": pod,
                  "container": app}
        ann = {"summary": "Processes experience elevated CPU throttling.",
               "description": "%d%% throttling of CPU in namespace %s for container %s in pod %s."
               % (rnd.randrange(26, 90), ns, app, pod),
               "runbook_url": RUNBOOKS + "kubernetes/cputhrottlinghigh"}
    elif r < 0.68:
        dep = "%s-%s" % (app, suffix(n, 6))
        labels = {"alertname": "KubeDeploymentReplicasMismatch", "severity": "warning", "namespace": ns,
                  "deployment": dep, "job": "kube-state-metrics"}
        ann = {"summary": "Deployment has not matched the expected number of replicas.",
               "description": "Deployment %s/%s has not matched the expected number of replicas for longer "
               "than 15 minutes." % (ns, dep),
               "runbook_url": RUNBOOKS + "kubernetes/kubedeploymentreplicasmismatch"}
    elif r < 0.76:
        job = "%s-backup-%d" % (app, 28900000 + n)
        labels = {"alertname": "KubeJobFailed", "severity": "warning", "namespace": ns, "job_name": job,
                  "job": "kube-state-metrics"}
        ann = {"summary": "Job failed to complete.",
               "description": "Job %s/%s failed to complete. Removing failed job after investigation should "
               "clear this alert." % (ns, job), "runbook_url": RUNBOOKS + "kubernetes/kubejobfailed"}
    elif r < 0.84:
        mount = rnd.choice(["/var", "/var/lib/containers", "/sysroot", "/var/log"]) + "/%d" % n
        pct = rnd.randrange(2, 15)
        labels = {"alertname": "NodeFilesystemSpaceFillingUp", "severity": "critical" if pct < 5 else "warning",
                  "namespace": "openshift-monitoring", "job": "node-exporter", "instance": node,
                  "device": "/dev/nvme0n1p4", "fstype": "xfs", "mountpoint": mount}
        ann = {"summary": "Filesystem is predicted to run out of space within the next 24 hours.",
               "description": "Filesystem on /dev/nvme0n1p4, mounted on %s, at %s has only %d%% available "
               "space left and is filling up." % (mount, node, pct),
               "runbook_url": RUNBOOKS + "node/nodefilesystemspacefillingup"}
    elif r < 0.90:
        pvc = "data-%s-%d" % (app, n)
        labels = {"alertname": "KubePersistentVolumeFillingUp", "severity": "critical", "namespace": ns,
                  "persistentvolumeclaim": pvc, "job": "kubelet", "metrics_path": "/metrics",
                  "service": "kubelet"}
        ann = {"summary": "PersistentVolume is filling up.",
               "description": "The PersistentVolume claimed by %s in Namespace %s is only %d%% free."
               % (pvc, ns, rnd.randrange(1, 3)),
               "runbook_url": RUNBOOKS + "kubernetes/kubepersistentvolumefillingup"}
    elif r < 0.96:
        gpu = rnd.randrange(8)
        temp = rnd.randrange(86, 96)
        labels = {"alertname": "GPUTemperatureHigh", "severity": "critical", "namespace": "nvidia-gpu-operator",
                  "job": "nvidia-dcgm-exporter", "Hostname": "gpu-" + node.split(".")[0],
                  "UUID": "GPU-%s" % hashlib.md5(("%s%d" % (cluster, n)).encode()).hexdigest(),
                  "gpu": str(gpu), "modelName": rnd.choice(MODELS), "instance": "10.131.%d.%d:9400"
                  % (n % 250, gpu), "team": "gpu-infra"}
        ann = {"summary": "GPU %d on %s is at %dC" % (gpu, labels["Hostname"], temp),
               "description": "DCGM_FI_DEV_GPU_TEMP has been above 85C for 5 minutes (current %dC). SM clock "
               "is being throttled." % temp, "runbook_url": "https://runbooks.example.com/gpu/temperature-high"}
    else:
        svc = "%s-%d" % (app, n)
        labels = {"alertname": "TargetDown", "severity": "warning", "namespace": ns, "job": svc, "service": svc}
        ann = {"summary": "Some targets were not reachable from the monitoring server for an extended period "
               "of time.", "description": "100%% of the %s/%s targets in %s namespace have been unreachable for "
               "more than 15 minutes." % (svc, svc, ns), "runbook_url": RUNBOOKS + "general/targetdown"}
    return labels, ann


def alert(cluster, labels, ann, status, starts, ends=None):
    labels = dict(labels, cluster=cluster, prometheus="openshift-monitoring/k8s")
    key = "\xff".join("%s\xfe%s" % kv for kv in sorted(labels.items()))
    expr = urllib.parse.quote('ALERTS{alertname="%s"}' % labels["alertname"])
    return {"status": status, "labels": labels, "annotations": ann, "startsAt": rfc3339(starts),
            "endsAt": rfc3339(ends) if ends else "0001-01-01T00:00:00Z",
            "generatorURL": "https://console-openshift-console.apps.%s.example.com/monitoring/graph?g0.expr=%s"
            "&g0.tab=1" % (cluster, expr),
            "fingerprint": hashlib.blake2b(key.encode(), digest_size=8).hexdigest()}


def payload(cluster, alerts):
    firing = any(a["status"] == "firing" for a in alerts)
    return {"receiver": "aiops-webhook", "status": "firing" if firing else "resolved", "alerts": alerts,
            "groupLabels": {"cluster": cluster}, "commonLabels": {"cluster": cluster}, "commonAnnotations": {},
            "externalURL": "https://alertmanager-main-openshift-monitoring.apps.%s.example.com" % cluster,
            "version": "4", "groupKey": '{}:{cluster="%s"}' % cluster, "truncatedAlerts": 0}


class Sender:
    """One keep-alive connection to nginx."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError

    def webhook(self, cluster, token, alerts):
        body = json.dumps(payload(cluster, alerts)).encode()
        st, out = self.request("POST", "/api/v1/alerts/webhook/" + cluster, body,
                               {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        if st != 200:
            raise SystemExit("webhook of %s answered %d: %s" % (cluster, st, out[:300]))
        return json.loads(out)


def tokens_of(path):
    return [tuple(line.split()) for line in open(path) if line.strip()]


def fill(base, tokens_file, state_file, active, history):
    tokens = tokens_of(tokens_file)
    rnd = random.Random(42)
    now = datetime.now(timezone.utc)
    batches, state = [], {name: [] for name, _ in tokens}
    n = 0
    for i in range(history):
        name, tok = tokens[i % len(tokens)]
        labels, ann = kind_of(name, n, rnd)
        n += 1
        starts = now - timedelta(seconds=rnd.randrange(3600, 30 * 86400))
        batches.append((name, tok, alert(name, labels, ann, "resolved", starts,
                                         starts + timedelta(seconds=rnd.randrange(300, 86400)))))
    for i in range(active):
        name, tok = tokens[i % len(tokens)]
        if i < len(tokens):
            labels = {"alertname": "Watchdog", "severity": "none", "namespace": "openshift-monitoring"}
            ann = {"summary": "An alert that should always be firing to certify that Alertmanager is working "
                   "properly.", "description": "This is an alert meant to ensure that the entire alerting "
                   "pipeline is functional.", "runbook_url": RUNBOOKS + "general/watchdog"}
            starts = now - timedelta(days=20)
        else:
            labels, ann = kind_of(name, n, rnd)
            n += 1
            starts = now - timedelta(seconds=rnd.randrange(60, 72 * 3600))
        a = alert(name, labels, ann, "firing", starts)
        batches.append((name, tok, a))
        if labels["alertname"] != "Watchdog":
            state[name].append(a)
    per = {}
    for name, tok, a in batches:
        per.setdefault((name, tok), []).append(a)
    jobs = [(name, tok, alerts[k:k + 100]) for (name, tok), alerts in per.items() for k in range(0, len(alerts), 100)]

    def run(part):
        s = Sender(base)
        for name, tok, alerts in part:
            s.webhook(name, tok, alerts)

    threads = [threading.Thread(target=run, args=(jobs[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    json.dump({"next": n, "firing": state}, open(state_file, "w"))


def touch(base, tokens_file, state_file):
    st = json.load(open(state_file))
    name, tok = tokens_of(tokens_file)[0]
    old = st["firing"][name].pop(0)
    now = datetime.now(timezone.utc)
    labels, ann = kind_of(name, st["next"], random.Random(st["next"]))
    st["next"] += 1
    new = alert(name, labels, ann, "firing", now - timedelta(minutes=1))
    gone = dict(old, status="resolved", endsAt=rfc3339(now))
    out = Sender(base).webhook(name, tok, [gone, new])
    if out.get("changed") != 2:
        raise SystemExit("touch changed %r alerts, not 2" % out.get("changed"))
    st["firing"][name].append(new)
    json.dump(st, open(state_file, "w"))


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def storm(base, tokens_file, state_file, rate, batch, seconds, out_file, probes):
    tokens = tokens_of(tokens_file)
    st = json.load(open(state_file))
    firing = st["firing"]
    per_s = rate / batch
    nsenders = 8
    lock = threading.Lock()
    counter = [st["next"]]
    sent = {"changes": 0, "payloads": 0, "late_ms": [], "ms": []}
    probe_q = []  # (marker, t of the webhook's 200), newest last
    t0 = time.monotonic()
    stop_at = t0 + seconds

    def fresh(name, rnd, started):
        with lock:
            n = counter[0]
            counter[0] += 1
        labels, ann = kind_of(name, n, rnd)
        return alert(name, labels, ann, "firing", started)

    def sender(k):
        s = Sender(base)
        rnd = random.Random(k)
        i = k
        probe_every = max(1, int(per_s / 4))  # about four probes a second
        while True:
            due = t0 + i / per_s
            now = time.monotonic()
            if due >= stop_at:
                return
            if due > now:
                time.sleep(due - now)
            late = max(0.0, time.monotonic() - due)
            name, tok = tokens[i % len(tokens)]
            wall = datetime.now(timezone.utc)
            changes = []
            resolve = batch // 2 + (i % 2 if batch % 2 else 0)
            with lock:
                mine = firing[name]
                for _ in range(min(resolve, len(mine))):
                    old = mine.pop(rnd.randrange(len(mine)))
                    changes.append(dict(old, status="resolved", endsAt=rfc3339(wall)))
            marker = None
            while len(changes) < batch:
                if marker is None and i % probe_every == 0:
                    # A label value no other alert has: the pages show labels.
                    with lock:
                        n = counter[0]
                        counter[0] += 1
                    marker = "probe-%08d" % n
                    labels, ann = kind_of(name, n, rnd)
                    a = alert(name, dict(labels, probe=marker), ann, "firing", wall)
                else:
                    a = fresh(name, rnd, wall - timedelta(seconds=rnd.randrange(30, 600)))
                changes.append(a)
            t = time.monotonic()
            res = s.webhook(name, tok, changes)
            done = time.monotonic()
            if res.get("changed") != len(changes):
                raise SystemExit("a storm payload changed %r alerts, not %d" % (res.get("changed"), len(changes)))
            with lock:
                # A probe alert keeps firing: resolving it before it was seen would lose the sample.
                firing[name].extend(a for a in changes if a["status"] == "firing" and "probe" not in a["labels"])
                sent["changes"] += len(changes)
                sent["payloads"] += 1
                sent["ms"].append((done - t) * 1000)
                sent["late_ms"].append(late * 1000)
                if marker is not None:
                    probe_q.append((marker, done))
            i += nsenders

    lags = {}

    def prober():
        s = Sender(base)
        k = 0
        seen = None
        while time.monotonic() < stop_at:
            with lock:
                item = probe_q[-1] if probe_q and probe_q[-1] is not seen else None
            if item is None:
                time.sleep(0.01)
                continue
            seen = item
            url, hdr = probes[k % len(probes)].split("|", 1)
            k += 1
            hk, hv = hdr.split(":", 1)
            marker, t_ok = item
            while True:
                code, body = s.request("GET", url, headers={hk: hv.strip()})
                if code != 200:
                    raise SystemExit("GET %s answered %d during the storm" % (url, code))
                t = time.monotonic()
                if marker.encode() in body:
                    lags.setdefault(url, []).append((t - t_ok) * 1000)
                    break
                if t - t_ok > 10:
                    lags.setdefault(url, []).append(float("inf"))
                    break
                time.sleep(0.01)

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(nsenders)]
    threads.append(threading.Thread(target=prober))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    all_lags = [x for v in lags.values() for x in v]
    out = {"seconds": round(elapsed, 2), "changes": sent["changes"], "payloads": sent["payloads"],
           "changes_per_s": round(sent["changes"] / elapsed, 1),
           "payload_p99_ms": round(pct(sent["ms"], 0.99) or 0, 1),
           "sender_late_p99_ms": round(pct(sent["late_ms"], 0.99) or 0, 1),
           "lag_samples": len(all_lags),
           "lag_p50_ms": round(pct(all_lags, 0.5) or 0, 1), "lag_p99_ms": round(pct(all_lags, 0.99) or 0, 1),
           "lag_max_ms": round(max(all_lags) if all_lags else 0, 1),
           "lag_max_ms_by_url": {u: round(max(v), 1) for u, v in lags.items()}}
    json.dump(out, open(out_file, "w"))
    st["next"] = counter[0]
    json.dump(st, open(state_file, "w"))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "fill" and len(argv) == 7:
        fill(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]))
    elif cmd == "touch" and len(argv) == 5:
        touch(argv[2], argv[3], argv[4])
    elif cmd == "storm" and len(argv) >= 10:
        storm(argv[2], argv[3], argv[4], float(argv[5]), int(argv[6]), float(argv[7]), argv[8], argv[9:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
