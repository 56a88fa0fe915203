-- 0014_alert_list_indexes.sql: what the alert console reads at 10,000 firing alerts and a long
-- history (lib/model/alert_query.c, its statements planned with their filters' values).
-- The counts per group (alert name, severity or cluster) of the firing alerts, from the index alone.
CREATE INDEX alerts_firing_groups_idx ON alerts (alertname, severity, cluster_id) WHERE status = 'firing';
-- The history newest first, a page at a time, without sorting every resolved alert.
CREATE INDEX alerts_resolved_idx ON alerts (starts_at DESC, id DESC) WHERE status = 'resolved';
