-- Row-level security on every tenant table (the list is rls_apply's TENANT_TABLES; {table} is substituted).
-- ENABLE + FORCE (the owner is subject too); one permissive policy per command for the app role, and a RESTRICTIVE
-- tenant policy ANDed with any permissive one, so a policy added later can never widen access. The predicate's
-- subquery makes it an InitPlan: evaluated once per statement, not per row.
ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.{table} FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS tenant_isolation ON public.{table};
CREATE POLICY tenant_isolation ON public.{table} AS RESTRICTIVE FOR ALL TO hospitality_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));

-- Reads for every member; writes only for the roles that may write this table ({writers}, from rls.WRITERS), read
-- from the proven context: a bug in a view can never let a viewer write.
DROP POLICY IF EXISTS app_select ON public.{table};
CREATE POLICY app_select ON public.{table} FOR SELECT TO hospitality_app USING (true);
DROP POLICY IF EXISTS app_insert ON public.{table};
CREATE POLICY app_insert ON public.{table} FOR INSERT TO hospitality_app
  WITH CHECK ((SELECT app.current_user_role()) = ANY ({writers}));
DROP POLICY IF EXISTS app_update ON public.{table};
CREATE POLICY app_update ON public.{table} FOR UPDATE TO hospitality_app
  USING ((SELECT app.current_user_role()) = ANY ({writers}))
  WITH CHECK ((SELECT app.current_user_role()) = ANY ({writers}));
DROP POLICY IF EXISTS app_delete ON public.{table};
CREATE POLICY app_delete ON public.{table} FOR DELETE TO hospitality_app
  USING ((SELECT app.current_user_role()) = ANY ({writers}));

-- The trusted path (staff admin, operator commands) sees and changes every tenant's rows by role: hospitality_admin
-- is no superuser and has no BYPASSRLS (a cluster master that is not a superuser cannot grant it). The RESTRICTIVE
-- policy above applies to the app role only, so nothing narrows this one.
DROP POLICY IF EXISTS trusted_all ON public.{table};
CREATE POLICY trusted_all ON public.{table} FOR ALL TO hospitality_admin USING (true) WITH CHECK (true);

-- DML only: never ALL, never TRUNCATE / REFERENCES / TRIGGER.
REVOKE ALL ON public.{table} FROM hospitality_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.{table} TO hospitality_app;
