-- Schema ownership and default privileges, run inside the application database. Idempotent.
-- The owner creates tables through migrations; the admin gets DML on all of them by default privileges. The app
-- role gets USAGE here and its table grants from the policy files, table by table (never ALL, never TRUNCATE).
ALTER SCHEMA public OWNER TO hospitality_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO hospitality_admin, hospitality_app;
ALTER DEFAULT PRIVILEGES FOR ROLE hospitality_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hospitality_admin;
ALTER DEFAULT PRIVILEGES FOR ROLE hospitality_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO hospitality_admin;

-- Nothing the tenant role runs may outlive its transaction on a pooled session: no temporary tables, views or
-- functions (PUBLIC holds TEMPORARY on a new database, on Aurora too), no schema of its own.
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC, hospitality_app', current_database());
END
$$;
