/**
 * flyteshim's command executor (task type `flyteshim-command`): runs any program of the image as a
 * Flyte task, with no copilot sidecar and no Python. Inputs are written under an input folder in
 * copilot's layout (one file per primitive, files and folders under their names, lists and maps as
 * folders, the whole map as JSON, YAML or protobuf when asked) and substituted into argv and the
 * environment with `{{.inputs.x}}`; the program runs without a shell (unless asked), its standard
 * error goes to the pod's log, and outputs are read from an output folder by name (primitives
 * parsed from their text, files and folders uploaded under the raw output prefix) or from its
 * standard output.
 *
 * @example Read a template's custom
 * ```ts
 * import { commandExecutor } from "./mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const config = commandExecutor.parseConfig({
 *   command: ["wc", "-l", "{{.inputs.data}}"],
 *   stdout: "lines",
 * }, {});
 * assertEquals([config.command.length, config.shell, config.stdout], [3, false, "lines"]);
 * ```
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import {
  BlobDimensionality,
  fromInt64,
  type LiteralType,
  SimpleType,
  type Variable,
} from "../../idl/core.ts";
import { Duration, FlyteFile } from "../../types/values.ts";
import { defineExecutor, type Executor, type ExecutorContext } from "../mod.ts";
import { type CommandConfig, parseCommandConfig } from "./config.ts";
import {
  collectOutput,
  deliverInputs,
  MAX_PRIMITIVE_OUTPUT_BYTES,
  readErrorFile,
  substitute,
} from "./files.ts";
import { runCommand } from "./process.ts";

export { type CommandConfig, DEFAULT_GRACE_MS, type InputsFormat } from "./config.ts";

/**
 * The command task's type in templates: not `raw-container`, so that Flyte's default pod plugin
 * runs it as it is, without the copilot sidecar.
 */
export const COMMAND_TASK_TYPE = "flyteshim-command";

function variablesOf(map: { variables?: { [k: string]: Variable } | null } | null | undefined) {
  return { ...(map?.variables ?? {}) } as Record<string, Variable>;
}

function timeoutMsOf(ctx: ExecutorContext): number | undefined {
  const timeout = ctx.template.metadata?.timeout;
  if (!timeout) return undefined;
  const ms = new Duration(fromInt64(timeout.seconds), timeout.nanos ?? 0).toMilliseconds();
  return ms > 0 ? ms : undefined;
}

type StdoutKind = "string" | "file";

function stdoutKind(
  config: CommandConfig,
  outputs: Record<string, Variable>,
): StdoutKind | undefined {
  if (!config.stdout) return undefined;
  const type: LiteralType | null | undefined = outputs[config.stdout]?.type;
  if (!type) {
    throw new UserError(
      `Cannot send the standard output to "${config.stdout}": the task has no such output`,
      { code: "USER:InvalidConfig" },
    );
  }
  if (type.simple === SimpleType.STRING) return "string";
  if (type.blob && type.blob.dimensionality !== BlobDimensionality.MULTIPART) return "file";
  throw new UserError(
    `Cannot send the standard output to "${config.stdout}": it must be a string or a file output`,
    { code: "USER:InvalidConfig" },
  );
}

/** The declared secrets, read once: a missing one fails before the command runs, and every value
 * is known to the redactor before any of the command's text reaches an error message. */
async function secretEnv(ctx: ExecutorContext): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const secret of ctx.template.securityContext?.secrets ?? []) {
    if (!secret.group) continue;
    const value = await ctx.secrets.get({
      group: secret.group,
      key: secret.key || undefined,
      groupVersion: secret.groupVersion || undefined,
    });
    // Flyte's webhook sets the requested variable; a local run or an older webhook may not.
    if (secret.envVar && ctx.env?.[secret.envVar] === undefined) env[secret.envVar] = value;
  }
  return env;
}

/** Creates a folder the task's config names; one that cannot be created is the config's fault.
 * Synchronous, as the runtime's other small local file operations: an asynchronous one costs a
 * hop through the thread pool. */
function makeFolder(path: string, what: string): void {
  try {
    Deno.mkdirSync(path, { recursive: true });
  } catch (cause) {
    // Read-only, not a folder, no permission: the path is wrong for this image.
    if (!(cause instanceof Deno.errors.NotCapable)) {
      throw new UserError(`Cannot create the ${what} "${path}": ${(cause as Error).message}`, {
        code: "USER:InvalidConfig",
        cause,
      });
    }
    throw cause;
  }
}

