-- 0012_alert_pipeline_state.sql: each alert pipeline's state as aiops-collect alerts last judged it,
-- so that a Watchdog that stops arriving (nothing delivered: no row changes) is noticed, told to
-- the pages as ALERT_PIPELINE_CHANGED, and drops the cached pages that show it.
ALTER TABLE cluster_ingest_tokens ADD COLUMN pipeline_state text NOT NULL DEFAULT 'waiting'
	CHECK (pipeline_state IN ('ok', 'broken', 'no-watchdog', 'waiting')),
	ADD COLUMN pipeline_changed_at timestamptz;
