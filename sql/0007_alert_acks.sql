-- 0007_alert_acks.sql: acknowledgement of a firing alert, with who, when and why, and its history.
ALTER TABLE alerts ADD COLUMN acked_by text, ADD COLUMN acked_at timestamptz, ADD COLUMN ack_comment text;
ALTER TABLE alert_events DROP CONSTRAINT alert_events_kind_check,
	ADD CONSTRAINT alert_events_kind_check CHECK (kind IN ('fired', 'resolved', 'acked', 'unacked'));
