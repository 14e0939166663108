// The `execute` command: configuration, resolution, dispatch and error reporting around one run.
import type { ExecutorRegistry, Logger } from "../executors/mod.ts";
import { encodeErrorDocument } from "../idl/core.ts";
import { resolveTask } from "../resolver/mod.ts";
import { createSecrets } from "../secrets/mod.ts";
import { createStorage, joinUri, s3ConfigFromEnv, type Storage } from "../storage/mod.ts";
import type { ExecuteArgs } from "./args.ts";
import { createCheckpoint } from "./checkpoint.ts";
import { configFromEnv, type Env, errorReportingFromEnv, type LogLevel } from "./config.ts";
import { dispatch } from "./dispatch.ts";
import { classifyError, toErrorDocument } from "./error_document.ts";
import { createLogger, createRedactor, type Redactor } from "./logger.ts";

/**
 * Exit code: success, or a failure reported in `error.pb`.
 *
 * @example Exit codes
 * ```ts
 * import { EXIT_FAILED, EXIT_OK, EXIT_UNREPORTED } from "@flyteshim/flyteshim/entrypoint";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([EXIT_OK, EXIT_FAILED, EXIT_UNREPORTED], [0, 1, 2]);
 * ```
 */
export const EXIT_OK = 0;
/**
 * Exit code: a failure reported in `error.pb` with `FLYTE_FAIL_ON_ERROR` set.
 *
 * @example With FLYTE_FAIL_ON_ERROR
 * ```ts
 * import { EXIT_FAILED } from "@flyteshim/flyteshim/entrypoint";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(EXIT_FAILED, 1);
 * ```
 */
export const EXIT_FAILED = 1;
/**
 * Exit code: a failure that could not be reported in `error.pb`.
 *
 * @example When error.pb cannot be written
 * ```ts
 * import { EXIT_UNREPORTED } from "@flyteshim/flyteshim/entrypoint";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(EXIT_UNREPORTED, 2);
 * ```
 */
export const EXIT_UNREPORTED = 2;

/**
 * How long writing `error.pb` may take after an abort, in milliseconds.
 *
 * @example The budget
 * ```ts
 * import { ERROR_WRITE_TIMEOUT_MS } from "./execute.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(ERROR_WRITE_TIMEOUT_MS, 10_000);
 * ```
 */
export const ERROR_WRITE_TIMEOUT_MS = 10_000;

/**
 * Options of {@linkcode runExecute}.
 *
 * @example FLYTE_FAIL_ON_ERROR in the environment
 * ```ts
 * import { NULL_LOGGER, parseExecuteArgs, runExecute, type RunExecuteOptions } from "@flyteshim/flyteshim/entrypoint";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const options: RunExecuteOptions = { env: { FLYTE_FAIL_ON_ERROR: "1" }, registry: createExecutorRegistry([]), logger: NULL_LOGGER };
 * const args = parseExecuteArgs(["--inputs", `${dir}/inputs.pb`, "--output-prefix", dir, "--", `${dir}/task.pb`, "x.y"]);
 * assertEquals(await runExecute(args, options), 1);
 * ```
 */
export interface RunExecuteOptions {
  /** The environment (propeller's variables). */
  env: Env;
  /** Where executors are found. */
  registry: ExecutorRegistry;
  /** Storage; by default created from the environment's settings. */
  storage?: Storage;
  /** Aborts the run (SIGTERM in the CLI): a `SYSTEM:Aborted` error document is written. */
  signal?: AbortSignal;
  /** The logger; by default JSON lines to stdout/stderr, secrets redacted. */
  logger?: Logger;
}

function safeLevel(env: Env): LogLevel {
  const level = env.FLYTESHIM_LOG_LEVEL?.trim().toLowerCase();
  return level === "debug" || level === "warn" || level === "error" ? level : "info";
}

