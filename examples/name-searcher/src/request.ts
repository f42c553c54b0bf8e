import type { APIGatewayProxyEvent } from "aws-lambda";

/**
 * Longest name accepted, in Unicode code points. Real names stay far below it; the bound keeps
 * abusive input out of DynamoDB (whose key limit is 2048 bytes) and out of the logs.
 */
export const MAX_NAME_LENGTH = 200;

export type NameQuery = { ok: true; name: string } | { ok: false; message: string };

type QueryEvent = Pick<APIGatewayProxyEvent, "queryStringParameters" | "multiValueQueryStringParameters">;

/**
 * Reads `name` from a REST API (payload 1.0) event. API Gateway sends `queryStringParameters: null`
 * when there is no query string, the last value there when a key repeats, and every value in
 * `multiValueQueryStringParameters`; a repeated `name` with different values is refused rather than
 * silently picking one.
 */
export function readName(event: QueryEvent): NameQuery {
  const values = rawValues(event);
  if (values.length === 0) return { ok: false, message: "Query parameter 'name' is required." };

  const distinct = [...new Set(values.map(normalise))];
  if (distinct.length > 1) {
    return { ok: false, message: "Query parameter 'name' must be given once." };
  }
  const name = distinct[0] ?? "";
  if (name === "") return { ok: false, message: "Query parameter 'name' must not be empty." };
  if ([...name].length > MAX_NAME_LENGTH) {
    return { ok: false, message: `Query parameter 'name' must be at most ${MAX_NAME_LENGTH} characters.` };
  }
  if (/\p{Cc}/u.test(name)) {
    return { ok: false, message: "Query parameter 'name' must not contain control characters." };
  }
  return { ok: true, name };
}

function rawValues(event: QueryEvent): string[] {
  const multi = event.multiValueQueryStringParameters?.name;
  if (multi && multi.length > 0) return multi;
  const single = event.queryStringParameters?.name;
  return single === undefined ? [] : [single];
}

/**
 * API Gateway has already percent-decoded the value once. Values that still look encoded (`%20`,
 * `+` and no space) come from hand-written test events, local emulators or double-encoding clients;
 * decoding them again costs nothing for real names, which contain neither `%XX` nor `+`.
 * NFC makes "José" typed as e + combining accent match the stored precomposed form.
 */
export function normalise(raw: string): string {
  return decodeIfStillEncoded(raw).trim().normalize("NFC");
}

function decodeIfStillEncoded(value: string): string {
  const looksEncoded = /%[0-9A-Fa-f]{2}/.test(value) || (value.includes("+") && !value.includes(" "));
  if (!looksEncoded) return value;
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    // Malformed escapes (a literal "%" in the name): the value was not encoded after all.
    return value;
  }
}
