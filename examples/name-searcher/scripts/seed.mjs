#!/usr/bin/env node
// Writes a few people into the name-searcher table, through the standard SDK chain: AWS_REGION,
// AWS_PROFILE, AWS_ENDPOINT_URL (moto) all apply.
//   node scripts/seed.mjs [--create] [TABLE]   (TABLE defaults to $TABLE_NAME)
// --create makes the table first (key `name`, on demand), as infra/ does: for an emulator, e.g.
// `lambda-rollout rehearse --setup "node scripts/seed.mjs --create people"`.
// Plain JavaScript so it runs with `node` alone (no TypeScript loader is installed).
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Names are stored NFC-normalised, the form the handler looks up. */
const PEOPLE = [
  { name: "John Doe", email: "john.doe@example.com", city: "Springfield" },
  { name: "Jane Roe", email: "jane.roe@example.com", city: "Shelbyville" },
  { name: "José Álvarez", email: "jose.alvarez@example.com", city: "Sevilla" },
  { name: "Zoë Ødegaard", email: "zoe.odegaard@example.com", city: "Tromsø" },
  { name: "山田 太郎", email: "taro.yamada@example.com", city: "東京" },
].map((person) => ({ ...person, name: person.name.normalize("NFC") }));

const args = process.argv.slice(2);
const create = args.includes("--create");
const table = args.find((arg) => arg !== "--create") ?? process.env.TABLE_NAME;
if (!table) {
  process.stderr.write("usage: node scripts/seed.mjs [--create] TABLE (or set TABLE_NAME)\n");
  process.exit(2);
}

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
try {
  if (create) {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: "name", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "name", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  }
  // One batch (at most 25 items); retry whatever DynamoDB hands back as unprocessed.
  let requests = { [table]: PEOPLE.map((Item) => ({ PutRequest: { Item } })) };
  for (let attempt = 0; Object.keys(requests).length > 0; attempt++) {
    if (attempt >= 5) throw new Error("DynamoDB left items unprocessed after 5 attempts");
    const reply = await client.send(new BatchWriteCommand({ RequestItems: requests }));
    requests = reply.UnprocessedItems ?? {};
  }
  process.stdout.write(
    `Seeded ${PEOPLE.length} people into ${table}: ${PEOPLE.map((p) => p.name).join(", ")}\n`,
  );
} catch (error) {
  process.stderr.write(
    `Seeding ${table} failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  client.destroy();
}
