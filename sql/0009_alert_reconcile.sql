-- 0009_alert_reconcile.sql: what each cluster's Alertmanager itself says of an alert (aiops-collect
-- alerts): the silences and inhibiting alerts that mute it, when it was last compared, and whether
-- its resolution was ours (no longer listed by Alertmanager) rather than a webhook's.
ALTER TABLE alerts ADD COLUMN silenced_by text[] NOT NULL DEFAULT '{}',
	ADD COLUMN inhibited_by text[] NOT NULL DEFAULT '{}',
	ADD COLUMN reconciled_at timestamptz,
	ADD COLUMN resolved_by_reconcile boolean NOT NULL DEFAULT false;