/**
 * How long an aborted run waits for its executor to wind down (cancel server-side work) before
 * reporting `SYSTEM:Aborted`; well inside Kubernetes' 30 s termination grace period.
 *
 * @example The grace period
 * ```ts
 * import { ABORT_GRACE_MS } from "./execute.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(ABORT_GRACE_MS, 2_000);
 * ```
 */
export const ABORT_GRACE_MS = 2_000;

/** Resolves when the work settles or after `ms`, whichever comes first. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    work.then(() => {}, () => {}),
    new Promise<void>((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

/** Rejects as soon as the signal aborts, whatever the work is doing. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/**
 * Runs the `execute` command and returns the process exit code: 0 after `outputs.pb` or
 * `error.pb`, 1 after `error.pb` when `FLYTE_FAIL_ON_ERROR` is set, 2 when not even `error.pb`
 * could be written.
 *
 * @example An unknown executor ends in error.pb, exit 0
 * ```ts
 * import { NULL_LOGGER, parseExecuteArgs, runExecute } from "@flyteshim/flyteshim/entrypoint";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { decodeErrorDocument } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const args = parseExecuteArgs(["--inputs", `${dir}/inputs.pb`, "--output-prefix", dir, "--", `${dir}/task.pb`, "x.y"]);
 * const code = await runExecute(args, { env: {}, registry: createExecutorRegistry([]), logger: NULL_LOGGER });
 * assertEquals(code, 0);
 * assertEquals(decodeErrorDocument(await Deno.readFile(`${dir}/error.pb`)).error?.code, "USER:ExecutorNotFound");
 * ```
 */
export async function runExecute(args: ExecuteArgs, options: RunExecuteOptions): Promise<number> {
  const { env, registry } = options;
  const reporting = errorReportingFromEnv(env);
  const redactor = createRedactor();
  const logger = options.logger ?? createLogger({ level: safeLevel(env), redactor });
  const signal = options.signal ?? new AbortController().signal;
  let storage = options.storage;
  const started = performance.now();
  let committing = false;
  let abortGraceMs = ABORT_GRACE_MS;
  try {
    const config = configFromEnv(env);
    storage ??= createStorage({ s3: config.s3, metadata: config.storageMetadata });
    const secrets = createSecrets({ env, ...config.secrets, onValue: (v) => redactor.add(v) });
    // inputs.pb is read while the template loads: one storage round trip less on S3.
    const inputsBytes = storage.read(args.inputs, { signal });
    inputsBytes.catch(() => {}); // reported when dispatch awaits it
    const work = (async () => {
      const task = await resolveTask(args.resolver, args.resolverArgs, {
        storage: storage!,
        registry,
        signal,
      });
      if (!task.executor.taskTypes.includes(task.template.type ?? "")) {
        logger.warn("Executor does not declare the template's task type", {
          executor: task.executor.id,
          taskType: task.template.type ?? "",
          taskTypes: task.executor.taskTypes,
        });
      }
      if (args.dynamicAddlDistro || args.dynamicDestDir) {
        logger.warn(
          "Ignoring --dynamic-addl-distro/--dynamic-dest-dir: prebuilt tasks need no code",
          {
            distro: args.dynamicAddlDistro ?? "",
          },
        );
      }
      if (args.test) {
        logger.info("Loaded task (--test: not running it)", {
          executor: task.executor.id,
          template: task.templateUri,
        });
        return;
      }
      const workDir = Deno.makeTempDirSync({ prefix: "flyteshim-" });
      try {
        const rawOutputPrefix = args.rawOutputDataPrefix ?? joinUri(args.outputPrefix, "raw");
        const checkpoint = args.checkpointPath
          ? createCheckpoint({
            destination: args.checkpointPath,
            previous: args.prevCheckpoint,
            storage: storage!,
            workDir,
            signal,
          })
          : undefined;
        const result = await dispatch(task, {
          inputs: args.inputs,
          inputsBytes,
          outputPrefix: args.outputPrefix,
          rawOutputPrefix,
          storage: storage!,
          secrets,
          logger,
          signal,
          execution: config.execution,
          checkpoint,
          workDir,
          arrayIndex: config.arrayIndex,
          offload: config.offload,
          limits: config.limits,
          env,
          onCommit: () => committing = true,
          holdAbort: (ms) => abortGraceMs = Math.max(abortGraceMs, ms),
        });
        logger.info("Wrote outputs", {
          uri: result.outputsUri,
          outputs: Object.keys(result.outputs.literals ?? {}),
          ms: Math.round(performance.now() - started),
        });
      } finally {
        try {
          Deno.removeSync(workDir, { recursive: true });
        } catch { /* already gone */ }
      }
    })();
    // After an abort nobody awaits the work any more: its late failure must not crash the process.
    work.catch(() => {});
    try {
      await Promise.race([work, untilAborted(signal)]);
    } catch (error) {
      // An abort while outputs.pb is being written lets the commit finish.
      if (signal.aborted && committing) await work;
      else {
        // Give the executor a moment to stop what it started elsewhere (a statement running on
        // a database server is cancelled through a second connection) before the process exits.
        if (signal.aborted) await settledWithin(work, abortGraceMs);
        throw error;
      }
    }
    return EXIT_OK;
  } catch (error) {
    return await report(error, {
      args,
      reporting,
      redactor,
      logger,
      storage: storage ?? fallbackStorage(env),
    });
  }
}

