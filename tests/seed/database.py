"""A seed database as the seed's own tooling builds it: the Drizzle schema (what drizzle-kit generates, with an RLS
policy of the seed's kind) and rows for two tenants. Run by the cluster's master, as drizzle-kit is on Aurora."""

ALPHA, BETA = "tenant-seed-alpha-001", "tenant-seed-beta-002"

# What `drizzle-kit generate` writes for the guide's schema (uuid_generate_v7() is the seed's own function).
SEED_DDL = """
CREATE OR REPLACE FUNCTION uuid_generate_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send(floor(extract(epoch FROM
    clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 'hex')::uuid $$;
CREATE TABLE IF NOT EXISTS "entities" (
  "id" uuid PRIMARY KEY DEFAULT uuid_generate_v7() NOT NULL, "tenant_id" text NOT NULL,
  "entity_type" text NOT NULL, "name" text NOT NULL, "metadata" jsonb DEFAULT '{}'::jsonb,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL, "created_by" text NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL);
CREATE TABLE IF NOT EXISTS "bookings" (
  "id" uuid PRIMARY KEY DEFAULT uuid_generate_v7() NOT NULL, "tenant_id" text NOT NULL,
  "property_id" uuid NOT NULL, "room_id" uuid NOT NULL, "guest_id" text NOT NULL, "check_in" date NOT NULL,
  "check_out" date NOT NULL, "status" text DEFAULT 'pending' NOT NULL,
  "total_amount" numeric(10, 2) DEFAULT '0' NOT NULL, "metadata" jsonb DEFAULT '{}'::jsonb,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL, "created_by" text NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL);
CREATE TABLE IF NOT EXISTS "tenant_relationships" (
  "id" uuid PRIMARY KEY DEFAULT uuid_generate_v7() NOT NULL, "tenant_id" text NOT NULL, "entity_id" uuid NOT NULL,
  "external_id" text NOT NULL, "relationship_type" text NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL, "created_by" text NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL);
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_property_id_entities_id_fk" FOREIGN KEY ("property_id")
  REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_room_id_entities_id_fk" FOREIGN KEY ("room_id")
  REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;
ALTER TABLE "tenant_relationships" ADD CONSTRAINT "tenant_relationships_entity_id_entities_id_fk"
  FOREIGN KEY ("entity_id") REFERENCES "public"."entities"("id") ON DELETE no action ON UPDATE no action;
CREATE INDEX IF NOT EXISTS "idx_entities_tenant_id" ON "entities" USING btree ("tenant_id");
CREATE INDEX IF NOT EXISTS "idx_entities_entity_type" ON "entities" USING btree ("entity_type");
CREATE INDEX IF NOT EXISTS "idx_bookings_tenant_id" ON "bookings" USING btree ("tenant_id");
CREATE INDEX IF NOT EXISTS "idx_bookings_guest_id" ON "bookings" USING btree ("guest_id");
CREATE INDEX IF NOT EXISTS "idx_bookings_property_id" ON "bookings" USING btree ("property_id");
CREATE INDEX IF NOT EXISTS "idx_tenant_relationships_tenant_id" ON "tenant_relationships" USING btree ("tenant_id");
CREATE INDEX IF NOT EXISTS "idx_tenant_relationships_external_id" ON "tenant_relationships"
  USING btree ("external_id");
-- the seed's own RLS (session variable only): replaced by this project's policies
ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_policy ON bookings
  USING (tenant_id = current_setting('app.current_tenant_id', true));
"""

# Rows for two tenants: hotels with rooms, a restaurant, 12,000 bookings for alpha (more than one copy batch).
SEED_ROWS = """
INSERT INTO entities (tenant_id, entity_type, name, metadata, created_by)
SELECT t, k, n, jsonb_build_object('seeded', true), 'seed-app'
FROM (VALUES (%(a)s, 'hotel', 'Alpha Hotel'), (%(a)s, 'room', 'Alpha Room 1'), (%(a)s, 'room', 'Alpha Room 2'),
             (%(a)s, 'restaurant', 'Alpha Bistro'), (%(b)s, 'hotel', 'Beta Lodge'), (%(b)s, 'room', 'Beta Room 1'))
  AS v(t, k, n);
INSERT INTO bookings (tenant_id, property_id, room_id, guest_id, check_in, check_out, status, total_amount,
                      metadata, created_by)
SELECT %(a)s, (SELECT id FROM entities WHERE name = 'Alpha Hotel'),
       (SELECT id FROM entities WHERE name = 'Alpha Room ' || (1 + i %% 2)), 'idp|guest-' || i,
       date '2027-01-01' + (i %% 300), date '2027-01-01' + (i %% 300) + 2, (ARRAY['pending', 'confirmed'])[1 + i %% 2],
       (i %% 500)::numeric / 4, CASE WHEN i %% 7 = 0 THEN NULL ELSE jsonb_build_object('n', i) END, 'seed-app'
FROM generate_series(1, 12000) i;
INSERT INTO bookings (tenant_id, property_id, room_id, guest_id, check_in, check_out, created_by)
SELECT %(b)s, (SELECT id FROM entities WHERE name = 'Beta Lodge'), (SELECT id FROM entities WHERE name = 'Beta Room 1'),
       'idp|beta-' || i, date '2027-06-01' + i, date '2027-06-01' + i + 1, 'seed-app'
FROM generate_series(1, 25) i;
INSERT INTO tenant_relationships (tenant_id, entity_id, external_id, relationship_type, created_by)
SELECT tenant_id, id, 'channel-' || name, 'channel', 'seed-app' FROM entities WHERE entity_type = 'hotel';
"""
