// The `execute` command: configuration, resolution, dispatch and error reporting around one run.
import { makeWorkDirSync, removeWorkDir } from "./work_dir.ts";
import type { ExecutionIdentity, ExecutorRegistry, Logger } from "../executors/mod.ts";
import { encodeErrorDocument } from "../idl/core.ts";
import { type ResolvedTask, type ResolveOptions, resolveTask } from "../resolver/mod.ts";
import { createSecrets } from "../secrets/mod.ts";
import { s3ConfigFromEnv } from "../storage/config.ts";
import { createStorage, joinUri, schemeOf } from "../storage/storage.ts";
import type { Storage, StorageOptions } from "../storage/types.ts";
import type { ExecuteArgs } from "./args.ts";
import { configFromEnv, type Env, errorReportingFromEnv, type LogLevel } from "./config.ts";
import { dispatch } from "./dispatch.ts";
import { classifyError, ERROR_FILE, toErrorDocument } from "./error_document.ts";
import { createLogger, createRedactor, type Redactor } from "./logger.ts";
import type { AbortWatchdog } from "./abort_watchdog.ts";

/** Exit code: success, or a failure reported in `error.pb`. */
export const EXIT_OK = 0;
/** Exit code: a failure reported in `error.pb` with `FLYTE_FAIL_ON_ERROR` set. */
export const EXIT_FAILED = 1;
/** Exit code: a failure that could not be reported in `error.pb`. */
export const EXIT_UNREPORTED = 2;

/** How long writing `error.pb` may take after an abort, in milliseconds. */
export const ERROR_WRITE_TIMEOUT_MS = 10_000;

/** Options of {@linkcode runExecute}. */
export interface RunExecuteOptions {
  /** The environment (propeller's variables). */
  env: Env;
  /** Where executors are found. */
  registry: ExecutorRegistry;
  /** Storage; by default created from the environment's settings. */
  storage?: Storage;
  /** Storage backends to add or replace, by scheme (when `storage` is not given). */
  storageBackends?: StorageOptions["backends"];
  /** Aborts the run (SIGTERM in the CLI): a `SYSTEM:Aborted` error document is written. */
  signal?: AbortSignal;
  /** The logger; by default JSON lines to stdout/stderr, secrets redacted. */
  logger?: Logger;
  /**
   * Also answer SIGTERM and SIGINT from a second thread, for the time the executor holds the
   * main thread in one long synchronous step (a SQLite sort or recursive query): if the main
   * thread has not taken the signal a second after it came, that thread writes the
   * `SYSTEM:Aborted` error document, removes the work folder and ends the process (killed by
   * SIGKILL: no thread but the main one can exit it). Only with the default storage (`storage`
   * absent) and as `FLYTESHIM_ABORT_WATCHDOG` says (`auto`: for a remote output prefix, where the
   * thread's start, the few milliseconds of a new isolate, is small next to the run's storage
   * round trips). The
   * `execute` command turns it on with its signal handling.
   *
   * @default {false}
   */
  abortWatchdog?: boolean;
  /**
   * Which line's contract: `"flyte2"` writes `error.pb` with ContainerError fields 1-4 only and
   * exits 0 after it whatever `FLYTE_FAIL_ON_ERROR` says.
   *
   * @default {"flyte1"}
   */
  line?: ContractLine;
  /** Finds the task; by default the args' resolver reads the template file they name. */
  resolve?: (options: ResolveOptions) => Promise<ResolvedTask>;
  /** Adjusts the execution identity read from the environment (Flyte 2's run and action). */
  execution?: (base: ExecutionIdentity) => ExecutionIdentity;
}

/** The two lines of Flyte's task contract: Flyte 1 (`pyflyte-execute`) and Flyte 2 (`a0`). */
export type ContractLine = "flyte1" | "flyte2";

function safeLevel(env: Env): LogLevel {
  const level = env.FLYTESHIM_LOG_LEVEL?.trim().toLowerCase();
  return level === "debug" || level === "warn" || level === "error" ? level : "info";
}

