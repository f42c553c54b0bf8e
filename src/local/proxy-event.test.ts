import { describe, expect, test } from "vitest";
import { buildProxyEvent, type IncomingRequest, parseProxyResult } from "./proxy-event.js";

function request(overrides: Partial<IncomingRequest> = {}): IncomingRequest {
  return {
    method: "get",
    url: "/search?name=John%20Doe",
    rawHeaders: ["Host", "127.0.0.1:3000", "Accept", "application/json"],
    body: Buffer.alloc(0),
    sourceIp: "127.0.0.1",
    ...overrides,
  };
}

const options = {
  requestId: "req-1",
  stage: "local",
  apiId: "local",
  now: new Date(Date.UTC(2015, 3, 9, 12, 34, 56)),
};

describe("request -> REST proxy event (payload 1.0)", () => {
  test("method, path, decoded query, headers with the client's casing", () => {
    const event = buildProxyEvent(request(), options);
    expect(event.httpMethod).toBe("GET");
    expect(event.path).toBe("/search");
    expect(event.queryStringParameters).toEqual({ name: "John Doe" });
    expect(event.multiValueQueryStringParameters).toEqual({ name: ["John Doe"] });
    expect(event.headers).toEqual({ Host: "127.0.0.1:3000", Accept: "application/json" });
    expect(event.multiValueHeaders).toEqual({ Host: ["127.0.0.1:3000"], Accept: ["application/json"] });
    expect(event.pathParameters).toEqual({ proxy: "search" });
    expect(event.body).toBeNull();
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext).toMatchObject({
      requestId: "req-1",
      stage: "local",
      path: "/local/search",
      httpMethod: "GET",
      requestTime: "09/Apr/2015:12:34:56 +0000",
      requestTimeEpoch: options.now.getTime(),
      identity: { sourceIp: "127.0.0.1" },
    });
  });

  test("no query string gives null, not an empty object; the root path has no proxy parameter", () => {
    const event = buildProxyEvent(request({ url: "/" }), options);
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
  });

  test("repeated names keep every value in multi-value maps and the last one in single-value maps", () => {
    const event = buildProxyEvent(
      request({ url: "/?a=1&a=2", rawHeaders: ["X-Tag", "one", "X-Tag", "two"] }),
      options,
    );
    expect(event.queryStringParameters).toEqual({ a: "2" });
    expect(event.multiValueQueryStringParameters).toEqual({ a: ["1", "2"] });
    expect(event.headers).toEqual({ "X-Tag": "two" });
    expect(event.multiValueHeaders).toEqual({ "X-Tag": ["one", "two"] });
  });

  test("text bodies arrive as text, binary bodies base64-encoded", () => {
    const text = buildProxyEvent(
      request({
        method: "POST",
        rawHeaders: ["Content-Type", "application/json"],
        body: Buffer.from('{"a":1}'),
      }),
      options,
    );
    expect(text).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    const binary = buildProxyEvent(
      request({ method: "POST", rawHeaders: ["Content-Type", "image/png"], body: Buffer.from([1, 2, 3]) }),
      options,
    );
    expect(binary).toMatchObject({ body: "AQID", isBase64Encoded: true });
  });
});

describe("proxy result -> HTTP response", () => {
  test("status, headers, multi-value headers and body", () => {
    const response = parseProxyResult(
      JSON.stringify({
        statusCode: 201,
        headers: { "Content-Type": "text/plain" },
        multiValueHeaders: { "Set-Cookie": ["a=1", "b=2"] },
        body: "made",
      }),
    );
    expect(response?.statusCode).toBe(201);
    expect(response?.headers).toEqual({ "content-type": "text/plain", "set-cookie": ["a=1", "b=2"] });
    expect(response?.body.toString()).toBe("made");
  });

  test("base64 bodies are decoded; a missing body is empty", () => {
    expect(parseProxyResult('{"statusCode":200,"body":"AQID","isBase64Encoded":true}')?.body).toEqual(
      Buffer.from([1, 2, 3]),
    );
    expect(parseProxyResult('{"statusCode":204}')?.body.length).toBe(0);
  });

  test.each([
    ["not JSON", "oops"],
    ["null", "null"],
    ["no status code", '{"body":"x"}'],
    ["status out of range", '{"statusCode":42}'],
    ["non-string body", '{"statusCode":200,"body":{"a":1}}'],
    ["headers not an object", '{"statusCode":200,"headers":"x"}'],
  ])("malformed (%s) is rejected so the gateway answers 502", (_label, payload) => {
    expect(parseProxyResult(payload)).toBeUndefined();
  });
});
