// Against a hospitality database over the Data API (the local emulator in `make test`: run by
// tests/seed/test_typescript_client.py, which commits two tenants and passes who is who in TEST_WORLD).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sql } from "drizzle-orm";
import {
  DrizzleRLSClient,
  RLSConfigError,
  TenantContextRefused,
  contextVariables,
  parseContextKey,
  signContext,
} from "../index.mjs";

const world = JSON.parse(process.env.TEST_WORLD || "{}");
const rls = () => new DrizzleRLSClient({ externalIdentities: false });
const tenantIds = async (tx) => (await tx.execute(sql`SELECT tenant_id FROM bookings`)).rows.map((r) => r.tenant_id);

describe("without a database", () => {
  it("reads a context key as TENANT_CONTEXT_KEYS writes it", () => {
    assert.deepEqual(parseContextKey("seed-1:s3cr:et,old:x"), { keyId: "seed-1", secret: "s3cr:et" });
    assert.throws(() => parseContextKey("no-colon"), RLSConfigError);
    assert.throws(() => parseContextKey(undefined), /kid:secret/);
    assert.deepEqual(parseContextKey('{"kid": "seed-1", "secret": "abc"}'), { keyId: "seed-1", secret: "abc" });
    assert.throws(() => parseContextKey('{"kid": "seed-1"}'), /JSON must be/);
  });

  it("maps the seed's customVars: app.user_role to the role, the rest to app.ctx.*", () => {
    assert.deepEqual(contextVariables({ "app.user_role": "manager", "app.channel": "web", locale: "fr" }), {
      role: "manager",
      extra: { channel: "web", locale: "fr" },
    });
    assert.throws(() => contextVariables({ "app.current_tenant_id": "x" }), /signed; not a customVar/);
    assert.throws(() => contextVariables({ "Bad-Name": "x" }), RLSConfigError);
  });

  it("signs what the database verifies: the assertion's JSON under HMAC-SHA256", () => {
    const [assertion, signature] = signContext(
      { tenantId: "tenant-x-001", userId: "auth0|u1", customVars: { "app.user_role": "staff" } },
      { keyId: "k1", secret: "secret" },
      { now: 1_700_000_000_000 },
    );
    assert.deepEqual(JSON.parse(assertion), {
      kid: "k1",
      tenant: "tenant-x-001",
      user: "auth0|u1",
      role: "staff",
      external: true,
      exp: 1_700_000_060,
    });
    assert.match(signature, /^[0-9a-f]{64}$/);
  });

  it("refuses a context without a tenant or a user before any call", () => {
    assert.throws(() => signContext({ userId: "u" }, { keyId: "k", secret: "s" }), /tenantId is required/);
    assert.throws(() => signContext({ tenantId: "t" }, { keyId: "k", secret: "s" }), /userId is required/);
  });

  it("names the missing setting", () => {
    assert.throws(
      () => new DrizzleRLSClient({ resourceArn: "a", secretArn: "s", database: "d", contextKey: "" }),
      /kid:secret/,
    );
    assert.throws(
      () => new DrizzleRLSClient({ resourceArn: "", secretArn: "s", database: "d", contextKey: "k:s" }),
      /resourceArn is required/,
    );
  });
});

// Without TEST_WORLD (`npm test` on its own) these are skipped, saying where they run; the project's run of them
// fails on any skip.
const noDatabase = world.tenantA
  ? false
  : "no TEST_WORLD: run from the project's make test (tests/seed/test_typescript_client.py)";

describe("against the database", { skip: noDatabase }, () => {

  it("sees exactly its tenant's rows", async () => {
    const tenants = await rls().withRLS({ tenantId: world.tenantA, userId: world.userA }, tenantIds);
    assert.equal(tenants.length, world.bookingsA);
    assert.deepEqual(new Set(tenants), new Set([world.tenantA]));
  });

  it("sets customVars as app.ctx.* for the transaction only", async () => {
    const client = rls();
    const context = { tenantId: world.tenantA, userId: world.userA, customVars: { "app.channel": "web" } };
    const seen = await client.withRLS(context, async (tx) => {
      const { rows } = await tx.execute(sql`SELECT current_setting('app.ctx.channel', true) AS channel`);
      return rows[0].channel;
    });
    assert.equal(seen, "web");
  });

  it("throws TenantContextRefused for another tenant, another role or a key the database lacks", async () => {
    const refusals = [
      [rls(), { tenantId: world.tenantB, userId: world.userA }],
      [rls(), { tenantId: world.tenantA, userId: world.userA, customVars: { "app.user_role": "viewer" } }],
      [
        new DrizzleRLSClient({ externalIdentities: false, contextKey: "not-installed:secret" }),
        { tenantId: world.tenantA, userId: world.userA },
      ],
    ];
    for (const [client, context] of refusals) {
      let ran = false;
      await assert.rejects(
        client.withRLS(context, async () => {
          ran = true;
        }),
        (error) => error instanceof TenantContextRefused && error.message.includes(context.tenantId),
      );
      assert.equal(ran, false, "the work never runs in a refused transaction");
    }
  });

  it("rolls the transaction back when the work throws", async () => {
    const client = rls();
    const context = { tenantId: world.tenantA, userId: world.userA };
    await assert.rejects(
      client.withRLS(context, async (tx) => {
        await tx.execute(sql`UPDATE bookings SET guest_name = 'rolled back' WHERE tenant_id = ${world.tenantA}`);
        throw new Error("work failed");
      }),
      /work failed/,
    );
    const names = await client.withRLS(context, async (tx) =>
      (await tx.execute(sql`SELECT count(*)::int AS n FROM bookings WHERE guest_name = 'rolled back'`)).rows,
    );
    assert.equal(names[0].n, 0);
  });
});
