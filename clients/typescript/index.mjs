// The seed's RLS client (`withRLS(context, fn)` with `RLSContext { tenantId, userId, customVars }`) for drizzle-orm's
// aws-data-api/pg driver, entering the tenant the way the hospitality database requires: one signed call,
// `SELECT app.enter_tenant(assertion, signature, extra)`, as the first statement of each transaction. The bare
// `set_config('app.current_tenant_id', ...)` calls it replaces count for nothing there (outside the adoption's
// transition window, and never for the tenant role).
import { createHmac } from "node:crypto";
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/aws-data-api/pg";

// How long a signed assertion is valid: the database refuses more than 600 s ahead.
const ASSERTION_SECONDS = 60;
// customVars become `app.ctx.<name>` in the transaction; the database accepts these names only.
const VARIABLE_NAME = /^[a-z][a-z0-9_]{0,40}$/;
const ROLE_VARIABLE = "app.user_role";
const RESERVED = new Set(["current_tenant_id", "current_user_id", "user_role"]);

/** The database refused the tenant context: not a member, inactive, another role, or a key it does not hold. */
export class TenantContextRefused extends Error {
  constructor(context, keyId, cause) {
    super(
      `tenant context refused for tenant ${context.tenantId}, user ${context.userId ?? "(none)"}: not an active ` +
        `member (with that role), or the database does not hold key "${keyId}" ` +
        "(manage.py context_keys sync), or this machine's clock is off",
      { cause },
    );
    this.name = "TenantContextRefused";
  }
}

/** A configuration or context the client refuses before any call. */
export class RLSConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = "RLSConfigError";
  }
}

/**
 * "kid:secret" (the format of TENANT_CONTEXT_KEYS; the first key when several are given), or the JSON
 * {"kid", "secret"} that the template's SeedContextKey secret holds.
 */
export function parseContextKey(value) {
  const text = String(value ?? "").trim();
  if (text.startsWith("{")) {
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = {};
    }
    if (typeof parsed.kid !== "string" || !parsed.kid || typeof parsed.secret !== "string" || !parsed.secret) {
      throw new RLSConfigError('contextKey: JSON must be {"kid": "...", "secret": "..."}');
    }
    return { keyId: parsed.kid, secret: parsed.secret };
  }
  const first = text.split(",")[0].trim();
  const colon = first.indexOf(":");
  if (colon < 1 || colon === first.length - 1) {
    throw new RLSConfigError(
      'contextKey: expected "kid:secret" (TENANT_CONTEXT_KEY), with the key id the database holds this key under',
    );
  }
  return { keyId: first.slice(0, colon), secret: first.slice(colon + 1) };
}

/** The role and the extra variables of a seed RLSContext's customVars. */
export function contextVariables(customVars = {}) {
  let role = null;
  const extra = {};
  for (const [key, value] of Object.entries(customVars)) {
    if (key === ROLE_VARIABLE) {
      role = value == null ? null : String(value);
      continue;
    }
    const name = key.startsWith("app.") ? key.slice(4) : key;
    if (RESERVED.has(name)) {
      throw new RLSConfigError(`customVars: "${key}" comes from RLSContext.tenantId / userId, signed; not a customVar`);
    }
    if (!VARIABLE_NAME.test(name)) {
      throw new RLSConfigError(
        `customVars: "${key}" is not a variable the database accepts (app.<name>, name of lowercase letters, ` +
          "digits and _, at most 41 characters); it is readable as current_setting('app.ctx.<name>')",
      );
    }
    extra[name] = String(value);
  }
  return { role, extra };
}

/** [assertion, signature] for one transaction: HMAC-SHA256 (hex) of the JSON assertion under the key. */
export function signContext(context, key, { external = true, now = Date.now() } = {}) {
  if (!context || typeof context.tenantId !== "string" || !context.tenantId) {
    throw new RLSConfigError("RLSContext.tenantId is required: no tenant, no rows");
  }
  if (typeof context.userId !== "string" || !context.userId) {
    throw new RLSConfigError("RLSContext.userId is required: the database checks the user's membership");
  }
  const { role } = contextVariables(context.customVars);
  const assertion = JSON.stringify({
    kid: key.keyId,
    tenant: context.tenantId,
    user: context.userId,
    role,
    external,
    exp: Math.floor(now / 1000) + ASSERTION_SECONDS,
  });
  return [assertion, createHmac("sha256", key.secret).update(assertion).digest("hex")];
}

function isRefusal(error) {
  for (let e = error; e; e = e.cause) {
    if (/tenant access denied/.test(String(e.message ?? ""))) return true;
  }
  return false;
}

export class DrizzleRLSClient {
  /**
   * The seed's constructor options, each defaulting to the seed's environment variable, plus the context key
   * (TENANT_CONTEXT_KEY, "kid:secret") and whether user ids are the identity provider's (default true, as in the
   * seed; false: this project's numeric user ids).
   */
  constructor(config = {}) {
    const env = process.env;
    this.config = {
      resourceArn: config.resourceArn ?? env.DB_CLUSTER_ARN,
      secretArn: config.secretArn ?? env.DB_SECRET_ARN,
      database: config.database ?? env.DATABASE_NAME,
      region: config.region ?? env.AWS_REGION,
      endpoint: config.endpoint ?? env.DATA_API_ENDPOINT,
      externalIdentities: config.externalIdentities ?? env.TENANT_EXTERNAL_IDENTITIES !== "false",
      debug: config.debug ?? env.DEBUG_DATA_API === "true",
    };
    for (const name of ["resourceArn", "secretArn", "database"]) {
      if (!this.config[name]) throw new RLSConfigError(`${name} is required (or its environment variable)`);
    }
    this.key = parseContextKey(config.contextKey ?? env.TENANT_CONTEXT_KEY);
    this.client =
      config.client ??
      new RDSDataClient({ region: this.config.region || "us-east-1", endpoint: this.config.endpoint || undefined });
    this.db = drizzle(this.client, {
      database: this.config.database,
      secretArn: this.config.secretArn,
      resourceArn: this.config.resourceArn,
    });
  }

  /** Run fn(tx) in one transaction whose first statement enters the tenant; commits when fn resolves. */
  async withRLS(context, fn) {
    const [assertion, signature] = signContext(context, this.key, { external: this.config.externalIdentities });
    const { extra } = contextVariables(context.customVars);
    const started = Date.now();
    try {
      return await this.db.transaction(async (tx) => {
        try {
          await tx.execute(sql`SELECT app.enter_tenant(${assertion}, ${signature}, ${JSON.stringify(extra)}::jsonb)`);
        } catch (error) {
          throw isRefusal(error) ? new TenantContextRefused(context, this.key.keyId, error) : error;
        }
        return fn(tx);
      });
    } finally {
      if (this.config.debug) {
        console.debug(`[rls] tenant ${context.tenantId}: ${Date.now() - started} ms`);
      }
    }
  }
}
