// Running one resolved task: read inputs, convert, run the executor, convert outputs, offload
// large literals, then write outputs.pb LAST, as the commit marker.
import { makeWorkDir } from "./work_dir.ts";
import { FlyteshimError, StorageError, SystemError, UserError } from "../errors.ts";
import type {
  Checkpoint,
  ExecutionIdentity,
  Executor,
  ExecutorContext,
  ExecutorLimits,
  ExecutorOutputs,
  LiteralOutputs,
  Logger,
} from "../executors/mod.ts";
import type { Secrets } from "../secrets/mod.ts";
import {
  decodeLiteralMap,
  encodeLiteralMap,
  type JsonValue,
  type LiteralMap,
  structToJson,
  type TaskTemplate,
  type Variable,
} from "../idl/core.ts";
import { joinUri } from "../storage/storage.ts";
import type { Storage } from "../storage/types.ts";
import { literalMapToValues, valuesToLiteralMap } from "../types/literal_map.ts";
import type { ResolvedTask } from "../resolver/mod.ts";
import { isAbort } from "./error_document.ts";
import type { OffloadConfig } from "./config.ts";
import { offloadLiterals, PROPELLER_OUTPUTS_LIMIT } from "./offload.ts";

/** The file propeller reads outputs from. */
export const OUTPUTS_FILE = "outputs.pb";

/** How long (ms) the executor must have run before the run yields to the event loop to commit. */
const YIELD_AFTER_MS = 100;

/** A silent logger, the default of the library functions. */
export const NULL_LOGGER: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** An execution identity with every field empty, for local runs. */
export const LOCAL_EXECUTION: ExecutionIdentity = {
  project: "",
  domain: "",
  name: "",
  workflow: "",
  launchPlan: "",
  task: { project: "", domain: "", name: "", version: "" },
  attempt: 0,
};

/** Options of {@linkcode executeTask}. */
export interface ExecuteTaskOptions {
  /** Storage for data, offloaded literals and uploads. */
  storage: Storage;
  /** Where data (files, folders, datasets) goes. */
  rawOutputPrefix: string;
  /** Secret lookup. */
  secrets: Secrets;
  /** Aborts the run. */
  signal?: AbortSignal;
  /** The run's logger. @default {a silent logger} */
  logger?: Logger;
  /** Who and what is running. @default {empty identity, attempt 0} */
  execution?: ExecutionIdentity;
  /** Checkpoints, when the run has them. */
  checkpoint?: Checkpoint;
  /** A local scratch folder; one is created and removed when absent. */
  workDir?: string;
  /** Array task index: run element `index` of every collection input. */
  arrayIndex?: number;
  /** Limits for executors (archive sizes). */
  limits?: ExecutorLimits;
  /** The environment executors may read their settings from (`ExecutorContext.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Lets the executor extend how long the runtime waits for it after an abort. */
  holdAbort?: (ms: number) => void;
}

function variablesOf(
  map: { variables?: { [k: string]: Variable } | null } | null | undefined,
): Record<string, Variable> {
  return { ...(map?.variables ?? {}) };
}

function isLiteralOutputs(value: ExecutorOutputs): value is LiteralOutputs {
  return typeof value === "object" && value !== null &&
    (value as LiteralOutputs).kind === "literals" &&
    "literals" in value;
}

