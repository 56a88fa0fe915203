-- 0008_alert_pipeline.sql: when each cluster's Alertmanager last delivered, and last delivered its
-- always-firing Watchdog: a Watchdog that stops arriving means the alert pipeline is broken.
ALTER TABLE cluster_ingest_tokens ADD COLUMN last_delivery_at timestamptz, ADD COLUMN watchdog_at timestamptz;
