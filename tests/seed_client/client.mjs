// The seed's data layer against our database: drizzle-orm's aws-data-api/pg driver over @aws-sdk/client-rds-data,
// pointed at the Data API (the local emulator in the tests). Each command runs in one Data API transaction whose
// first statement enters the tenant, and prints one JSON document. Two ways in, as the seed's team meets them:
//   SEED_CLIENT=legacy   the seed app unchanged: its own withRLS, set_config calls for the three variables, with
//                        its own secret (works on an adopted database only while the seed window is open)
//   otherwise            the drop-in module (clients/typescript): withRLS signs the context, app.enter_tenant
//
//   node client.mjs <command> <tenantId> <userId> <role> [json-arguments]
//   commands: list | insert {"propertyId","roomId","guestId","checkIn","checkOut"} | update {"id","status"}
//             | delete {"id"} | find {"ids"} | raw-list (no tenant entered: must see nothing)
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { DrizzleRLSClient } from "@hospitality/drizzle-rls-client";
import { asc, eq, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/aws-data-api/pg";
import { bookings } from "./schema.mjs";

const [command, tenantId, userId, role, args] = process.argv.slice(2);
const input = args ? JSON.parse(args) : {};
const legacy = process.env.SEED_CLIENT === "legacy";
const context = { tenantId, userId, customVars: { "app.user_role": role } };

// The seed's own client: set_config(name, value, true) for each variable, then the work, in one transaction.
const db = drizzle(
  new RDSDataClient({ endpoint: process.env.DATA_API_ENDPOINT || undefined, region: process.env.AWS_REGION }),
  { database: process.env.DATABASE_NAME, secretArn: process.env.DB_SECRET_ARN, resourceArn: process.env.DB_CLUSTER_ARN },
);
const seedWithRLS = (work) =>
  db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('app.current_tenant_id', ${tenantId}, true),
                                set_config('app.current_user_id', ${userId}, true),
                                set_config('app.user_role', ${role}, true)`);
    return work(tx);
  });
const withTenant = legacy ? seedWithRLS : (work) => new DrizzleRLSClient().withRLS(context, work);

const commands = {
  list: () => withTenant((tx) => tx.select().from(bookings).orderBy(asc(bookings.checkIn), asc(bookings.id))),
  insert: () => withTenant((tx) => tx.insert(bookings).values({
    tenantId, propertyId: input.propertyId, roomId: input.roomId, guestId: input.guestId,
    checkIn: input.checkIn, checkOut: input.checkOut, createdBy: userId,
  }).returning()),
  update: () => withTenant((tx) => tx.update(bookings).set({ status: input.status, updatedAt: new Date() })
    .where(eq(bookings.id, input.id)).returning()),
  delete: () => withTenant((tx) => tx.delete(bookings).where(eq(bookings.id, input.id)).returning()),
  find: () => withTenant((tx) => tx.select().from(bookings).where(inArray(bookings.id, input.ids))),
  "raw-list": () => db.select().from(bookings),
};

try {
  const result = await commands[command]();
  process.stdout.write(JSON.stringify({ ok: true, rows: result }));
} catch (error) {
  const message = error?.name === "TenantContextRefused" ? error.message : error?.cause?.message ?? error?.message;
  process.stdout.write(JSON.stringify({ ok: false, error: String(message ?? error) }));
  process.exitCode = 3;
}
