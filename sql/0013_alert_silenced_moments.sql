-- 0013_alert_silenced_moments.sql: an alert's timeline also says when its Alertmanager began and
-- stopped silencing it (aiops-collect alerts), with the silences' ids.
ALTER TABLE alert_events DROP CONSTRAINT IF EXISTS alert_events_kind_check,
	ADD CONSTRAINT alert_events_kind_check
	CHECK (kind IN ('fired', 'resolved', 'acked', 'unacked', 'silenced', 'unsilenced'));
