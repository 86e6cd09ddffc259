// The JavaScript SDK v3 against the emulator, unchanged: one statement in a transaction.
import { RDSDataClient, BeginTransactionCommand, ExecuteStatementCommand, CommitTransactionCommand }
  from "@aws-sdk/client-rds-data";

const client = new RDSDataClient({
  region: process.env.AWS_REGION, endpoint: process.env.DATA_API_ENDPOINT,
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const target = { resourceArn: process.env.DB_CLUSTER_ARN, secretArn: process.env.DB_SECRET_ARN };
const { transactionId } = await client.send(new BeginTransactionCommand({ ...target,
  database: process.env.DATABASE_NAME }));
const result = await client.send(new ExecuteStatementCommand({ ...target, database: process.env.DATABASE_NAME,
  transactionId, sql: "SELECT :n::int + 1 AS answer, current_user AS who",
  parameters: [{ name: "n", value: { longValue: 41 } }], includeResultMetadata: true }));
await client.send(new CommitTransactionCommand({ ...target, transactionId }));
console.log(JSON.stringify({ records: result.records, columns: result.columnMetadata.map((c) => c.name) }));
