-- The keys that make the tenant context unforgeable (see 10_tenant_context.sql). Readable by the owner only: the app
-- role can neither read them nor reach them through any view or function (every function that uses them returns a
-- boolean or the verified context, never key material). The application holds the same secrets
-- (TENANT_CONTEXT_KEYS) and signs what it asserts; `manage.py context_keys sync` writes them here. Two keys are
-- valid at once during a rotation. inner_pad / outer_pad are the HMAC-SHA256 pads of the key (RFC 2104), stored
-- ready so that verifying costs two sha256() calls, with no pgcrypto (core sha256(), PostgreSQL 11+).
CREATE TABLE IF NOT EXISTS app.context_keys (
  key_id     text PRIMARY KEY CHECK (key_id ~ '^[A-Za-z0-9_.-]{1,40}$'),
  inner_pad  bytea NOT NULL CHECK (length(inner_pad) = 64),
  outer_pad  bytea NOT NULL CHECK (length(outer_pad) = 64),
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE app.context_keys OWNER TO hospitality_owner;
REVOKE ALL ON app.context_keys FROM PUBLIC, hospitality_app, hospitality_admin;
