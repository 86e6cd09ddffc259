-- Database roles of the design (docs/architecture.md, "Roles"). Idempotent: creates missing roles and (re)asserts the
-- attributes a role with CREATEROLE may set, so a role altered by hand is put back. Runs as the cluster's master:
-- on Aurora a member of rds_superuser, NOT a superuser, so nothing here names SUPERUSER, REPLICATION or BYPASSRLS
-- (PostgreSQL refuses even NOSUPERUSER from a non-superuser). New roles have none of them; the audit (rls_verify)
-- reports a role that gained one. Passwords are set by whoever provisions the roles (`manage.py
-- bootstrap_database` from their secrets, or the local stack), never here.
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

-- Owns the schema and the tables, runs migrations. RLS is FORCEd on tenant tables, so even the owner is subject to
-- the policies.
ALTER ROLE hospitality_owner LOGIN NOCREATEDB NOCREATEROLE INHERIT;
-- The trusted path (Django admin, auth, operator commands): sees every tenant through its own policy on each tenant
-- table (trusted_all, sql/20_policies.sql) — a role, never a GUC; BYPASSRLS would need a superuser to grant.
ALTER ROLE hospitality_admin LOGIN NOCREATEDB NOCREATEROLE NOINHERIT;
-- Every tenant API request: owns nothing, DML only, subject to RLS.
ALTER ROLE hospitality_app LOGIN NOCREATEDB NOCREATEROLE NOINHERIT;