/** Storage for reporting a failure that happened before the configuration was read. */
function fallbackStorage(env: Env): Storage {
  try {
    return createStorage({ s3: s3ConfigFromEnv(env) });
  } catch {
    return createStorage();
  }
}

async function report(
  error: unknown,
  context: {
    args: Pick<ExecuteArgs, "outputPrefix">;
    reporting: ReturnType<typeof errorReportingFromEnv>;
    redactor: Redactor;
    logger: Logger;
    storage: Storage;
  },
): Promise<number> {
  const { reporting, logger } = context;
  const classified = classifyError(error);
  const doc = toErrorDocument(classified, {
    worker: reporting.worker,
    redact: (text) => context.redactor.redact(text),
  });
  const uri = joinUri(context.args.outputPrefix, reporting.errorFileName);
  logger.error("Task failed", {
    code: classified.code,
    origin: classified.origin,
    recoverable: classified.recoverable,
    detail: doc.error?.message,
  });
  try {
    await context.storage.write(uri, encodeErrorDocument(doc), {
      signal: AbortSignal.timeout(ERROR_WRITE_TIMEOUT_MS),
    });
  } catch (writeError) {
    logger.error("Cannot write the error document", { uri, error: writeError });
    return EXIT_UNREPORTED;
  }
  logger.info("Wrote error document", { uri });
  return reporting.failOnError ? EXIT_FAILED : EXIT_OK;
}

/**
 * Reports a failure that happened before `execute` could start (a bad command line) in
 * `<output prefix>/error.pb`, and returns the exit code.
 *
 * @example Report a bad command line
 * ```ts
 * import { reportFailure } from "./execute.ts";
 * import { NULL_LOGGER } from "@flyteshim/flyteshim/entrypoint";
 * import { UserError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const error = new UserError("Cannot parse arguments", { code: "USER:InvalidArguments" });
 * assertEquals(await reportFailure(error, { outputPrefix: dir, env: {}, logger: NULL_LOGGER }), 0);
 * ```
 */
export function reportFailure(
  error: unknown,
  options: { outputPrefix: string; env: Env; storage?: Storage; logger?: Logger },
): Promise<number> {
  const redactor = createRedactor();
  return report(error, {
    args: { outputPrefix: options.outputPrefix },
    reporting: errorReportingFromEnv(options.env),
    redactor,
    logger: options.logger ?? createLogger({ level: safeLevel(options.env), redactor }),
    storage: options.storage ?? fallbackStorage(options.env),
  });
}
