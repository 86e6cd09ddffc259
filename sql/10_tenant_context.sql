-- Entering a tenant: the first statement of every tenant request's transaction. One call that
--   1. verifies what the application asserts (tenant, user, role, expiry), signed with HMAC-SHA256 under a key of
--      app.context_keys that only the owner can read (the application holds the same secret), and
--   2. checks the membership, then
--   3. sets app.current_tenant_id, app.current_user_id, app.user_role (the seed's names and meanings) with
--      set_config(..., true) — transaction-local — plus app.context_proof: an HMAC of those three values and this
--      transaction's id.
-- Every policy reads the tenant through app.current_tenant_id(), which returns NULL unless the proof verifies. So SQL
-- run as the app role (an injection, a bug) that sets the variables itself sees no rows, and a proof copied from
-- another transaction is worth nothing. Every refusal (bad or expired signature, unknown key, non-member, inactive
-- user or tenant, another role) raises the same error: no oracle for which tenants or users exist.
-- The checks are SECURITY DEFINER (run as the owner), search_path pinned, EXECUTE for the app role only; the entering
-- functions around them first pin the transaction's settings (app.pin_transaction). Values are parameters.

-- HMAC-SHA256 of a message under one of the keys, hex (NULL for an unknown key). Owner only: an app role able to call
-- it could sign anything. plpgsql like the entering functions that call it: a SQL function with a SET clause is never
-- inlined and plans its query again on every call, a plpgsql one once per session.
CREATE OR REPLACE FUNCTION app.context_mac(p_key_id text, p_message text) RETURNS text
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  mac text;
BEGIN
  SELECT encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(p_message, 'UTF8'))), 'hex') INTO mac
  FROM app.context_keys k WHERE k.key_id = p_key_id;
  RETURN mac;
END
$$;
REVOKE ALL ON FUNCTION app.context_mac(text, text) FROM PUBLIC;

-- What the proof of the current transaction signs: the three variables and this transaction's identity (its
-- backend and its start time in microseconds: no two transactions share both, and neither assigns a transaction id
-- to a read-only request).
CREATE OR REPLACE FUNCTION app.context_message() RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN concat_ws(chr(31), coalesce(current_setting('app.current_tenant_id', true), ''),
                   coalesce(current_setting('app.current_user_id', true), ''),
                   coalesce(current_setting('app.user_role', true), ''), pg_backend_pid()::text,
                   (date_part('epoch', now()) * 1000000)::bigint::text);
END
$$;
REVOKE ALL ON FUNCTION app.context_message() FROM PUBLIC;

-- The proven context, read by every policy once per statement and table (an InitPlan), so written as one query
-- with no nested calls: the key the proof names, and the proof's HMAC over this transaction's variables. Its
-- message is app.context_message() written inline (a nested call would run once per policy of every statement):
-- the two must stay identical, or no proof verifies (every tenancy test would show it).
DROP FUNCTION IF EXISTS app.context_valid();
-- plpgsql rather than SQL: its statement plan is prepared once per session, not once per calling query.
CREATE OR REPLACE FUNCTION app.proven_setting(p_name text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  proof text := current_setting('app.context_proof', true);
  verified boolean;
BEGIN
  IF proof IS NULL OR proof = '' THEN
    RETURN NULL;
  END IF;
  SELECT split_part(proof, ':', 2) = encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(concat_ws(chr(31),
           coalesce(current_setting('app.current_tenant_id', true), ''),
           coalesce(current_setting('app.current_user_id', true), ''),
           coalesce(current_setting('app.user_role', true), ''), pg_backend_pid()::text,
           (date_part('epoch', now()) * 1000000)::bigint::text), 'UTF8'))), 'hex')
    INTO verified
    FROM app.context_keys k WHERE k.key_id = split_part(proof, ':', 1);
  RETURN CASE WHEN verified THEN nullif(current_setting(p_name, true), '') END;
END
$$;
-- The tenant of the current transaction, or NULL: unset, empty, or not proven never matches a row. Plain SQL
-- wrappers (no SET, not SECURITY DEFINER) so the planner inlines them: one definer call per policy InitPlan.
CREATE OR REPLACE FUNCTION app.current_tenant_id() RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT app.proven_setting('app.current_tenant_id') $$;

