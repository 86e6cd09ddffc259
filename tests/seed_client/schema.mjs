// The seed's Drizzle schema, as aws-data-api-migration-guide.md "Step 2.4: Define Drizzle Schema" defines it.
import { pgTable, uuid, text, timestamp, numeric, date, jsonb, index } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";

export const entities = pgTable(
  "entities",
  {
    id: uuid("id").primaryKey().default(sql`uuid_generate_v7()`),
    tenantId: text("tenant_id").notNull(),
    entityType: text("entity_type").notNull(),
    name: text("name").notNull(),
    metadata: jsonb("metadata").default(sql`'{}'::jsonb`),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
    createdBy: text("created_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (table) => ({
    tenantIdIdx: index("idx_entities_tenant_id").on(table.tenantId),
    entityTypeIdx: index("idx_entities_entity_type").on(table.entityType),
  }),
);

export const bookings = pgTable(
  "bookings",
  {
    id: uuid("id").primaryKey().default(sql`uuid_generate_v7()`),
    tenantId: text("tenant_id").notNull(),
    propertyId: uuid("property_id").notNull().references(() => entities.id),
    roomId: uuid("room_id").notNull().references(() => entities.id),
    guestId: text("guest_id").notNull(),
    checkIn: date("check_in").notNull(),
    checkOut: date("check_out").notNull(),
    status: text("status").notNull().default("pending"),
    totalAmount: numeric("total_amount", { precision: 10, scale: 2 }).notNull().default("0"),
    metadata: jsonb("metadata").default(sql`'{}'::jsonb`),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
    createdBy: text("created_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (table) => ({
    tenantIdIdx: index("idx_bookings_tenant_id").on(table.tenantId),
    guestIdIdx: index("idx_bookings_guest_id").on(table.guestId),
    propertyIdIdx: index("idx_bookings_property_id").on(table.propertyId),
  }),
);

export const tenantRelationships = pgTable(
  "tenant_relationships",
  {
    id: uuid("id").primaryKey().default(sql`uuid_generate_v7()`),
    tenantId: text("tenant_id").notNull(),
    entityId: uuid("entity_id").notNull().references(() => entities.id),
    externalId: text("external_id").notNull(),
    relationshipType: text("relationship_type").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
    createdBy: text("created_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (table) => ({
    tenantIdIdx: index("idx_tenant_relationships_tenant_id").on(table.tenantId),
    externalIdIdx: index("idx_tenant_relationships_external_id").on(table.externalId),
  }),
);
