/**
 * The Action with `mode: preview`: the preview (src/preview) of the configuration, written to the job
 * summary and, on a pull request, posted as one sticky comment (pr-comment.ts). It reads AWS only; the
 * exit code is the preview's (2 for input a deploy would refuse), never the comment's.
 */
import { ExitCode, type ExitCodeValue, RolloutError } from "../errors.js";
import { previewFailureMarkdown, previewMarkdown, previewText } from "../preview/render.js";
import { previewFromInputs } from "../preview/run.js";
import { type InputReader, readInputs } from "./inputs.js";
import type { ActionHost, ActionOptions } from "./options.js";
import { type CommentOptions, commentMarker, pullRequestOf, upsertComment } from "./pr-comment.js";

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The environment (or function) the comment is about, before the configuration is read. */
const nameOf = (read: InputReader) => read("env") || read("function") || "default";

export async function runPreview(
  host: ActionHost,
  options: ActionOptions & { comment?: CommentOptions | undefined } = {},
): Promise<ExitCodeValue> {
  const env = options.env ?? process.env;
  const token = host.readInput("github-token");
  // The runner masks what the job's token is anyway; a token passed in is masked from here on.
  if (token) host.setSecret?.(token);
  const readAt = isoSeconds(options.clock?.now() ?? Date.now());
  let name = nameOf(host.readInput);
  let markdown: string;
  let exitCode: ExitCodeValue = ExitCode.ok;
  try {
    const report = await previewFromInputs(readInputs(host.readInput), {
      env,
      cwd: options.cwd ?? process.cwd(),
      signal: options.signal,
      clock: options.clock,
      ports: options.ports,
      policyFile: host.readInput("policy") || undefined,
    });
    name = report.environment?.name ?? report.name;
    host.info(previewText(report));
    markdown = previewMarkdown(report, { heading: commentMarker(name), readAt });
  } catch (error) {
    if (!(error instanceof RolloutError)) throw error;
    exitCode = error.exitCode as ExitCodeValue;
    host.error([error.message, error.hint].filter(Boolean).join("\n"), "lambda-rollout preview refused");
    markdown = previewFailureMarkdown(name, error, { heading: commentMarker(name), readAt });
  }
  host.setOutput("outcome", exitCode === ExitCode.ok ? "previewed" : "failed");
  await host.writeSummary(markdown);
  const pullRequest = await pullRequestOf(env, token);
  if (pullRequest === undefined) {
    host.info("Not a pull_request run: the preview is in the job summary only.");
  } else if ("missing" in pullRequest) {
    host.warning(
      `No pull request comment: ${pullRequest.missing.join(", ")} ${pullRequest.missing.length > 1 ? "are" : "is"} not set. The preview is in the job summary.`,
      "lambda-rollout",
    );
  } else {
    const posted = await upsertComment(pullRequest, commentMarker(name), markdown, options.comment);
    if (posted.ok) {
      host.info(`Preview comment ${posted.action}${posted.url ? `: ${posted.url}` : ""}`);
      if (posted.url) host.setOutput("comment-url", posted.url);
    } else host.warning(`${posted.problem} The preview is in the job summary.`, "lambda-rollout");
  }
  return exitCode;
}
