-- Entering a tenant: the first statement of every tenant request's transaction. SECURITY DEFINER (runs as the
-- owner, who can read memberships and tokens; the app role cannot), search_path pinned, EXECUTE only for the app
-- role. Values are parameters, set with set_config(..., true): transaction-local, never session-level.
-- Unknown tenant, non-member, wrong role and inactive user all raise the same error (no existence oracle).
-- p_role NULL means "the member's own role" (browser sessions); a role claimed by a JWT must match the membership.
-- p_external: p_user_id is the identity provider's text id (tenants_membership.external_id, as the seed's JWTs and
-- headers carry it), not a Django user id; app.current_user_id is then that text id, as in the seed.
-- Returns the effective role.
DROP FUNCTION IF EXISTS app.enter_tenant(text, text, text, jsonb);
DROP FUNCTION IF EXISTS app.enter_tenant(text, text, text, jsonb, boolean);
CREATE FUNCTION app.enter_tenant(p_tenant_id text, p_user_id text, p_role text,
                                 p_extra jsonb DEFAULT '{}'::jsonb, p_external boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  k text;
  v text;
  member_role text;
BEGIN
  SELECT m.role INTO member_role
  FROM public.tenants_membership m
  JOIN public.auth_user u ON u.id = m.user_id
  JOIN public.tenants_tenant t ON t.id = m.tenant_id
  WHERE m.tenant_id = p_tenant_id AND u.is_active AND t.is_active
    AND CASE WHEN p_external THEN m.external_id = p_user_id ELSE u.id::text = p_user_id END;
  IF member_role IS NULL OR (p_role IS NOT NULL AND p_role <> member_role) THEN
    RAISE EXCEPTION 'tenant access denied' USING ERRCODE = '28000';
  END IF;
  PERFORM set_config('app.current_tenant_id', p_tenant_id, true);
  PERFORM set_config('app.current_user_id', p_user_id, true);
  PERFORM set_config('app.user_role', member_role, true);
  -- custom variables, namespaced under app.ctx. so they can never shadow the three above
  FOR k, v IN SELECT key, value FROM jsonb_each_text(coalesce(p_extra, '{}'::jsonb)) LOOP
    IF k !~ '^[a-z][a-z0-9_]{0,40}$' THEN
      RAISE EXCEPTION 'invalid context variable name' USING ERRCODE = '22023';
    END IF;
    PERFORM set_config('app.ctx.' || k, v, true);
  END LOOP;
  RETURN member_role;
END
$$;

-- API tokens: the caller sends the token; only its SHA-256 reaches the database, looked up here, so token checks
-- and the tenant context cost one statement.
CREATE OR REPLACE FUNCTION app.enter_tenant_with_token(p_token_hash text)
RETURNS TABLE (tenant_id text, user_id text, role text)
LANGUAGE plpgsql SECURITY DEFINER VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
BEGIN
  SELECT t.tenant_id, m.user_id::text AS user_id, m.role INTO r
  FROM public.tenants_apitoken t
  JOIN public.tenants_membership m ON m.tenant_id = t.tenant_id AND m.user_id = t.user_id
  JOIN public.auth_user u ON u.id = m.user_id
  JOIN public.tenants_tenant tt ON tt.id = t.tenant_id
  WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL
    AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.is_active AND tt.is_active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invalid token' USING ERRCODE = '28P01';
  END IF;
  PERFORM set_config('app.current_tenant_id', r.tenant_id, true);
  PERFORM set_config('app.current_user_id', r.user_id, true);
  PERFORM set_config('app.user_role', r.role, true);
  RETURN QUERY SELECT r.tenant_id::text, r.user_id::text, r.role::text;
END
$$;

REVOKE ALL ON FUNCTION app.enter_tenant(text, text, text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION app.enter_tenant_with_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.enter_tenant(text, text, text, jsonb, boolean) TO hospitality_app;
GRANT EXECUTE ON FUNCTION app.enter_tenant_with_token(text) TO hospitality_app;
