-- 0001_clusters.sql: the register of clusters.
CREATE TABLE clusters (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL CONSTRAINT clusters_name_key UNIQUE
		CONSTRAINT clusters_name_check CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
	display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 128),
	api_url text NOT NULL CHECK (api_url ~ '^https?://'),
	prometheus_url text CHECK (prometheus_url ~ '^https?://'),
	alertmanager_url text CHECK (alertmanager_url ~ '^https?://'),
	loki_url text CHECK (loki_url ~ '^https?://'),
	environment text NOT NULL CHECK (environment IN ('production', 'staging', 'development', 'lab')),
	cluster_type text NOT NULL CHECK (cluster_type IN ('openshift', 'kubernetes', 'eks', 'gke', 'aks',
		'k3s', 'rke2', 'microshift')),
	region text NOT NULL DEFAULT '' CHECK (length(region) <= 64),
	labels jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(labels) = 'object'),
	has_gpu boolean NOT NULL DEFAULT false,
	status text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'ready', 'degraded', 'unreachable')),
	status_reason text NOT NULL DEFAULT '',
	version text NOT NULL DEFAULT '',
	last_seen timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX clusters_labels_idx ON clusters USING gin (labels jsonb_path_ops);
CREATE INDEX clusters_environment_idx ON clusters (environment, name);
CREATE INDEX clusters_status_idx ON clusters (status, name);
