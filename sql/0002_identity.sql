-- 0002_identity.sql: people, their sessions, programs' tokens, the audit log and sealed secrets.
CREATE TABLE users (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	username text NOT NULL CONSTRAINT users_username_key UNIQUE
		CHECK (username ~ '^[a-z0-9][a-z0-9._@-]{0,63}$'),
	display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 128),
	role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
	password_hash text,
	must_change_password boolean NOT NULL DEFAULT false,
	disabled boolean NOT NULL DEFAULT false,
	source text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'proxy')),
	failed_logins integer NOT NULL DEFAULT 0,
	last_failed_at timestamptz,
	last_login_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- A session is known by the SHA-256 of its id: the id itself is only ever in the browser.
CREATE TABLE sessions (
	id_hash text PRIMARY KEY,
	user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	last_seen_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL,
	client_addr text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
	token_hash text NOT NULL CONSTRAINT api_tokens_hash_key UNIQUE,
	prefix text NOT NULL,
	role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
	expires_at timestamptz,
	last_used_at timestamptz,
	revoked_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE audit_log (
	id bigserial PRIMARY KEY,
	at timestamptz NOT NULL DEFAULT now(),
	actor text NOT NULL,
	actor_id uuid,
	role text NOT NULL DEFAULT '',
	action text NOT NULL,
	target text NOT NULL DEFAULT '',
	details jsonb NOT NULL DEFAULT '{}',
	client_addr text NOT NULL DEFAULT '',
	request_id text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id DESC);

-- Nothing edits or deletes the record, not even a bug of ours.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Credentials are sealed with libsodium secretbox under a key kept outside the database.
CREATE TABLE cluster_credentials (
	cluster_id uuid NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
	kind text NOT NULL CHECK (kind IN ('api_token', 'prometheus_token', 'alertmanager_token',
		'basic_auth', 'ca_bundle')),
	sealed text NOT NULL,
	key_id text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (cluster_id, kind)
);
