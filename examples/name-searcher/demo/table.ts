/** The demo's DynamoDB table in the emulator: keyed by `key` (a string), with `items` written into it. */
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";

export async function createTable(
  emulator: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
  table: string,
  key: string,
  items: Record<string, string>[],
): Promise<void> {
  const dynamo = new DynamoDBClient(emulator);
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: key, AttributeType: "S" }],
        KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    for (const item of items) {
      const attributes = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, { S: v }]));
      await dynamo.send(new PutItemCommand({ TableName: table, Item: attributes }));
    }
  } finally {
    dynamo.destroy();
  }
}
