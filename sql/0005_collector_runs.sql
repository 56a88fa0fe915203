-- 0005_collector_runs: the last pass of each collector and shard, for /metrics: an operator's
-- Prometheus alerts when a collector stops running or keeps failing.
CREATE TABLE collector_runs (
	collector text NOT NULL,
	shard text NOT NULL, -- "I/N"
	started_at timestamptz NOT NULL,
	finished_at timestamptz NOT NULL,
	outcome text NOT NULL CHECK (outcome IN ('ok', 'failed')),
	PRIMARY KEY (collector, shard)
);
