import type { APIGatewayProxyEvent, Context } from "aws-lambda";

/** A REST API (payload 1.0) proxy event as API Gateway sends it for `GET /`, with no query string. */
export function restEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: "/",
    path: "/",
    httpMethod: "GET",
    headers: { Host: "abc123.execute-api.us-east-1.amazonaws.com" },
    multiValueHeaders: { Host: ["abc123.execute-api.us-east-1.amazonaws.com"] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      authorizer: null,
      protocol: "HTTP/1.1",
      httpMethod: overrides.httpMethod ?? "GET",
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "203.0.113.7",
        user: null,
        userAgent: "curl/8.5.0",
        userArn: null,
      },
      path: "/prod/",
      stage: "prod",
      requestId: "api-request-1",
      requestTimeEpoch: 1_700_000_000_000,
      resourceId: "root",
      resourcePath: "/",
    },
    ...overrides,
  };
}

/** `GET /?name=...` the way API Gateway delivers it: values decoded once, both maps filled. */
export function nameQuery(...values: string[]): APIGatewayProxyEvent {
  return restEvent({
    queryStringParameters: { name: values[values.length - 1] ?? "" },
    multiValueQueryStringParameters: { name: values },
  });
}

export function lambdaContext(requestId = "lambda-request-1"): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "name-searcher",
    functionVersion: "7",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:name-searcher:live",
    memoryLimitInMB: "256",
    awsRequestId: requestId,
    logGroupName: "/aws/lambda/name-searcher",
    logStreamName: "2024/01/01/[7]abcdef",
    getRemainingTimeInMillis: () => 3_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