-- The member's role in the current transaction (owner, manager, staff, viewer), or NULL when not proven.
CREATE OR REPLACE FUNCTION app.current_user_role() RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT app.proven_setting('app.user_role') $$;

-- Sets the three variables and their proof (the last step of both ways in).
CREATE OR REPLACE FUNCTION app.set_proven_context(p_key_id text, p_tenant_id text, p_user_id text, p_role text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM set_config('app.current_tenant_id', p_tenant_id, true);
  PERFORM set_config('app.current_user_id', p_user_id, true);
  PERFORM set_config('app.user_role', p_role, true);
  PERFORM set_config('app.context_proof', p_key_id || ':' || app.context_mac(p_key_id, app.context_message()), true);
END
$$;
REVOKE ALL ON FUNCTION app.set_proven_context(text, text, text, text) FROM PUBLIC;

-- Pooled sessions: a Data API session (or a kept direct connection) serves every tenant in turn and is never reset,
-- and anyone holding the app role's secret can leave session-level state on it. So the entering statement starts
-- with this: whatever was SET at session level is reset (RESET ALL; committed with the request, so the session is
-- clean for the next one too), and everything the policies and the application rely on is pinned for this
-- transaction only: search_path with pg_temp last (a temporary table or view named like a tenant table is never
-- found first), row_security, the timeout budget, time zone, date and number formats. Not SECURITY DEFINER and no
-- SET clause: a function's SET clause would restore search_path when it returns. Returns true when this transaction
-- began read-only or with a stricter isolation (a default that applies from BEGIN and cannot change now): the
-- defaults are then put back for the session's next transactions, and the caller commits at once and answers with
-- a retryable error.
CREATE OR REPLACE FUNCTION app.pin_transaction(p_statement_timeout_ms integer, p_time_zone text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  from_begin boolean := pg_catalog.current_setting('transaction_read_only') = 'on'
    OR pg_catalog.current_setting('transaction_isolation') <> 'read committed'
    OR pg_catalog.current_setting('transaction_deferrable') = 'on';
BEGIN
  RESET ALL;
  IF from_begin THEN  -- still set after RESET ALL when the default is the role's: override it for this session
    PERFORM pg_catalog.set_config('default_transaction_read_only', 'off', false);
    PERFORM pg_catalog.set_config('default_transaction_isolation', 'read committed', false);
    PERFORM pg_catalog.set_config('default_transaction_deferrable', 'off', false);
  END IF;
  PERFORM pg_catalog.set_config('search_path', 'public, pg_temp', true);
  PERFORM pg_catalog.set_config('row_security', 'on', true);
  -- the application's budget bounds every statement and every lock wait (an advisory lock left on a session too).
  -- Also the session's default from now on: a one-statement read (app.read_as_tenant_*) is timed from its start,
  -- before it can pin anything, so it runs only on a session that already holds this budget.
  IF p_statement_timeout_ms BETWEEN 1 AND 9999999 THEN
    PERFORM pg_catalog.set_config('statement_timeout', p_statement_timeout_ms || 'ms', false);
    PERFORM pg_catalog.set_config('statement_timeout', p_statement_timeout_ms || 'ms', true);
  END IF;
  PERFORM pg_catalog.set_config('lock_timeout', '0', true);
  PERFORM pg_catalog.set_config('idle_in_transaction_session_timeout', '0', true);
  IF p_time_zone IS NOT NULL THEN
    PERFORM pg_catalog.set_config('TimeZone', p_time_zone, true);
  END IF;
  PERFORM pg_catalog.set_config('DateStyle', 'ISO, MDY', true);
  PERFORM pg_catalog.set_config('IntervalStyle', 'postgres', true);
  PERFORM pg_catalog.set_config('extra_float_digits', '1', true);
  PERFORM pg_catalog.set_config('bytea_output', 'hex', true);
  PERFORM pg_catalog.set_config('standard_conforming_strings', 'on', true);
  PERFORM pg_catalog.set_config('client_encoding', 'UTF8', true);
  -- what a commit and a query mean: a role-level default (ALTER ROLE ... SET, which the app role may run on
  -- itself) survives RESET ALL, so each is pinned here too. An acknowledged commit is durable; NULL comparisons,
  -- array literals and GIN index scans mean what PostgreSQL documents.
  PERFORM pg_catalog.set_config('synchronous_commit', 'on', true);
  PERFORM pg_catalog.set_config('transform_null_equals', 'off', true);
  PERFORM pg_catalog.set_config('array_nulls', 'on', true);
  PERFORM pg_catalog.set_config('gin_fuzzy_search_limit', '0', true);
  PERFORM pg_catalog.set_config('idle_session_timeout', '0', true);
  RETURN from_begin;
END
$$;

-- The checks themselves (SECURITY DEFINER: they read memberships, tokens and keys the app role cannot), called by
-- the entering functions below after the pinning.
-- p_context: the application's signed assertion, JSON {"kid", "tenant", "user", "role", "external", "exp"} (role
-- null: the member's own role, for browser sessions; "external": user is the identity provider's text id,
-- tenants_membership.external_id); p_signature: hex HMAC-SHA256 of p_context under key "kid". exp is Unix seconds,
-- at most 10 minutes ahead.
DROP FUNCTION IF EXISTS app.enter_tenant(text, text, text, jsonb);
DROP FUNCTION IF EXISTS app.enter_tenant(text, text, text, jsonb, boolean);
CREATE OR REPLACE FUNCTION app.check_signed_context(p_context text, p_signature text, p_extra jsonb)
RETURNS TABLE (tenant_id text, user_id text, role text)
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ctx jsonb;
  k text;
  v text;
  expected text;
  member_role text;
  tenant_active boolean;
  expires numeric;
BEGIN
  BEGIN
    ctx := p_context::jsonb;
    expires := (ctx->>'exp')::numeric;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'tenant access denied' USING ERRCODE = '28000';
  END;
  expected := app.context_mac(ctx->>'kid', p_context);
  IF expected IS NULL OR p_signature IS NULL
     OR sha256(convert_to(p_signature, 'UTF8')) <> sha256(convert_to(expected, 'UTF8'))
     OR expires IS NULL OR expires < extract(epoch FROM clock_timestamp())
     OR expires > extract(epoch FROM clock_timestamp()) + 600 THEN
    RAISE EXCEPTION 'tenant access denied' USING ERRCODE = '28000';
  END IF;
  SELECT m.role, t.is_active INTO member_role, tenant_active
  FROM public.tenants_membership m
  JOIN public.auth_user u ON u.id = m.user_id
  JOIN public.tenants_tenant t ON t.id = m.tenant_id
  WHERE m.tenant_id = ctx->>'tenant' AND u.is_active
    AND CASE WHEN coalesce((ctx->>'external')::boolean, false) THEN m.external_id = ctx->>'user'
             ELSE u.id::text = ctx->>'user' END;
  IF member_role IS NULL OR (ctx->>'role' IS NOT NULL AND ctx->>'role' <> member_role) THEN
    RAISE EXCEPTION 'tenant access denied' USING ERRCODE = '28000';
  END IF;
  -- said only to a proven member: a deactivated tenant's data is kept, and nobody enters it
  IF NOT tenant_active THEN
    RAISE EXCEPTION 'tenant inactive' USING ERRCODE = '28H01';
  END IF;
  PERFORM app.set_proven_context(ctx->>'kid', ctx->>'tenant', ctx->>'user', member_role);
  -- custom variables, namespaced under app.ctx. so they can never shadow the ones above
  FOR k, v IN SELECT key, value FROM jsonb_each_text(coalesce(p_extra, '{}'::jsonb)) LOOP
    IF k !~ '^[a-z][a-z0-9_]{0,40}$' THEN
      RAISE EXCEPTION 'invalid context variable name' USING ERRCODE = '22023';
    END IF;
    PERFORM set_config('app.ctx.' || k, v, true);
  END LOOP;
  RETURN QUERY SELECT ctx->>'tenant', ctx->>'user', member_role;
END
$$;

-- API tokens: the token is the proof. Only its SHA-256 reaches the database, looked up here, so token checks and the
-- tenant context cost one statement; the proof is made with the newest key.
DROP FUNCTION IF EXISTS app.enter_tenant_with_token(text);
DROP FUNCTION IF EXISTS app.enter_tenant_with_token(text, integer);
CREATE OR REPLACE FUNCTION app.check_token(p_token_hash text)
RETURNS TABLE (tenant_id text, user_id text, role text)
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
  newest text;
BEGIN
  SELECT t.tenant_id, m.user_id::text AS user_id, m.role, tt.is_active AS tenant_active INTO r
  FROM public.tenants_apitoken t
  JOIN public.tenants_membership m ON m.tenant_id = t.tenant_id AND m.user_id = t.user_id
  JOIN public.auth_user u ON u.id = m.user_id
  JOIN public.tenants_tenant tt ON tt.id = t.tenant_id
  WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL
    AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.is_active;
  SELECT key_id INTO newest FROM app.context_keys ORDER BY created_at DESC, key_id LIMIT 1;
  IF NOT FOUND OR r.tenant_id IS NULL OR newest IS NULL THEN
    RAISE EXCEPTION 'invalid token' USING ERRCODE = '28P01';
  END IF;
  IF NOT r.tenant_active THEN  -- the whole token proved: its holder may know the tenant is switched off
    RAISE EXCEPTION 'tenant inactive' USING ERRCODE = '28H01';
  END IF;
  PERFORM app.set_proven_context(newest, r.tenant_id, r.user_id, r.role);
  RETURN QUERY SELECT r.tenant_id::text, r.user_id::text, r.role::text;
END
$$;

-- The ways in: pin the transaction, then check. One statement each; session_reset is pin_transaction's answer.
-- A signed assertion (JWTs, browser sessions, the seed's identities):
CREATE OR REPLACE FUNCTION app.enter_tenant_with_assertion(p_context text, p_signature text, p_extra jsonb,
                                         p_statement_timeout_ms integer, p_time_zone text)
RETURNS TABLE (tenant_id text, user_id text, role text, session_reset boolean)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  was_reset boolean := app.pin_transaction(p_statement_timeout_ms, p_time_zone);
BEGIN
  RETURN QUERY SELECT c.tenant_id, c.user_id, c.role, was_reset FROM app.check_signed_context(p_context, p_signature, p_extra) c;
END
$$;
-- An API token:
CREATE OR REPLACE FUNCTION app.enter_tenant_with_token(p_token_hash text, p_statement_timeout_ms integer, p_time_zone text)
RETURNS TABLE (tenant_id text, user_id text, role text, session_reset boolean)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  was_reset boolean := app.pin_transaction(p_statement_timeout_ms, p_time_zone);
BEGIN
  RETURN QUERY SELECT c.tenant_id, c.user_id, c.role, was_reset FROM app.check_token(p_token_hash) c;
END
$$;
-- One-statement reads: a read-only request sends each query as ONE statement without a transaction, the entering
-- call first (WITH entered AS MATERIALIZED (SELECT * FROM app.read_as_tenant_*(...)) SELECT entered.*, q.* FROM
-- entered LEFT JOIN LATERAL (<query>) q, see tenants/one_statement.py): 1 Data API call instead of Begin, enter,
-- query, Commit. The context lives as long as the statement, which is what a transaction gives a read under READ
-- COMMITTED anyway. What differs: the query was parsed, planned and bound BEFORE this function pinned anything, in
-- whatever the pooled session held. So the entering refuses (55H01: the caller sends the read through a
-- transaction instead, whose entering repairs the session) unless everything that shapes parsing and binding is
-- already what the pin sets: names resolve in public only (no temporary object of this session can shadow a table
-- or a type), the role is the session's own, row security on, literals, NULL comparisons and array input as
-- PostgreSQL documents, ISO dates, the caller's time zone, and a statement timeout within the caller's budget (it
-- is armed when the statement starts). The refusal aborts the whole statement: nothing the query did stands.
DROP FUNCTION IF EXISTS app.check_statement_session(integer, text);
CREATE OR REPLACE FUNCTION app.pin_read_statement(p_statement_timeout_ms integer, p_time_zone text)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
  utc text[] := ARRAY['UTC', 'Etc/UTC', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'GMT', 'Etc/GMT',
                      'Etc/GMT0', 'GMT0'];
  zone text := pg_catalog.current_setting('TimeZone');
  timeout_ms numeric := extract(epoch FROM pg_catalog.current_setting('statement_timeout')::interval) * 1000;
BEGIN
  IF pg_catalog.current_schemas(false) IS DISTINCT FROM ARRAY['public']::name[]
     OR (pg_catalog.pg_my_temp_schema() <> 0
         AND (EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.relnamespace = pg_catalog.pg_my_temp_schema())
              OR EXISTS (SELECT FROM pg_catalog.pg_type t WHERE t.typnamespace = pg_catalog.pg_my_temp_schema())))
     OR current_user IS DISTINCT FROM session_user
     OR pg_catalog.current_setting('row_security') <> 'on'
     OR pg_catalog.current_setting('standard_conforming_strings') <> 'on'
     OR pg_catalog.current_setting('transform_null_equals') <> 'off'
     OR pg_catalog.current_setting('array_nulls') <> 'on'
     OR pg_catalog.current_setting('DateStyle') NOT LIKE 'ISO,%'
     OR pg_catalog.current_setting('IntervalStyle') <> 'postgres'
     OR (p_time_zone IS NOT NULL AND zone <> p_time_zone AND NOT (zone = ANY (utc) AND p_time_zone = ANY (utc)))
     OR p_statement_timeout_ms IS NULL OR timeout_ms < 1 OR timeout_ms > p_statement_timeout_ms THEN
    RAISE EXCEPTION 'the database session is not pinned for a one-statement read'
      USING ERRCODE = '55H01', HINT = 'send the read through a transaction, whose entering pins the session';
  END IF;
  -- what applies from now on: output formats, the session's budget for the next statements
  PERFORM app.pin_transaction(p_statement_timeout_ms, p_time_zone);
END
$$;

-- The ways in for one-statement reads: the session checked and pinned, then the same checks as the transaction's
-- entering.
CREATE OR REPLACE FUNCTION app.read_as_tenant_with_assertion(p_context text, p_signature text, p_extra jsonb,
                                         p_statement_timeout_ms integer, p_time_zone text)
RETURNS TABLE (tenant_id text, user_id text, role text)
LANGUAGE plpgsql VOLATILE ROWS 1
AS $$
BEGIN
  PERFORM app.pin_read_statement(p_statement_timeout_ms, p_time_zone);
  RETURN QUERY SELECT c.tenant_id, c.user_id, c.role FROM app.check_signed_context(p_context, p_signature, p_extra) c;
END
$$;
CREATE OR REPLACE FUNCTION app.read_as_tenant_with_token(p_token_hash text, p_statement_timeout_ms integer,
                                                         p_time_zone text)
RETURNS TABLE (tenant_id text, user_id text, role text)
LANGUAGE plpgsql VOLATILE ROWS 1
AS $$
BEGIN
  PERFORM app.pin_read_statement(p_statement_timeout_ms, p_time_zone);
  RETURN QUERY SELECT c.tenant_id, c.user_id, c.role FROM app.check_token(p_token_hash) c;
END
$$;
-- The seed's call, kept as it was (SELECT app.enter_tenant(assertion, signature, '{}'::jsonb) returns the role): its
-- transaction is pinned the same way; a session found read-only is repaired for the next transaction.
CREATE OR REPLACE FUNCTION app.enter_tenant(p_context text, p_signature text, p_extra jsonb DEFAULT '{}'::jsonb)
RETURNS text
LANGUAGE sql VOLATILE
AS $$ SELECT role FROM app.enter_tenant_with_assertion(p_context, p_signature, p_extra, NULL, NULL) $$;

REVOKE ALL ON FUNCTION app.proven_setting(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.current_tenant_id() FROM PUBLIC;
REVOKE ALL ON FUNCTION app.current_user_role() FROM PUBLIC;
REVOKE ALL ON FUNCTION app.pin_transaction(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.check_signed_context(text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.check_token(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.enter_tenant_with_assertion(text, text, jsonb, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.enter_tenant_with_token(text, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.enter_tenant(text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.pin_read_statement(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.read_as_tenant_with_assertion(text, text, jsonb, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.read_as_tenant_with_token(text, integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.proven_setting(text) TO hospitality_app, hospitality_admin;
GRANT EXECUTE ON FUNCTION app.current_tenant_id() TO hospitality_app, hospitality_admin;
GRANT EXECUTE ON FUNCTION app.current_user_role() TO hospitality_app, hospitality_admin;
GRANT EXECUTE ON FUNCTION app.pin_transaction(integer, text) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.check_signed_context(text, text, jsonb) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.check_token(text) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.enter_tenant_with_assertion(text, text, jsonb, integer, text) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.enter_tenant_with_token(text, integer, text) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.enter_tenant(text, text, jsonb) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.pin_read_statement(integer, text) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.read_as_tenant_with_assertion(text, text, jsonb, integer, text) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.read_as_tenant_with_token(text, integer, text) TO hospitality_app;
