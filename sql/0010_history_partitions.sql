-- 0010_history_partitions.sql: the history tables partitioned by month (range on time), so that
-- aiops-collect retention drops a past month whole instead of deleting it row by row.
--   alerts          by starts_at: its key (cluster_id, fingerprint, starts_at) already holds it, so
--                   the webhook's idempotence stays one unique constraint; the id, still from one
--                   sequence, is unique through the primary key (id, starts_at).
--   alert_events    by the starts_at of its alert (alert_starts_at): an alert's timeline lives in the
--                   month of its alert and goes with it.
--   cluster_health  by at.
-- Each has a default partition, so that a time outside every month (an alert from 1970 or 2999)
-- still goes in. Months are made ahead here and by every retention pass (aiops_partitions_ensure).

-- aiops_partition_month makes the partition of parent for the month (UTC) holding m, named
-- parent_pYYYYMM, unless it exists or parent's default partition holds rows of that month (no
-- partition can be made over them: they stay in the default, pruned row by row). True when made.
CREATE FUNCTION aiops_partition_month(parent text, m timestamptz) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	lo timestamptz := date_trunc('month', m AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
	hi timestamptz := (date_trunc('month', m AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
	part text := parent || '_p' || to_char(m AT TIME ZONE 'UTC', 'YYYYMM');
	col text := substring(pg_get_partkeydef(parent::regclass) FROM '^RANGE \((\w+)\)$');
	busy boolean;
BEGIN
	IF col IS NULL THEN
		RAISE EXCEPTION '% is not partitioned by a range of one column', parent;
	END IF;
	IF to_regclass(part) IS NOT NULL THEN
		RETURN false;
	END IF;
	EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', parent || '_default',
		col, col) INTO busy USING lo, hi;
	IF busy THEN
		RAISE NOTICE '% keeps its rows of % in %_default', parent, to_char(lo AT TIME ZONE 'UTC', 'YYYY-MM'),
			parent;
		RETURN false;
	END IF;
	EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
	RETURN true;
END $$;

-- aiops_partitions_ensure makes parent's months from `back` months before now to `ahead` months
-- after it (aiops_partition_month); returns how many it made.
CREATE FUNCTION aiops_partitions_ensure(parent text, back integer, ahead integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
	made integer := 0;
BEGIN
	FOR i IN -back..ahead LOOP
		IF aiops_partition_month(parent, now() + make_interval(months => i)) THEN
			made := made + 1;
		END IF;
	END LOOP;
	RETURN made;
END $$;

-- aiops_partitions_retire detaches and drops parent's month partitions that end at or before cutoff,
-- except those holding a row for which `pinned` (SQL over the partition's columns, $1 being cutoff)
-- is true: those keep their place and are pruned row by row. The same month of each table in
-- dependents (partitioned alike, referencing parent's rows) goes first. Takes parent and dependents
-- in ACCESS EXCLUSIVE mode, in that order, once a month is due, until the caller's transaction ends.
-- Returns the partitions dropped and the rows of parent they held.
CREATE FUNCTION aiops_partitions_retire(parent text, cutoff timestamptz, pinned text, dependents text[],
	OUT partitions integer, OUT nrows bigint)
LANGUAGE plpgsql AS $$
DECLARE
	p record;
	d text;
	held boolean;
	locked boolean := false;
	n bigint;
BEGIN
	partitions := 0;
	nrows := 0;
	FOR p IN SELECT c.relname, substring(c.relname FROM '_p([0-9]{6})$') AS ym FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = parent::regclass
		AND c.relname ~ ('^' || parent || '_p[0-9]{6}$') ORDER BY c.relname
	LOOP
		CONTINUE WHEN (to_date(p.ym, 'YYYYMM') + interval '1 month') AT TIME ZONE 'UTC' > cutoff;
		FOR pass IN 1..2 LOOP
			-- Checked before the lock, so that a month that stays costs no lock, and again under it.
			IF pinned IS NOT NULL THEN
				EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %s)', p.relname, pinned)
					INTO held USING cutoff;
				EXIT WHEN held;
			END IF;
			EXIT WHEN locked;
			EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', (SELECT string_agg(quote_ident(t), ', ')
				FROM unnest(ARRAY[parent] || dependents) t));
			locked := true;
		END LOOP;
		CONTINUE WHEN held;
		FOREACH d IN ARRAY dependents LOOP
			IF to_regclass(d || '_p' || p.ym) IS NOT NULL THEN
				EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', d, d || '_p' || p.ym);
				EXECUTE format('DROP TABLE %I', d || '_p' || p.ym);
			END IF;
		END LOOP;
		EXECUTE format('SELECT count(*) FROM %I', p.relname) INTO n;
		EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, p.relname);
		EXECUTE format('DROP TABLE %I', p.relname);
		partitions := partitions + 1;
		nrows := nrows + n;
	END LOOP;
END $$;

-- The tables as they were, out of the way: their names, constraints and indexes are taken anew, and
-- their sequences go on numbering the new ones.
ALTER TABLE alert_events RENAME TO alert_events_old;
ALTER TABLE alerts RENAME TO alerts_old;
ALTER TABLE cluster_health RENAME TO cluster_health_old;
ALTER SEQUENCE alerts_id_seq OWNED BY NONE;
ALTER SEQUENCE alert_events_id_seq OWNED BY NONE;
ALTER SEQUENCE cluster_health_id_seq OWNED BY NONE;

CREATE TABLE alerts (
	id bigint NOT NULL DEFAULT nextval('alerts_id_seq'),
	cluster_id uuid NOT NULL,
	fingerprint text NOT NULL CONSTRAINT alerts_fingerprint_check CHECK (fingerprint ~ '^[0-9a-f]{16}$'),
	starts_at timestamptz NOT NULL,
	ends_at timestamptz,
	status text NOT NULL CONSTRAINT alerts_status_check CHECK (status IN ('firing', 'resolved')),
	alertname text NOT NULL DEFAULT '',
	severity text NOT NULL DEFAULT '',
	labels jsonb NOT NULL,
	annotations jsonb NOT NULL,
	generator_url text NOT NULL DEFAULT '',
	first_seen timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	acked_by text,
	acked_at timestamptz,
	ack_comment text,
	silenced_by text[] NOT NULL DEFAULT '{}',
	inhibited_by text[] NOT NULL DEFAULT '{}',
	reconciled_at timestamptz,
	resolved_by_reconcile boolean NOT NULL DEFAULT false
) PARTITION BY RANGE (starts_at);
CREATE TABLE alerts_default PARTITION OF alerts DEFAULT;

CREATE TABLE alert_events (
	id bigint NOT NULL DEFAULT nextval('alert_events_id_seq'),
	alert_id bigint NOT NULL,
	alert_starts_at timestamptz NOT NULL,
	at timestamptz NOT NULL DEFAULT now(),
	kind text NOT NULL CONSTRAINT alert_events_kind_check CHECK (kind IN ('fired', 'resolved', 'acked', 'unacked')),
	actor text NOT NULL DEFAULT '',
	detail jsonb
) PARTITION BY RANGE (alert_starts_at);
CREATE TABLE alert_events_default PARTITION OF alert_events DEFAULT;

CREATE TABLE cluster_health (
	id bigint NOT NULL DEFAULT nextval('cluster_health_id_seq'),
	cluster_id uuid NOT NULL,
	at timestamptz NOT NULL DEFAULT now(),
	status text NOT NULL CONSTRAINT cluster_health_status_check CHECK (status IN ('ready', 'degraded', 'unreachable')),
	reason text NOT NULL DEFAULT '',
	version text NOT NULL DEFAULT '',
	latency_ms integer,
	api_ok boolean NOT NULL,
	ready_ok boolean,
	prometheus_ok boolean,
	alertmanager_ok boolean
) PARTITION BY RANGE (at);
CREATE TABLE cluster_health_default PARTITION OF cluster_health DEFAULT;

ALTER SEQUENCE alerts_id_seq OWNED BY alerts.id;
ALTER SEQUENCE alert_events_id_seq OWNED BY alert_events.id;
ALTER SEQUENCE cluster_health_id_seq OWNED BY cluster_health.id;

-- The months of what is there (at most a year back; older rows stay in the default) and three ahead.
DO $$
DECLARE
	now_utc timestamp := now() AT TIME ZONE 'UTC';
	t text;
	oldest timestamp;
	back integer;
BEGIN
	FOR t, oldest IN SELECT 'alerts', min(starts_at) AT TIME ZONE 'UTC' FROM alerts_old
		UNION ALL SELECT 'alert_events', min(starts_at) AT TIME ZONE 'UTC' FROM alerts_old
		UNION ALL SELECT 'cluster_health', min(at) AT TIME ZONE 'UTC' FROM cluster_health_old
	LOOP
		back := coalesce(((extract(year FROM now_utc) - extract(year FROM oldest)) * 12 +
			extract(month FROM now_utc) - extract(month FROM oldest))::integer, 0);
		PERFORM aiops_partitions_ensure(t, least(12, greatest(0, back)), 3);
	END LOOP;
END $$;

INSERT INTO alerts (id, cluster_id, fingerprint, starts_at, ends_at, status, alertname, severity, labels,
	annotations, generator_url, first_seen, updated_at, acked_by, acked_at, ack_comment, silenced_by,
	inhibited_by, reconciled_at, resolved_by_reconcile)
SELECT id, cluster_id, fingerprint, starts_at, ends_at, status, alertname, severity, labels, annotations,
	generator_url, first_seen, updated_at, acked_by, acked_at, ack_comment, silenced_by, inhibited_by,
	reconciled_at, resolved_by_reconcile FROM alerts_old;
INSERT INTO alert_events (id, alert_id, alert_starts_at, at, kind, actor, detail)
SELECT e.id, e.alert_id, a.starts_at, e.at, e.kind, e.actor, e.detail FROM alert_events_old e
	JOIN alerts_old a ON a.id = e.alert_id;
INSERT INTO cluster_health (id, cluster_id, at, status, reason, version, latency_ms, api_ok, ready_ok,
	prometheus_ok, alertmanager_ok)
SELECT id, cluster_id, at, status, reason, version, latency_ms, api_ok, ready_ok, prometheus_ok,
	alertmanager_ok FROM cluster_health_old;
DROP TABLE alert_events_old, alerts_old, cluster_health_old;

-- Constraints and indexes after the copy, declared on the parents (each partition has its own).
ALTER TABLE alerts ADD PRIMARY KEY (id, starts_at),
	ADD CONSTRAINT alerts_key UNIQUE (cluster_id, fingerprint, starts_at),
	ADD FOREIGN KEY (cluster_id) REFERENCES clusters (id) ON DELETE CASCADE;
CREATE INDEX alerts_firing_idx ON alerts (starts_at DESC, id DESC) WHERE status = 'firing';
CREATE INDEX alerts_cluster_idx ON alerts (cluster_id, starts_at DESC);
-- Retention's rows: resolved alerts by the time they ended.
CREATE INDEX alerts_resolved_end_idx ON alerts ((coalesce(ends_at, updated_at))) WHERE status = 'resolved';

-- A change of starts_at (never made by the code; by hand at most) takes the timeline along.
ALTER TABLE alert_events ADD PRIMARY KEY (id, alert_starts_at),
	ADD FOREIGN KEY (alert_id, alert_starts_at) REFERENCES alerts (id, starts_at) ON DELETE CASCADE
	ON UPDATE CASCADE;
CREATE INDEX alert_events_alert_idx ON alert_events (alert_id, id);

ALTER TABLE cluster_health ADD PRIMARY KEY (id, at),
	ADD FOREIGN KEY (cluster_id) REFERENCES clusters (id) ON DELETE CASCADE;
CREATE INDEX cluster_health_cluster_at_idx ON cluster_health (cluster_id, at DESC);
CREATE INDEX cluster_health_at_idx ON cluster_health (at);
