// The seed's data layer against our database: drizzle-orm's aws-data-api/pg driver over @aws-sdk/client-rds-data,
// pointed at the Data API (the local emulator in the tests). Each command runs in one Data API transaction whose
// first statement enters the tenant (app.enter_tenant with a signed assertion: the one call that replaces the
// seed's set_config calls),
// and prints one JSON document.
//
//   node client.mjs <command> <tenantId> <userId> <role> [json-arguments]
//   commands: list | insert {"propertyId","roomId","guestId","checkIn","checkOut"} | update {"id","status"}
//             | delete {"id"} | raw-list (no tenant entered: must see nothing)
import { createHmac } from "node:crypto";
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { drizzle } from "drizzle-orm/aws-data-api/pg";
import { asc, eq, sql } from "drizzle-orm";
import { bookings } from "./schema.mjs";

const client = new RDSDataClient({
  endpoint: process.env.DATA_API_ENDPOINT || undefined,
  region: process.env.AWS_REGION || "us-east-1",
});
const db = drizzle(client, {
  database: process.env.DATABASE_NAME,
  secretArn: process.env.DB_SECRET_ARN,
  resourceArn: process.env.DB_CLUSTER_ARN,
});

const [command, tenantId, userId, role, args] = process.argv.slice(2);
const input = args ? JSON.parse(args) : {};
const external = process.env.TENANT_EXTERNAL_IDENTITIES === "true";

// The application's signed assertion of who is calling (TENANT_CONTEXT_KEYS: "kid:secret", newest first; the same
// keys the database holds): what replaces the seed's set_config calls, which the database no longer trusts.
function signedContext() {
  const [kid, ...rest] = process.env.TENANT_CONTEXT_KEYS.split(",")[0].split(":");
  const assertion = JSON.stringify({ kid, tenant: tenantId, user: userId, role, external,
                                     exp: Math.floor(Date.now() / 1000) + 60 });
  return [assertion, createHmac("sha256", rest.join(":")).update(assertion).digest("hex")];
}

async function withTenant(work) {
  return db.transaction(async (tx) => {
    const [assertion, signature] = signedContext();
    await tx.execute(sql`SELECT app.enter_tenant(${assertion}, ${signature}, '{}'::jsonb)`);
    return work(tx);
  });
}

const commands = {
  list: () => withTenant((tx) => tx.select().from(bookings).orderBy(asc(bookings.checkIn), asc(bookings.id))),
  insert: () => withTenant((tx) => tx.insert(bookings).values({
    tenantId, propertyId: input.propertyId, roomId: input.roomId, guestId: input.guestId,
    checkIn: input.checkIn, checkOut: input.checkOut, createdBy: userId,
  }).returning()),
  update: () => withTenant((tx) => tx.update(bookings).set({ status: input.status, updatedAt: new Date() })
    .where(eq(bookings.id, input.id)).returning()),
  delete: () => withTenant((tx) => tx.delete(bookings).where(eq(bookings.id, input.id)).returning()),
  "raw-list": () => db.select().from(bookings),
};

try {
  const result = await commands[command]();
  process.stdout.write(JSON.stringify({ ok: true, rows: result }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error?.cause?.message ?? error?.message ?? error) }));
  process.exitCode = 3;
}
