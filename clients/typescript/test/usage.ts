// Type-checked by `npm run check-types` (tsc --noEmit --strict): the seed's calls, as its routes write them.
import { sql } from "drizzle-orm";
import { DrizzleRLSClient, TenantContextRefused, type RLSContext } from "../index.mjs";

const rlsDb = new DrizzleRLSClient({ contextKey: "seed-1:secret", debug: false });

export async function listBookings(context: RLSContext): Promise<number> {
  try {
    const result = await rlsDb.withRLS(context, async (tx) => tx.execute(sql`SELECT id FROM bookings`));
    return result.rows.length;
  } catch (error) {
    if (error instanceof TenantContextRefused) return 0;
    throw error;
  }
}

const context: RLSContext = { tenantId: "tenant-seaside-001", userId: "auth0|u1", customVars: { "app.user_role": "staff" } };
void listBookings(context);
