/**
 * The guards Lambda enforces and moto ignores (moto 5.2.1 keeps one RevisionId per alias for its whole
 * life and never checks the one a request carries, nor PublishVersion's CodeSha256), enforced in front
 * of moto so the product can be written for AWS alone:
 *
 * - every alias has a RevisionId that changes on every change (UpdateAlias through here, or any
 *   change this layer finds on a read, such as a write sent to moto directly). GetAlias, ListAliases,
 *   CreateAlias and UpdateAlias answer with it;
 * - UpdateAlias carrying a RevisionId that is no longer current answers 412 PreconditionFailedException,
 *   Lambda's error (HTTP 412, `{Type, message}`; https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html,
 *   https://docs.aws.amazon.com/botocore/latest/reference/services/lambda/client/exceptions/PreconditionFailedException.html),
 *   and changes nothing. Each alias's check and write are one step (serialised), as on Lambda;
 * - PublishVersion with a CodeSha256 other than $LATEST's publishes nothing and answers what Lambda
 *   answers: 400 InvalidParameterValueException, "CodeSHA256 (X) is different from current CodeSHA256 in
 *   $LATEST (Y)..." (the API reference documents the guard, not the error: the error is the one
 *   measured against Lambda in https://github.com/floci-io/floci/issues/2822 and
 *   https://github.com/justinram11/serverless-aws-batch/issues/22).
 *
 * A change made straight to moto is seen by its content (version, weights, description): one that
 * sets exactly what was there keeps the RevisionId. The proxy reads moto itself (GetAlias before an
 * UpdateAlias, GetFunctionConfiguration before a PublishVersion with CodeSha256); those reads are its
 * own and never reach the recorded or counted requests.
 */
import { randomUUID } from "node:crypto";
import { lambdaErrorReply, type Reply } from "./aws-error-replies.js";
import type { Forward, ProxiedReply, ProxiedRequest } from "./proxy-forward.js";

const ALIAS_PATH = /^\/(\d{4}-\d{2}-\d{2})\/functions\/([^/?]+)\/aliases(?:\/([^/?]+))?(?:\?.*)?$/;
const VERSIONS_PATH = /^\/(\d{4}-\d{2}-\d{2})\/functions\/([^/?]+)\/versions(?:\?.*)?$/;
const FUNCTION_PATH = /^\/(\d{4}-\d{2}-\d{2})\/functions\/([^/?]+)(?:\?.*)?$/;

interface AliasJson {
  Name?: string;
  FunctionVersion?: string;
  Description?: string;
  RevisionId?: string;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> } | null;
}

interface Revision {
  id: string;
  /** What the alias held when `id` was given: a different content means a change. */
  content: string;
}

const regionOf = (request: ProxiedRequest) =>
  /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(request.headers.authorization ?? "")?.[1] ?? "us-east-1";

const contentOf = (alias: AliasJson) =>
  JSON.stringify([
    alias.FunctionVersion,
    Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).sort(),
    alias.Description ?? "",
  ]);

function parse<T>(body: Buffer): T | undefined {
  try {
    return JSON.parse(body.toString("utf8")) as T;
  } catch {
    return undefined;
  }
}

function toProxied(reply: Reply): ProxiedReply {
  return {
    status: reply.status,
    headers: { ...reply.headers, "x-amzn-requestid": `guard-${randomUUID()}` },
    body: Buffer.from(reply.body),
  };
}

/** Lambda's answer to a stale RevisionId. */
export function revisionMismatchReply(): Reply {
  return lambdaErrorReply(412, "PreconditionFailedException", {
    Type: "User",
    message:
      "The RevisionId provided does not match the latest RevisionId for the Lambda function or alias. Call the GetFunction or the GetAlias API operation to retrieve the latest RevisionId for your resource.",
  });
}

/** Lambda's answer to a PublishVersion whose CodeSha256 is not $LATEST's. */
export function codeShaMismatchReply(asked: string, latest: string): Reply {
  return lambdaErrorReply(400, "InvalidParameterValueException", {
    Type: "User",
    message: `CodeSHA256 (${asked}) is different from current CodeSHA256 in $LATEST (${latest}). Please try again with the CodeSHA256 in $LATEST.`,
  });
}

/** Stands between a proxy and moto: `handle` replaces a plain forward. */
export class LambdaGuards {
  private readonly revisions = new Map<string, Revision>();
  /** One check-and-write at a time per alias (and per function for PublishVersion). */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Guard replies given so far (412s and CodeSha256 refusals), for tests. */
  readonly refusals: { operation: string; key: string }[] = [];

  constructor(private readonly forward: Forward) {}

  /** Forgets every alias (after `POST /moto-api/reset`). */
  reset(): void {
    this.revisions.clear();
    this.refusals.length = 0;
  }