/**
 * How long an aborted run waits for its executor to wind down (cancel server-side work) before
 * reporting `SYSTEM:Aborted`; well inside Kubernetes' 30 s termination grace period.
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
 * import { NULL_LOGGER } from "./dispatch.ts";
 * import { parseExecuteArgs } from "./args.ts";
 * import { runExecute } from "./execute.ts";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { decodeErrorDocument } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const args = parseExecuteArgs([
 *   "--inputs",
 *   `${dir}/inputs.pb`,
 *   "--output-prefix",
 *   dir,
 *   "--",
 *   `${dir}/task.pb`,
 *   "x.y",
 * ]);
 * const code = await runExecute(args, {
 *   env: {},
 *   registry: createExecutorRegistry([]),
 *   logger: NULL_LOGGER,
 * });
 * assertEquals(code, 0);
 * assertEquals(
 *   decodeErrorDocument(await Deno.readFile(`${dir}/error.pb`)).error?.code,
 *   "USER:ExecutorNotFound",
 * );
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example FLYTE_FAIL_ON_ERROR in the environment
 * ```ts
 * import { NULL_LOGGER } from "./dispatch.ts";
 * import { parseExecuteArgs } from "./args.ts";
 * import { runExecute, type RunExecuteOptions } from "./execute.ts";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const options: RunExecuteOptions = {
 *   env: { FLYTE_FAIL_ON_ERROR: "1" },
 *   registry: createExecutorRegistry([]),
 *   logger: NULL_LOGGER,
 * };
 * const args = parseExecuteArgs([
 *   "--inputs",
 *   `${dir}/inputs.pb`,
 *   "--output-prefix",
 *   dir,
 *   "--",
 *   `${dir}/task.pb`,
 *   "x.y",
 * ]);
 * assertEquals(await runExecute(args, options), 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runExecute(args: ExecuteArgs, options: RunExecuteOptions): Promise<number> {
  const { env, registry } = options;
  // The executor's modules start loading now, while the configuration is read and storage set
  // up; resolveTask awaits the same load from the registry (or tries again once it has failed)
  // and reports a failure.
  const executorId = args.resolverArgs.length === 2 ? args.resolverArgs[1] : undefined;
  if (!options.resolve && executorId !== undefined && registry.has(executorId)) {
    registry.get(executorId).catch(() => {});
  }
  const reporting = errorReportingFromEnv(env);
  const line = options.line ?? "flyte1";
  const redactor = createRedactor();
  const logger = options.logger ?? createLogger({ level: safeLevel(env), redactor });
  const signal = options.signal ?? new AbortController().signal;
  let storage = options.storage;
  const started = performance.now();
  let committing = false;
  let abortGraceMs = ABORT_GRACE_MS;
  let watchdog: AbortWatchdog | undefined;
  // Removed by the work when it ends; also here, when an abort ends the run before it does.
  let workDir: string | undefined;
  try {
    const config = configFromEnv(env);
    const storageOptions = { s3: config.s3, metadata: config.storageMetadata, env };
    storage ??= createStorage({ ...storageOptions, backends: options.storageBackends });
    const secrets = createSecrets({ env, ...config.secrets, onValue: (v) => redactor.add(v) });
    // inputs.pb is read while the template loads: one storage round trip less on S3.
    const inputsBytes = storage.read(args.inputs, { signal });
    inputsBytes.catch(() => {}); // reported when dispatch awaits it
    // Started early, so that it listens before any executor step; it claims nothing while the
    // main thread acts.
    const remote = schemeOf(args.outputPrefix) !== "file";
    if (
      options.abortWatchdog && !options.storage && !signal.aborted &&
      (config.abortWatchdog === "on" || (config.abortWatchdog === "auto" && remote))
    ) {
      // Imported only here: a run on local files never starts it.
      const { startAbortWatchdog } = await import("./abort_watchdog.ts");
      watchdog = startAbortWatchdog({
        uri: errorUri(args.outputPrefix, line, reporting),
        worker: reporting.worker,
        flyte2: line === "flyte2",
        storage: storageOptions,
      });
      // The main thread takes the ending the moment it sees the abort (it then cancels work
      // elsewhere and reports): the watchdog stands down.
      signal.addEventListener("abort", () => watchdog?.claim(), { once: true });
    }
    const work = (async () => {
      const resolveOptions = { storage: storage!, registry, signal };
      const task = await (options.resolve
        ? options.resolve(resolveOptions)
        : resolveTask(args.resolver, args.resolverArgs, resolveOptions));
      if (!task.executor.taskTypes.includes(task.template.type ?? "")) {
        logger.warn("Executor does not declare the template's task type", {
          executor: task.executor.id,
          taskType: task.template.type ?? "",
          taskTypes: task.executor.taskTypes,
        });
      }
      if (args.dynamicAddlDistro || args.dynamicDestDir) {
        logger.warn(
          "Ignoring the code bundle options: prebuilt tasks need no code",
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
      const dir = workDir = makeWorkDirSync("flyteshim-");
      watchdog?.setWorkDir(dir);
      try {
        const rawOutputPrefix = args.rawOutputDataPrefix ?? joinUri(args.outputPrefix, "raw");
        // Imported only for a run with checkpoints (flytekit gives prebuilt tasks none).
        const checkpoint = args.checkpointPath
          ? (await import("./checkpoint.ts")).createCheckpoint({
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
          execution: options.execution ? options.execution(config.execution) : config.execution,
          checkpoint,
          workDir,
          arrayIndex: config.arrayIndex,
          offload: config.offload,
          limits: config.limits,
          env,
          onCommit: () => {
            // The watchdog has written error.pb for a signal: outputs.pb must not follow it.
            if (watchdog && !watchdog.claim()) {
              throw signal.reason ?? new DOMException("", "AbortError");
            }
            committing = true;
          },
          holdAbort: (ms) =>
            abortGraceMs = Math.max(abortGraceMs, ms),
        });
        logger.info("Wrote outputs", {
          uri: result.outputsUri,
          outputs: Object.keys(result.outputs.literals ?? {}),
          ms: Math.round(performance.now() - started),
        });
      } finally {
        await removeWorkDir(dir);
        workDir = undefined;
      }
    })();
    // After an abort nobody awaits the work any more: its late failure must not crash the process.
    work.catch(() => {});
    try {
      await Promise.race([work, untilAborted(signal)]);
    } catch (error) {
      // An abort while outputs.pb is being written lets the commit finish.
      if (signal.aborted && committing) {
        await work;
      } else {
        // Give the executor a moment to stop what it started elsewhere (a statement running on
        // a database server is cancelled through a second connection) before the process exits.
        if (signal.aborted) {
          await settledWithin(work, abortGraceMs);
        }
        throw error;
      }
    }
    return EXIT_OK;
  } catch (error) {
    if (watchdog && !watchdog.claim()) {
      // The watchdog reports this abort; wait for its document before the process exits.
      await watchdog.written();
      return failedExit(line, reporting);
    }
    return await report(error, {
      args,
      line,
      reporting,
      redactor,
      logger,
      storage: storage ?? fallbackStorage(env),
    });
  } finally {
    watchdog?.stop();
    if (workDir !== undefined) await removeWorkDir(workDir);
  }
}

/** Storage for reporting a failure that happened before the configuration was read. */
function fallbackStorage(env: Env): Storage {
  try {
    return createStorage({ s3: s3ConfigFromEnv(env), env });
  } catch {
    return createStorage({ env });
  }
}

