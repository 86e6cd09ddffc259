import type { RDSDataClient } from "@aws-sdk/client-rds-data";
import type { AwsDataApiPgDatabase } from "drizzle-orm/aws-data-api/pg";

/** The seed's RLSContext: who is calling, for one transaction. */
export interface RLSContext {
  /** The tenant's id, e.g. "tenant-seaside-001". */
  tenantId: string;
  /** The caller's id at the identity provider (a membership's external id), or this project's user id. */
  userId: string;
  /**
   * "app.user_role": the role the caller claims (refused unless it is the membership's); any other "app.<name>"
   * (or "<name>") becomes current_setting('app.ctx.<name>') in the transaction.
   */
  customVars?: Record<string, string | number | boolean | null>;
}

export interface RLSClientConfig {
  /** DB_CLUSTER_ARN */
  resourceArn?: string;
  /** DB_SECRET_ARN: the secret of the tenant role (hospitality_app), not the master's. */
  secretArn?: string;
  /** DATABASE_NAME */
  database?: string;
  /** AWS_REGION */
  region?: string;
  /** DATA_API_ENDPOINT (a local emulator). */
  endpoint?: string;
  /** TENANT_CONTEXT_KEY: "kid:secret" or JSON {"kid","secret"}, a key the database holds (context_keys sync). */
  contextKey?: string;
  /** userId is the identity provider's id (default true; TENANT_EXTERNAL_IDENTITIES=false for numeric ids). */
  externalIdentities?: boolean;
  /** DEBUG_DATA_API: log each transaction's latency (never the context). */
  debug?: boolean;
  /** An RDSDataClient of your own (retries, credentials). */
  client?: RDSDataClient;
}

export type RLSTransaction = Parameters<Parameters<AwsDataApiPgDatabase["transaction"]>[0]>[0];

export declare class DrizzleRLSClient {
  constructor(config?: RLSClientConfig);
  readonly db: AwsDataApiPgDatabase;
  withRLS<T>(context: RLSContext, fn: (tx: RLSTransaction) => Promise<T>): Promise<T>;
}

/** The database refused the context: not an active member (with that role), an unknown key, or a skewed clock. */
export declare class TenantContextRefused extends Error {
  constructor(context: RLSContext, keyId: string, cause?: unknown);
}

/** A configuration or context refused before any call (missing tenant, bad key format, bad variable name). */
export declare class RLSConfigError extends Error {}

export declare function parseContextKey(value: string): { keyId: string; secret: string };
export declare function contextVariables(customVars?: RLSContext["customVars"]): {
  role: string | null;
  extra: Record<string, string>;
};
export declare function signContext(
  context: RLSContext,
  key: { keyId: string; secret: string },
  options?: { external?: boolean; now?: number },
): [assertion: string, signature: string];