  async handle(request: ProxiedRequest): Promise<ProxiedReply> {
    const path = request.url;
    const alias = ALIAS_PATH.exec(path);
    if (alias) {
      const [, date, fn, name] = alias as unknown as [string, string, string, string | undefined];
      const functionKey = `${regionOf(request)}/${decodeURIComponent(fn)}`;
      if (name === undefined) return await this.collection(request, functionKey);
      const key = `${functionKey}/${decodeURIComponent(name)}`;
      // Reads wait for a write in progress, so no one reads a change before its RevisionId exists.
      if (request.method === "GET") return await this.serially(key, () => this.read(request, key));
      if (request.method === "PUT") {
        const aliasPath = `/${date}/functions/${fn}/aliases/${name}`;
        return await this.serially(key, () => this.update(request, key, aliasPath));
      }
      if (request.method === "DELETE") {
        const reply = await this.forward(request);
        if (reply.status < 300) this.revisions.delete(key);
        return reply;
      }
    }
    const versions = VERSIONS_PATH.exec(path);
    if (versions && request.method === "POST") {
      const [, date, fn] = versions as unknown as [string, string, string];
      const functionKey = `${regionOf(request)}/${decodeURIComponent(fn)}`;
      return await this.serially(functionKey, () => this.publish(request, `/${date}/functions/${fn}`));
    }
    const fn = FUNCTION_PATH.exec(path);
    if (fn && request.method === "DELETE" && !path.includes("Qualifier=")) {
      const reply = await this.forward(request);
      const prefix = `${regionOf(request)}/${decodeURIComponent(fn[2] as string)}/`;
      if (reply.status < 300)
        for (const key of this.revisions.keys()) if (key.startsWith(prefix)) this.revisions.delete(key);
      return reply;
    }
    return await this.forward(request);
  }

  private serially<T>(key: string, run: () => Promise<T>): Promise<T> {
    const before = this.queues.get(key) ?? Promise.resolve();
    const next = before.then(run, run);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  /** The alias's RevisionId now: a new one when its content changed since the last look. */
  private observe(key: string, alias: AliasJson): Revision {
    const content = contentOf(alias);
    const known = this.revisions.get(key);
    if (known && known.content === content) return known;
    return this.changed(key, alias);
  }

  private changed(key: string, alias: AliasJson): Revision {
    const revision = { id: randomUUID(), content: contentOf(alias) };
    this.revisions.set(key, revision);
    return revision;
  }

  private withRevision(reply: ProxiedReply, alias: AliasJson, revision: Revision): ProxiedReply {
    return { ...reply, body: Buffer.from(JSON.stringify({ ...alias, RevisionId: revision.id })) };
  }

  private async read(request: ProxiedRequest, key: string): Promise<ProxiedReply> {
    const reply = await this.forward(request);
    const alias = reply.status < 300 ? parse<AliasJson>(reply.body) : undefined;
    return alias ? this.withRevision(reply, alias, this.observe(key, alias)) : reply;
  }

  /** ListAliases (GET) answers every alias with its RevisionId; CreateAlias (POST) starts one. */
  private async collection(request: ProxiedRequest, functionKey: string): Promise<ProxiedReply> {
    const reply = await this.forward(request);
    if (reply.status >= 300) return reply;
    if (request.method === "POST") {
      const alias = parse<AliasJson>(reply.body);
      if (!alias?.Name) return reply;
      return this.withRevision(reply, alias, this.changed(`${functionKey}/${alias.Name}`, alias));
    }
    const list = parse<{ Aliases?: AliasJson[] }>(reply.body);
    if (!list?.Aliases) return reply;
    const Aliases = list.Aliases.map((alias) => ({
      ...alias,
      RevisionId: this.observe(`${functionKey}/${alias.Name}`, alias).id,
    }));
    return { ...reply, body: Buffer.from(JSON.stringify({ ...list, Aliases })) };
  }

  private async update(request: ProxiedRequest, key: string, aliasPath: string): Promise<ProxiedReply> {
    const asked = parse<{ RevisionId?: string }>(request.body)?.RevisionId;
    if (asked !== undefined) {
      const current = await this.forward(ownRead(request, aliasPath));
      const alias = current.status < 300 ? parse<AliasJson>(current.body) : undefined;
      // Not there (or unreadable): moto's own answer to the update says so.
      if (alias && this.observe(key, alias).id !== asked) {
        this.refusals.push({ operation: "UpdateAlias", key });
        return toProxied(revisionMismatchReply());
      }
    }
    const reply = await this.forward(request);
    const alias = reply.status < 300 ? parse<AliasJson>(reply.body) : undefined;
    // Every successful UpdateAlias is a new revision, even one that sets what was there.
    return alias ? this.withRevision(reply, alias, this.changed(key, alias)) : reply;
  }

  private async publish(request: ProxiedRequest, functionPath: string): Promise<ProxiedReply> {
    const asked = parse<{ CodeSha256?: string }>(request.body)?.CodeSha256;
    if (asked) {
      const latest = await this.forward(ownRead(request, `${functionPath}/configuration`));
      const sha = latest.status < 300 ? parse<{ CodeSha256?: string }>(latest.body)?.CodeSha256 : undefined;
      if (sha !== undefined && sha !== asked) {
        this.refusals.push({ operation: "PublishVersion", key: functionPath });
        return toProxied(codeShaMismatchReply(asked, sha));
      }
    }
    return await this.forward(request);
  }
}

/** The guard's own GET, with the caller's signing headers (moto checks none outside IAM mode). */
function ownRead(request: ProxiedRequest, path: string): ProxiedRequest {
  const headers = { ...request.headers };
  delete headers["content-length"];
  delete headers["content-type"];
  delete headers["content-md5"];
  return { method: "GET", url: path, headers, body: Buffer.alloc(0) };
}