function randomHex(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

function parseConfig(executor: Executor<unknown>, template: TaskTemplate): unknown {
  const custom = (template.custom ? structToJson(template.custom) : {}) as {
    [key: string]: JsonValue;
  };
  try {
    return executor.parseConfig(custom, template);
  } catch (cause) {
    if (cause instanceof FlyteshimError) throw cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new UserError(`Cannot read the task's custom config: ${detail}`, {
      code: "USER:InvalidConfig",
      cause,
    });
  }
}

/**
 * The outputs of an executor as a literal map. A value that does not fit the declared interface is
 * the executor's bug, not the user's: `SYSTEM:InvalidOutput`, non-recoverable. Storage failures
 * while uploading keep their own classification.
 */
async function convertOutputs(
  result: ExecutorOutputs,
  task: ResolvedTask,
  options: ExecuteTaskOptions,
): Promise<LiteralMap> {
  if (isLiteralOutputs(result)) return result.literals;
  const values = (result ?? {}) as Record<string, unknown>;
  try {
    return await valuesToLiteralMap(values, variablesOf(task.template.interface?.outputs), {
      storage: options.storage,
      rawOutputPrefix: options.rawOutputPrefix,
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof StorageError || cause instanceof SystemError) throw cause;
    if (isAbort(cause)) throw cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new SystemError(
      `Cannot convert the outputs of executor "${task.executor.id}": ${detail}`,
      { code: "SYSTEM:InvalidOutput", recoverable: false, cause },
    );
  }
}

/**
 * Runs a resolved task on an input literal map and returns its output literal map: selects the
 * array element, converts inputs to values, parses the executor's config, runs it and converts
 * its outputs (uploading files, folders and datasets under the raw output prefix). Writes no
 * `outputs.pb`: this is the part local runs share with {@linkcode dispatch}.
 *
 * @example A local run on literals
 * ```ts
 * import { executeTask } from "./dispatch.ts";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { createSecrets } from "@flyteshim/flyteshim/secrets";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const double = defineExecutor({
 *   id: "example.double",
 *   taskTypes: ["double"],
 *   parseConfig: () => ({}),
 *   execute: (_config, inputs) => Promise.resolve({ y: (inputs.x as bigint) * 2n }),
 * });
 * const INTEGER = { simple: 1 };
 * const raw = await Deno.makeTempDir();
 * const outputs = await executeTask(
 *   {
 *     template: { type: "double", interface: {
 *       inputs: { variables: { x: { type: INTEGER } } },
 *       outputs: { variables: { y: { type: INTEGER } } },
 *     } },
 *     templateUri: "memory:",
 *     executor: double,
 *   },
 *   { literals: { x: { scalar: { primitive: { integer: 21 } } } } },
 *   { storage: createStorage(), rawOutputPrefix: raw, secrets: createSecrets() },
 * );
 * assertEquals(Number(outputs.literals?.y.scalar?.primitive?.integer), 42);
 * await Deno.remove(raw, { recursive: true });
 * ```
 *
 * @example Secrets reach the executor
 * ```ts
 * import { executeTask, type ExecuteTaskOptions } from "./dispatch.ts";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { createSecrets } from "@flyteshim/flyteshim/secrets";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * let token = "";
 * const login = defineExecutor({
 *   id: "example.login",
 *   taskTypes: ["login"],
 *   parseConfig: () => ({}),
 *   execute: async (_config, _inputs, ctx) =>
 *     void (token = await ctx.secrets.get({ group: "api", key: "token" })),
 * });
 * const raw = await Deno.makeTempDir();
 * const options: ExecuteTaskOptions = {
 *   storage: createStorage(),
 *   rawOutputPrefix: raw,
 *   secrets: createSecrets({ env: { _FSEC_API_TOKEN: "t0k" } }),
 * };
 * await executeTask(
 *   { template: { type: "login" }, templateUri: "memory:", executor: login },
 *   {},
 *   options,
 * );
 * assertEquals(token, "t0k");
 * await Deno.remove(raw, { recursive: true });
 * ```
 */
export async function executeTask(
  task: ResolvedTask,
  inputs: LiteralMap,
  options: ExecuteTaskOptions,
): Promise<LiteralMap> {
  const { template, executor } = task;
  const logger = options.logger ?? NULL_LOGGER;
  const signal = options.signal ?? new AbortController().signal;
  // The config first: a bad one fails before any input is downloaded.
  const config = parseConfig(executor, template);
  let variables = variablesOf(template.interface?.inputs);
  if (options.arrayIndex !== undefined) {
    // Imported only for an array task's element.
    const { selectArrayElement } = await import("./array.ts");
    ({ inputs, variables } = await selectArrayElement(inputs, variables, {
      index: options.arrayIndex,
      storage: options.storage,
      signal,
    }));
  }
  const values = await literalMapToValues(inputs, variables, {
    storage: options.storage,
    signal,
  });
  const ownWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? await makeWorkDir("flyteshim-");
  const rawOutputPrefix = joinUri(options.rawOutputPrefix);
  const context: ExecutorContext = {
    template,
    execution: options.execution ?? LOCAL_EXECUTION,
    rawOutputPrefix,
    newRawOutputUri: () => joinUri(rawOutputPrefix, randomHex()),
    storage: options.storage,
    secrets: options.secrets,
    checkpoint: options.checkpoint,
    logger,
    signal,
    workDir,
    limits: options.limits,
    env: options.env,
    holdAbort: options.holdAbort,
  };
  try {
    let result: ExecutorOutputs;
    try {
      result = await executor.execute(config, values, context);
    } catch (cause) {
      // Whatever the executor threw, an abort is reported as one.
      if (signal.aborted) throw signal.reason ?? cause;
      throw cause;
    }
    signal.throwIfAborted();
    return await convertOutputs(result, task, { ...options, rawOutputPrefix, signal });
  } finally {
    if (ownWorkDir) await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

/** Options of {@linkcode dispatch}. */
export interface DispatchOptions extends ExecuteTaskOptions {
  /** URI of `inputs.pb`. */
  inputs: string;
  /** Where `outputs.pb` and offloaded literals go. */
  outputPrefix: string;
  /** Offloading thresholds; no offloading when absent. */
  offload?: OffloadConfig;
  /** Called once, just before `outputs.pb` is written: from then on the run commits. */
  onCommit?: () => void;
  /** The bytes of `inputs.pb`, when the caller started reading them early (in parallel). */
  inputsBytes?: Promise<Uint8Array>;
}

/** What {@linkcode dispatch} wrote. */
export interface DispatchResult {
  /** The URI of `outputs.pb`. */
  outputsUri: string;
  /** The literal map written to it. */
  outputs: LiteralMap;
  /** The URIs of offloaded literals. */
  offloaded: string[];
}

async function readInputs(task: ResolvedTask, options: DispatchOptions): Promise<LiteralMap> {
  let bytes: Uint8Array;
  try {
    bytes = await (options.inputsBytes ??
      options.storage.read(options.inputs, { signal: options.signal }));
  } catch (cause) {
    // A task without inputs runs without an inputs.pb.
    const declared = Object.keys(variablesOf(task.template.interface?.inputs));
    if (cause instanceof StorageError && cause.code === "USER:NotFound") {
      if (declared.length === 0) return { literals: {} };
      // Propeller writes inputs.pb before it starts the pod: its absence is the platform's.
      throw new SystemError(`Cannot read inputs "${options.inputs}": no such object`, {
        code: "SYSTEM:InputsNotFound",
        cause,
      });
    }
    throw cause;
  }
  try {
    return decodeLiteralMap(bytes);
  } catch (cause) {
    throw new UserError(
      `Cannot read inputs "${options.inputs}": not a binary flyteidl.core.LiteralMap or flyteidl2.task.Inputs`,
      { code: "USER:InvalidInput", cause },
    );
  }
}

/**
 * The whole task run behind `execute`: reads `inputs.pb`, runs {@linkcode executeTask}, offloads
 * large literals, and writes `outputs.pb` last, so that it exists only when everything it refers
 * to does.
 *
 * @example Read inputs.pb, write outputs.pb
 * ```ts
 * import { dispatch } from "./dispatch.ts";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { decodeLiteralMap, encodeLiteralMap } from "@flyteshim/flyteshim/idl";
 * import { createSecrets } from "@flyteshim/flyteshim/secrets";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const hello = defineExecutor({
 *   id: "example.hello",
 *   taskTypes: ["hello"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve({ out: "hello" }),
 * });
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/inputs.pb`, encodeLiteralMap({ literals: {} }));
 * const result = await dispatch(
 *   {
 *     template: {
 *       type: "hello",
 *       interface: { outputs: { variables: { out: { type: { simple: 3 } } } } },
 *     },
 *     templateUri: "memory:",
 *     executor: hello,
 *   },
 *   {
 *     inputs: `${dir}/inputs.pb`,
 *     outputPrefix: `${dir}/out`,
 *     rawOutputPrefix: `${dir}/raw`,
 *     storage: createStorage(),
 *     secrets: createSecrets(),
 *   },
 * );
 * const written = decodeLiteralMap(await Deno.readFile(result.outputsUri));
 * assertEquals(written.literals?.out.scalar?.primitive?.stringValue, "hello");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example Know when the run commits
 * ```ts
 * import { dispatch, type DispatchOptions } from "./dispatch.ts";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { createSecrets } from "@flyteshim/flyteshim/secrets";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "example.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const dir = await Deno.makeTempDir();
 * let committed = false;
 * const options: DispatchOptions = {
 *   inputs: `${dir}/inputs.pb`,
 *   outputPrefix: dir,
 *   rawOutputPrefix: `${dir}/raw`,
 *   storage: createStorage(),
 *   secrets: createSecrets(),
 *   onCommit: () => committed = true,
 * };
 * await dispatch({ template: { type: "noop" }, templateUri: "memory:", executor: noop }, options);
 * assertEquals(committed, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example Where outputs.pb went
 * ```ts
 * import { dispatch, type DispatchResult } from "./dispatch.ts";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { createSecrets } from "@flyteshim/flyteshim/secrets";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "example.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const dir = await Deno.makeTempDir();
 * const result: DispatchResult = await dispatch({
 *   template: { type: "noop" },
 *   templateUri: "memory:",
 *   executor: noop,
 * }, {
 *   inputs: `${dir}/inputs.pb`,
 *   outputPrefix: dir,
 *   rawOutputPrefix: `${dir}/raw`,
 *   storage: createStorage(),
 *   secrets: createSecrets(),
 * });
 * assertEquals([result.outputsUri, result.outputs.literals, result.offloaded], [
 *   `${dir}/outputs.pb`,
 *   {},
 *   [],
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function dispatch(
  task: ResolvedTask,
  options: DispatchOptions,
): Promise<DispatchResult> {
  const logger = options.logger ?? NULL_LOGGER;
  const inputs = await readInputs(task, options);
  logger.info("Running task", {
    executor: task.executor.id,
    task: task.template.id?.name ?? "",
    inputs: Object.keys(inputs.literals ?? {}),
    ...(options.arrayIndex === undefined ? {} : { arrayIndex: options.arrayIndex }),
    // Flyte 2's run and action, which its logs are searched by.
    ...(options.execution?.action
      ? { run: options.execution.name, action: options.execution.action }
      : {}),
  });
  const started = performance.now();
  let outputs = await executeTask(task, inputs, options);
  const executorMs = performance.now() - started;
  let offloaded: string[] = [];
  if (options.offload) {
    const types = Object.fromEntries(
      Object.entries(variablesOf(task.template.interface?.outputs)).map(([k, v]) => [k, v.type]),
    );
    ({ literals: outputs, offloaded } = await offloadLiterals(outputs, {
      ...options.offload,
      outputPrefix: options.outputPrefix,
      types,
      storage: options.storage,
      signal: options.signal,
    }));
    if (offloaded.length) logger.info("Offloaded large outputs", { uris: offloaded });
  }
  const bytes = encodeLiteralMap(outputs);
  if (bytes.length > PROPELLER_OUTPUTS_LIMIT) {
    logger.warn("outputs.pb is larger than propeller's default limit; enable literal offloading", {
      bytes: bytes.length,
      limit: PROPELLER_OUTPUTS_LIMIT,
    });
  }
  // A SIGTERM that arrived while the executor held the thread (a long synchronous SQLite step) is
  // seen only after a full turn of the event loop, which a timer gives. Short executions skip it.
  // Not the global setTimeout: its first use loads Node.js's timers module (about 5 ms, paid by
  // every command task that runs longer than the threshold); AbortSignal.timeout's timer does not.
  if (executorMs > YIELD_AFTER_MS) {
    await new Promise<void>((resolve) =>
      AbortSignal.timeout(0).addEventListener("abort", () => resolve(), { once: true })
    );
  }
  options.signal?.throwIfAborted();
  options.onCommit?.();
  const outputsUri = joinUri(options.outputPrefix, OUTPUTS_FILE);
  await options.storage.write(outputsUri, bytes);
  return { outputsUri, outputs, offloaded };
}
