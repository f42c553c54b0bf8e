/**
 * The local data plane's view of Lambda (`LocalLambdaPort`), read from the emulator with the SDK: a
 * version's configuration, its code (found by `PackageFinder`, since the emulator serves none) and the
 * alias's routing.
 */
import { GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { LAMBDA_RUNTIME } from "../../artifact/bundle.js";
import { AwsLambda } from "../../aws/lambda.js";
import { AwsCaller } from "../../aws/retry.js";
import type { AliasRouting } from "../../ports.js";
import type { LocalLambdaPort, VersionConfig } from "../ports.js";
import { type EmulatorConnection, sdkConfig } from "./connection.js";
import { PackageFinder, type PackageSource } from "./package-finder.js";

export type { PackageSource } from "./package-finder.js";

export interface EmulatorLambdaOptions extends EmulatorConnection {
  /** Buckets (and key prefixes) where deployment packages are uploaded. */
  packageSources?: PackageSource[] | undefined;
  /** Objects hashed per folder when the content-addressed key is absent; default 50. */
  maxObjectsToHash?: number | undefined;
}

export class EmulatorLambda implements LocalLambdaPort {
  readonly client: LambdaClient;
  private readonly aliases: AwsLambda;
  private readonly caller = new AwsCaller({}, false);
  private readonly configs = new Map<string, Promise<VersionConfig>>();
  private readonly packages: PackageFinder;

  constructor(options: EmulatorLambdaOptions = {}) {
    const shared = { maxAttempts: 1, ...sdkConfig(options) };
    this.client = new LambdaClient(shared);
    this.aliases = new AwsLambda(this.client, { rateLimit: false });
    // Emulators serve buckets by path, not by host name.
    const s3 = new S3Client({ ...shared, forcePathStyle: true });
    this.packages = new PackageFinder(s3, [...(options.packageSources ?? [])], options.maxObjectsToHash);
  }

  /** Makes a package findable by its CodeSha256; returns that hash. */
  registerPackage(bytes: Uint8Array): string {
    return this.packages.register(bytes);
  }

  addPackageSource(source: PackageSource): void {
    this.packages.addSource(source);
  }

  async getAliasRouting(functionName: string, aliasName: string): Promise<AliasRouting> {
    const alias = await this.aliases.getAlias(functionName, aliasName);
    return { version: alias.version, additional: alias.additional };
  }

  getVersionConfig(functionName: string, version: string): Promise<VersionConfig> {
    // Published versions are immutable; $LATEST is not, so it is never cached.
    const key = `${functionName}:${version}`;
    const cached = this.configs.get(key);
    if (cached) return cached;
    const loading = this.readConfig(functionName, version);
    if (version !== "$LATEST") {
      this.configs.set(key, loading);
      loading.catch(() => this.configs.delete(key));
    }
    return loading;
  }

  async getVersionCode(functionName: string, version: string): Promise<Uint8Array> {
    const result = await this.getFunction(functionName, version);
    const sha = result.Configuration?.CodeSha256 ?? "";
    return await this.packages.find(functionName, version, sha, result.Code?.Location);
  }

  private async readConfig(functionName: string, version: string): Promise<VersionConfig> {
    const result = await this.getFunction(functionName, version);
    const c = result.Configuration ?? {};
    return {
      functionName,
      version: c.Version ?? version,
      handler: c.Handler ?? "index.handler",
      runtime: c.Runtime ?? LAMBDA_RUNTIME,
      timeoutSeconds: c.Timeout ?? 3,
      memoryMb: c.MemorySize ?? 128,
      environment: { ...(c.Environment?.Variables ?? {}) },
      codeSha256: c.CodeSha256 ?? "",
    };
  }

  private async getFunction(functionName: string, version: string) {
    return await this.caller.run(
      { operation: "GetFunction", resource: `function ${functionName}:${version}`, unlimited: true },
      () => this.client.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: version })),
    );
  }
}
