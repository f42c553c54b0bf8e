/**
 * The guards proxy against moto: what Lambda enforces and moto ignores, enforced with Lambda's own
 * error shapes, as the SDK and this project's adapter see them.
 */
import {
  GetAliasCommand,
  LambdaClient,
  ListAliasesCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AwsLambda } from "../../src/aws/lambda.js";
import { ConflictError } from "../../src/errors.js";
import { clients, codeShaOf, createTarget, packageBytes } from "./lambda-fixtures.js";
import { type Moto, startMoto } from "./moto.js";

let moto: Moto;
let direct: LambdaClient;
let counter = 0;

beforeAll(async () => {
  moto = await startMoto({}, { guards: true });
  // Straight to moto, past the proxy: a writer the guards never see.
  direct = new LambdaClient({
    endpoint: `http://127.0.0.1:${moto.port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});
afterAll(async () => {
  await moto?.stop();
});

const target = () => createTarget(moto, `guards-${++counter}`);
const getAlias = (name: string) =>
  clients(moto).lambda.send(new GetAliasCommand({ FunctionName: name, Name: "live" }));
const update = (name: string, revisionId: string | undefined, description = "") =>
  clients(moto).lambda.send(
    new UpdateAliasCommand({
      FunctionName: name,
      Name: "live",
      FunctionVersion: "1",
      Description: description,
      RevisionId: revisionId,
    }),
  );

describe("UpdateAlias with a RevisionId, as Lambda answers it", () => {
  test("the RevisionId changes on every change, and GetAlias, UpdateAlias and ListAliases agree", async () => {
    const { name } = await target();
    const first = (await getAlias(name)).RevisionId;
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect((await getAlias(name)).RevisionId).toBe(first);
    const updated = await update(name, first, "one");
    expect(updated.RevisionId).not.toBe(first);
    expect((await getAlias(name)).RevisionId).toBe(updated.RevisionId);
    // An update that sets what was there is a new revision all the same.
    const again = await update(name, updated.RevisionId, "one");
    expect(again.RevisionId).not.toBe(updated.RevisionId);
    const listed = await clients(moto).lambda.send(new ListAliasesCommand({ FunctionName: name }));
    expect(listed.Aliases?.[0]?.RevisionId).toBe(again.RevisionId);
  });

  test("a stale RevisionId: 412 PreconditionFailedException with Lambda's body, and nothing written", async () => {
    const { name } = await target();
    const stale = (await getAlias(name)).RevisionId;
    await update(name, stale, "someone else's edit");
    const error = await update(name, stale, "ours").catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: "PreconditionFailedException",
      $metadata: { httpStatusCode: 412 },
      Type: "User",
    });
    expect(String((error as Error).message)).toMatch(
      /^The RevisionId provided does not match the latest RevisionId/,
    );
    expect((await getAlias(name)).Description).toBe("someone else's edit");
    // Without a RevisionId there is no precondition, as on Lambda.
    await update(name, undefined, "unguarded");
    expect((await getAlias(name)).Description).toBe("unguarded");
  });

  test("a change made straight to moto is a new revision too: the next guarded write is refused", async () => {
    const { name } = await target();
    const seen = (await getAlias(name)).RevisionId;
    await direct.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: "live",
        FunctionVersion: "1",
        Description: "by hand",
      }),
    );
    await expect(update(name, seen, "ours")).rejects.toMatchObject({ name: "PreconditionFailedException" });
    expect(moto.proxy?.guards?.refusals.at(-1)).toMatchObject({ operation: "UpdateAlias" });
  });

  test("the adapter: a stale revision is a ConflictError (exit 3); a fresh one writes and moves on", async () => {
    const { name } = await target();
    const lambda = new AwsLambda(clients(moto).lambda);
    const alias = await lambda.getAlias(name, "live");
    await update(name, alias.revisionId, "edited");
    const error = await lambda
      .updateAlias(name, "live", { version: "1" }, alias.revisionId)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).exitCode).toBe(3);
    const fresh = await lambda.getAlias(name, "live");
    const written = await lambda.updateAlias(name, "live", { version: "1" }, fresh.revisionId);
    expect(written.revisionId).not.toBe(fresh.revisionId);
  });
});

describe("PublishVersion with a CodeSha256, as Lambda answers it", () => {
  test("another code than $LATEST's: InvalidParameterValueException, nothing published; the adapter says conflict", async () => {
    const { name } = await target();
    const { lambda } = clients(moto);
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: packageBytes("v2") }));
    const latest = await codeShaOf(moto, name, "$LATEST");
    const wrong = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const error = await lambda
      .send(new PublishVersionCommand({ FunctionName: name, CodeSha256: wrong }))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: "InvalidParameterValueException",
      $metadata: { httpStatusCode: 400 },
    });
    expect(String((error as Error).message)).toBe(
      `CodeSHA256 (${wrong}) is different from current CodeSHA256 in $LATEST (${latest}). Please try again with the CodeSHA256 in $LATEST.`,
    );
    const adapter = await new AwsLambda(lambda)
      .publishVersion(name, wrong, "guarded")
      .catch((caught: unknown) => caught);
    expect(adapter).toBeInstanceOf(ConflictError);
    // Nothing was published: the next version is still 2, with $LATEST's code.
    const published = await lambda.send(
      new PublishVersionCommand({ FunctionName: name, CodeSha256: latest }),
    );
    expect(published.Version).toBe("2");
  });
});

test("moto alone still ignores both guards (the reason this proxy exists)", async () => {
  const { name } = await target();
  const before = (await direct.send(new GetAliasCommand({ FunctionName: name, Name: "live" }))).RevisionId;
  const after = await direct.send(
    new UpdateAliasCommand({
      FunctionName: name,
      Name: "live",
      FunctionVersion: "1",
      Description: "x",
      RevisionId: "stale",
    }),
  );
  expect(after.RevisionId).toBe(before);
});
