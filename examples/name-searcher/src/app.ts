import type { Logger } from "@aws-lambda-powertools/logger";
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { readName } from "./request.js";
import { badRequest, found, internalError, methodNotAllowed, notFound } from "./responses.js";

export interface HandlerDeps {
  /** Only `send` is used, so tests can pass a mocked client. */
  client: Pick<DynamoDBDocumentClient, "send">;
  /** From TABLE_NAME; undefined means the function is misconfigured (500, logged). */
  tableName: string | undefined;
  logger: Logger;
}

export type NameSearchHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/** Key attribute of the table; infra/ creates the table with this hash key. */
export const KEY_ATTRIBUTE = "name";

export function createHandler(deps: HandlerDeps): NameSearchHandler {
  const { client, logger, tableName } = deps;
  return async (event, context) => {
    // Request ids on every line; temporary keys from the previous invocation must not leak into this one.
    logger.resetKeys();
    logger.addContext(context);
    logger.appendKeys({ apiRequestId: event.requestContext?.requestId, httpMethod: event.httpMethod });

    if (event.httpMethod !== "GET") {
      logger.info("method not allowed");
      return methodNotAllowed();
    }
    const query = readName(event);
    if (!query.ok) {
      logger.info("bad request", { reason: query.message });
      return badRequest(query.message);
    }
    if (!tableName) {
      logger.error("TABLE_NAME is not set; the function is misconfigured");
      return internalError(context.awsRequestId);
    }

    try {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: { [KEY_ATTRIBUTE]: query.name } }),
      );
      if (!Item) {
        logger.info("name not found");
        return notFound();
      }
      logger.info("name found");
      return found(Item);
    } catch (error) {
      logger.error("DynamoDB lookup failed", error instanceof Error ? error : new Error(String(error)));
      return internalError(context.awsRequestId);
    }
  };
}