async function execute(
  config: CommandConfig,
  inputs: Record<string, unknown>,
  ctx: ExecutorContext,
): Promise<Record<string, unknown>> {
  const outputVariables = variablesOf(ctx.template.interface?.outputs);
  const toStdout = stdoutKind(config, outputVariables);
  const inputDir = config.inputDir ?? `${ctx.workDir}/inputs`;
  const outputDir = config.outputDir ?? `${ctx.workDir}/outputs`;
  const secrets = await secretEnv(ctx);
  makeFolder(inputDir, "input folder");
  makeFolder(outputDir, "output folder");
  const delivered = await deliverInputs(
    inputs,
    variablesOf(ctx.template.interface?.inputs),
    inputDir,
    { storage: ctx.storage, signal: ctx.signal, format: config.inputsFormat },
  );
  const fill = (text: string) => substitute(text, { text: delivered.text, inputDir, outputDir });
  const argv = config.command.map(fill);
  if (config.shell) argv.unshift("/bin/sh", "-c");
  const env = {
    ...(ctx.env ?? {}),
    ...secrets,
    FLYTESHIM_INPUT_DIR: inputDir,
    FLYTESHIM_OUTPUT_DIR: outputDir,
    ...Object.fromEntries(Object.entries(config.env).map(([k, v]) => [k, fill(v)])),
  } as Record<string, string>;
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  if (config.workingDir) {
    let info: Deno.FileInfo | undefined;
    try {
      info = Deno.statSync(config.workingDir);
    } catch { /* reported below */ }
    if (!info?.isDirectory) {
      throw new UserError(
        `Cannot run the command in "${config.workingDir}": no such folder`,
        { code: "USER:InvalidConfig" },
      );
    }
  }
  const stdoutFile = toStdout === "file" ? `${ctx.workDir}/stdout/${config.stdout}` : undefined;
  if (stdoutFile) Deno.mkdirSync(`${ctx.workDir}/stdout`, { recursive: true });
  // After a SIGTERM the runtime waits for the program's grace period (and the upload of nothing).
  ctx.holdAbort?.(config.graceMs + 500);
  ctx.logger.info("Running command", { program: argv[0], args: argv.length - 1 });
  const result = await runCommand({
    argv,
    cwd: config.workingDir,
    env: ctx.env ? env : undefined,
    shell: config.shell,
    stdout: toStdout === "string"
      ? { to: "memory", maxBytes: MAX_PRIMITIVE_OUTPUT_BYTES }
      : stdoutFile
      ? { to: "file", path: stdoutFile }
      : { to: "inherit" },
    signal: ctx.signal,
    timeoutMs: timeoutMsOf(ctx),
    graceMs: config.graceMs,
    onStderr: (chunk) => Deno.stderr.writeSync(chunk),
  });
  ctx.logger.info("Command exited", { program: argv[0], ms: Math.round(result.ms) });
  const reported = readErrorFile(outputDir);
  if (reported !== undefined) {
    throw new UserError(`Command "${argv[0]}" reported an error in _ERROR: ${reported}`, {
      code: "USER:CommandReportedError",
    });
  }
  const outputs: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(outputVariables)) {
    if (name === config.stdout) {
      if (toStdout === "string") {
        const text = new TextDecoder().decode(result.stdout ?? new Uint8Array());
        outputs[name] = text.endsWith("\n") ? text.slice(0, -1) : text;
      } else {
        outputs[name] = FlyteFile.fromLocal(stdoutFile!, {
          format: variable.type?.blob?.format ?? "",
        });
      }
      continue;
    }
    outputs[name] = await collectOutput(name, variable.type ?? {}, `${outputDir}/${name}`, {
      storage: ctx.storage,
      newRawOutputUri: ctx.newRawOutputUri,
      signal: ctx.signal,
    });
  }
  return outputs;
}

/**
 * The command executor (`flyteshim.command`, task type `flyteshim-command`).
 *
 * @example Its id and task type
 * ```ts
 * import { COMMAND_TASK_TYPE, commandExecutor } from "./mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([commandExecutor.id, commandExecutor.taskTypes], ["flyteshim.command", [
 *   COMMAND_TASK_TYPE,
 * ]]);
 * ```
 */
export const commandExecutor: Executor<CommandConfig> = defineExecutor({
  id: "flyteshim.command",
  taskTypes: [COMMAND_TASK_TYPE],
  description: "Runs a program of the image, inputs and outputs as files (copilot's layout)",
  parseConfig: (custom) => parseCommandConfig(custom),
  execute,
});
