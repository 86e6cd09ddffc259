-- Database roles of the design (docs: README "Database roles"). Idempotent: creates missing roles and
-- (re)asserts every attribute, so a role altered by hand is put back. Passwords are set by whoever provisions
-- the role (the local stack, or Secrets Manager rotation on Aurora), never here.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hospitality_owner') THEN
    CREATE ROLE hospitality_owner;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hospitality_admin') THEN
    CREATE ROLE hospitality_admin;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hospitality_app') THEN
    CREATE ROLE hospitality_app;
  END IF;
END
$$;

-- Owns the schema and the tables, runs migrations. Not a superuser: RLS is FORCEd on tenant tables, so even the
-- owner is subject to the policies.
ALTER ROLE hospitality_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;
-- The trusted path (Django admin, auth, operator commands): sees every tenant by role, never by a GUC.
ALTER ROLE hospitality_admin LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION BYPASSRLS NOINHERIT;
-- Every tenant API request: owns nothing, DML only, subject to RLS.
ALTER ROLE hospitality_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