async function report(
  error: unknown,
  context: {
    args: Pick<ExecuteArgs, "outputPrefix">;
    line: ContractLine;
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
  if (context.line === "flyte2" && doc.error) {
    // Flyte 2's ContainerError has fields 1-4: no timestamp, no worker.
    delete doc.error.timestamp;
    delete doc.error.worker;
  }
  const uri = errorUri(context.args.outputPrefix, context.line, reporting);
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
  return failedExit(context.line, reporting);
}

/** Where the error document goes: Flyte 2's backend reads error.pb only, whatever `_F_DES` says. */
function errorUri(
  outputPrefix: string,
  line: ContractLine,
  reporting: ReturnType<typeof errorReportingFromEnv>,
): string {
  return joinUri(outputPrefix, line === "flyte2" ? ERROR_FILE : reporting.errorFileName);
}

/** The exit code after error.pb: Flyte 2's backend reads it only after exit 0. */
function failedExit(
  line: ContractLine,
  reporting: ReturnType<typeof errorReportingFromEnv>,
): number {
  return reporting.failOnError && line === "flyte1" ? EXIT_FAILED : EXIT_OK;
}

/**
 * Reports a failure that happened before `execute` could start (a bad command line) in
 * `<output prefix>/error.pb`, and returns the exit code.
 *
 * @example Report a bad command line
 * ```ts
 * import { reportFailure } from "./execute.ts";
 * import { NULL_LOGGER } from "./dispatch.ts";
 * import { UserError } from "../errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const error = new UserError("Cannot parse arguments", { code: "USER:InvalidArguments" });
 * assertEquals(await reportFailure(error, { outputPrefix: dir, env: {}, logger: NULL_LOGGER }), 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function reportFailure(
  error: unknown,
  options: {
    outputPrefix: string;
    env: Env;
    storage?: Storage;
    logger?: Logger;
    line?: ContractLine;
  },
): Promise<number> {
  const redactor = createRedactor();
  return report(error, {
    args: { outputPrefix: options.outputPrefix },
    line: options.line ?? "flyte1",
    reporting: errorReportingFromEnv(options.env),
    redactor,
    logger: options.logger ?? createLogger({ level: safeLevel(options.env), redactor }),
    storage: options.storage ?? fallbackStorage(options.env),
  });
}
