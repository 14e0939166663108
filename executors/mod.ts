/**
 * The executor contract and the registry.
 *
 * An executor is flyteshim's counterpart of flytekit's `ShimTaskExecutor.execute_from_model`: it
 * receives the task template (with `custom` decoded and parsed into its own config), the task's
 * inputs as typed values and a context, and returns the outputs by name, or a literal map when
 * it wants full control. Executors register explicitly, by value; built-in ones load lazily.
 *
 * @example A small executor and a registry
 * ```ts
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const echo = defineExecutor({
 *   id: "example.echo",
 *   taskTypes: ["echo"],
 *   parseConfig: (custom) => ({ prefix: String(custom.prefix ?? "") }),
 *   execute: (config, inputs) => Promise.resolve({ out: `${config.prefix}${inputs.text}` }),
 * });
 * const registry = createExecutorRegistry([echo]);
 * assertEquals((await registry.get("example.echo")).id, "example.echo");
 * ```
 *
 * @module
 */

import { ExecutorNotFoundError } from "../errors.ts";
import type { JsonValue, LiteralMap, TaskTemplate } from "../idl/mod.ts";
import type { Secrets } from "../secrets/mod.ts";
import type { Storage } from "../storage/mod.ts";
import type { InferInputs, InferValues, TypeDescriptor } from "../types/descriptors.ts";

/** Who and what is running, from the environment propeller sets (`FLYTE_INTERNAL_*`). */
export interface ExecutionIdentity {
  /** Execution project. */
  project: string;
  /** Execution domain. */
  domain: string;
  /** Execution name. */
  name: string;
  /** Workflow name. */
  workflow: string;
  /** Launch plan name. */
  launchPlan: string;
  /** Task project, domain, name and version. */
  task: { project: string; domain: string; name: string; version: string };
  /** Attempt number, starting at 0 (`FLYTE_ATTEMPT_NUMBER`). */
  attempt: number;
  /** Flyte 2's action name (`ACTION_NAME`); `name` is then the run name (`RUN_NAME`). */
  action?: string;
  /** Flyte 2's organization (`_U_ORG_NAME`). */
  org?: string;
}

/** One line per event; fields must never hold secrets. */
export interface Logger {
  /** Detail for debugging. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Normal progress. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something odd that does not fail the task. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A failure. */
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Checkpoints across attempts (`--checkpoint-path`, `--prev-checkpoint`). */
export interface Checkpoint {
  /** Where this attempt saves (a URI). */
  readonly destination: string;
  /** The previous attempt's checkpoint (a URI), if any. */
  readonly previous?: string;
  /** Downloads the previous checkpoint into a local folder once and returns it, or `undefined`. */
  restore(): Promise<string | undefined>;
  /** Uploads a local file (to `<destination>/<name>`) or folder (below `<destination>`). */
  save(localPath: string): Promise<void>;
  /** The bytes of the single file of the previous checkpoint, or `undefined`. */
  read(): Promise<Uint8Array | undefined>;
  /** Saves bytes as the checkpoint (`<destination>/_dst_cp`, as flytekit). */
  write(data: Uint8Array): Promise<void>;
}

/** What an executor gets besides its config and inputs. */
export interface ExecutorContext {
  /** The task template, as loaded. */
  template: TaskTemplate;
  /** Who and what is running. */
  execution: ExecutionIdentity;
  /** Where data (files, folders, datasets) goes; no trailing slash. */
  rawOutputPrefix: string;
  /** A fresh `<raw output prefix>/<32 hex>` URI for one output, as flytekit names them. */
  newRawOutputUri(): string;
  /** Storage for every URI scheme. */
  storage: Storage;
  /** Secret lookup. */
  secrets: Secrets;
  /** Checkpoints, when propeller passed a checkpoint path. */
  checkpoint?: Checkpoint;
  /** The run's logger. */
  logger: Logger;
  /** Aborted on SIGTERM or timeout: stop work and reject. */
  signal: AbortSignal;
  /** A local scratch folder, removed after the run. */
  workDir: string;
  /** Limits the deployment sets for every executor (from the environment in the binary). */
  limits?: ExecutorLimits;
  /**
   * The deployment's environment variables, for executors whose settings come from it (the
   * OpenAI executors read `OPENAI_BASE_URL`); a map handed in by the runtime, never `Deno.env`.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Asks the runtime to wait up to `ms` milliseconds (instead of its default 2 s) for this run to
   * wind down after an abort before it reports `SYSTEM:Aborted`: the command executor gives its
   * program the grace period it was configured with. Absent where nobody waits (a library call).
   */
  holdAbort?: (ms: number) => void;
}

/** Limits the runtime passes to executors; an executor's own options take precedence. */
export interface ExecutorLimits {
  /**
   * The most bytes an archive may unpack to (`FLYTESHIM_MAX_UNPACKED_MB` in the binary; the
   * SQLite3 executor's default is 8 GiB).
   */
  maxUnpackedBytes?: number;
  /**
   * How query executors write parquet datasets (`FLYTESHIM_PARQUET_COMPRESSION`,
   * `FLYTESHIM_PARQUET_ROW_GROUP_ROWS`, `FLYTESHIM_PARQUET_ROW_GROUP_MB` in the binary); absent
   * fields keep the writer's defaults (snappy, 1,048,576 rows, 128 MiB).
   */
  parquet?: {
    /** Page compression. */
    codec?: "SNAPPY" | "ZSTD" | "UNCOMPRESSED";
    /** Rows per row group. */
    rowGroupRows?: number;
    /** PLAIN-encoded bytes that close a row group early. */
    rowGroupBytes?: number;
  };
}

/** Outputs given as a ready literal map, bypassing conversion (see {@linkcode literalOutputs}). */
export interface LiteralOutputs {
  /** Marks the object. */
  readonly kind: "literals";
  /** The literal map written to `outputs.pb` as it is. */
  readonly literals: LiteralMap;
}

/**
 * Wraps a literal map so that the runtime writes it to `outputs.pb` as it is.
 *
 * @example Outputs as a ready literal map
 * ```ts
 * import { literalOutputs } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(literalOutputs({ literals: {} }).kind, "literals");
 * ```
 */
export function literalOutputs(literals: LiteralMap): LiteralOutputs {
  return { kind: "literals", literals };
}

/**
 * What `execute` returns: outputs by name (converted per the interface), a literal map, or nothing.
 */
export type ExecutorOutputs<
  O extends Record<string, TypeDescriptor> = Record<string, TypeDescriptor>,
> =
  | (string extends keyof O ? Record<string, unknown> : InferInputs<O>)
  | LiteralOutputs
  | void;

/**
 * The `TaskTemplate.custom` an executor reads when it does not declare its own shape: a JSON
 * object (every number a double).
 */
export type ExecutorConfig = { [key: string]: JsonValue };

/**
 * The parts an executor author writes.
 *
 * @example A spec with a typed config
 * ```ts
 * import { defineExecutor, type ExecutorSpec } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const spec: ExecutorSpec<{ greeting: string }> = {
 *   id: "x.greet",
 *   taskTypes: ["greet"],
 *   parseConfig: (custom) => ({ greeting: String(custom.greeting ?? "hello") }),
 *   execute: (config) => Promise.resolve({ text: config.greeting }),
 * };
 * assertEquals(defineExecutor(spec).parseConfig({}, {}), { greeting: "hello" });
 * ```
 */
export interface ExecutorSpec<
  C,
  K = ExecutorConfig,
  T extends string = string,
  I extends Record<string, TypeDescriptor> = Record<string, TypeDescriptor>,
  O extends Record<string, TypeDescriptor> = Record<string, TypeDescriptor>,
> {
  /** The executor's id, as named in container args (for example `flyteshim.sqlite3`). */
  id: string;
  /** The task types it serves (`TaskTemplate.type`); a task of this executor must use one. */
  taskTypes: readonly T[];
  /** Other ids that find it, such as flytekit's Python executor path. */
  aliases?: readonly string[];
  /** One line for `describe`. */
  description?: string;
  /**
   * The inputs it reads, as descriptors: `execute` receives their values typed, and a task of
   * this executor must declare inputs whose values fit them. @default {any inputs}
   */
  inputs?: I;
  /**
   * The outputs it returns, as descriptors: what `execute` returns is checked against them, and
   * a task of this executor must declare outputs those values can be written as.
   * @default {any outputs}
   */
  outputs?: O;
  /**
   * Parses `TaskTemplate.custom` (numbers arrive as doubles); throws `UserError` with code
   * `USER:InvalidConfig` on a missing or mistyped key. Annotating `custom` (for example
   * `(custom: { times: number }) => ...`) types the `config` of the tasks that use the executor.
   */
  parseConfig(custom: K, template: TaskTemplate): C;
  /** Runs the task. Throw `UserError`/`SystemError` to choose how a failure is reported. */
  execute(
    config: C,
    inputs: InferValues<I>,
    context: ExecutorContext,
  ): Promise<ExecutorOutputs<O>>;
}

/** A registered executor. */
export interface Executor<
  C = unknown,
  K = ExecutorConfig,
  T extends string = string,
  I extends Record<string, TypeDescriptor> = Record<string, TypeDescriptor>,
  O extends Record<string, TypeDescriptor> = Record<string, TypeDescriptor>,
> extends ExecutorSpec<C, K, T, I, O> {
  /** Always `"executor"`. */
  readonly kind: "executor";
}

/**
 * Builds an executor from its parts.
 *
 * @example An executor that does nothing
 * ```ts
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "x.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * assertEquals(noop.taskTypes, ["noop"]);
 * ```
 */
export function defineExecutor<
  C,
  K = ExecutorConfig,
  const T extends string = string,
  I extends Record<string, TypeDescriptor> = Record<string, TypeDescriptor>,
  O extends Record<string, TypeDescriptor> = Record<string, TypeDescriptor>,
>(spec: ExecutorSpec<C, K, T, I, O>): Executor<C, K, T, I, O> {
  if (!spec.id) throw new TypeError("Cannot define executor: id is empty");
  return { ...spec, kind: "executor" };
}

/**
 * What the registry knows of an executor before loading it.
 *
 * @example An entry written by hand
 * ```ts
 * import {
 *   createExecutorRegistry,
 *   defineExecutor,
 *   type ExecutorEntry,
 * } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "x.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const entry: ExecutorEntry = {
 *   id: "x.noop",
 *   taskTypes: ["noop"],
 *   aliases: [],
 *   description: "Does nothing",
 *   load: () => Promise.resolve(noop),
 * };
 * const registry = createExecutorRegistry([entry]);
 * assertEquals([registry.entries()[0].description, (await registry.get("x.noop")).kind], [
 *   "Does nothing",
 *   "executor",
 * ]);
 * ```
 */
export interface ExecutorEntry {
  /** The executor's id. */
  id: string;
  /** The task types it serves. */
  taskTypes: readonly string[];
  /** Other ids that find it. */
  aliases: readonly string[];
  /** One line for `describe`. */
  description: string;
  /** Loads the executor (an `import()` for built-ins). */
  load(): Promise<Executor<unknown>>;
}

/**
 * Describes an executor that is imported only when a template needs it.
 *
 * @example An entry loaded on first use
 * ```ts
 * import { lazyExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const entry = lazyExecutor(
 *   { id: "x.lazy", taskTypes: ["lazy"] },
 *   () =>
 *     import("./mod.ts").then(() => {
 *       throw new Error("not loaded in this example");
 *     }),
 * );
 * assertEquals(entry.aliases, []);
 * ```
 */
export function lazyExecutor(
  meta: {
    id: string;
    taskTypes: readonly string[];
    aliases?: readonly string[];
    description?: string;
  },
  load: () => Promise<Executor<unknown>>,
): ExecutorEntry {
  return { aliases: [], description: "", ...meta, load };
}

/**
 * Finds executors by id or alias.
 *
 * @example The built-in executors, by id or flytekit's path
 * ```ts
 * import { createExecutorRegistry, type ExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import {
 *   BUILTIN_EXECUTORS,
 *   FLYTEKIT_SQLITE3_EXECUTOR_CLASS,
 * } from "@flyteshim/flyteshim/executors/builtin";
 * import { assertEquals } from "@std/assert";
 *
 * const registry: ExecutorRegistry = createExecutorRegistry(BUILTIN_EXECUTORS);
 * const ids = ["flyteshim.sqlite3", FLYTEKIT_SQLITE3_EXECUTOR_CLASS];
 * assertEquals(ids.map((id) => registry.has(id)), [true, true]);
 * assertEquals(registry.entries().map((entry) => entry.id).slice(0, 2), [
 *   "flyteshim.sqlite3",
 *   "flyteshim.sql",
 * ]);
 * ```
 */
export interface ExecutorRegistry {
  /** Loads the executor registered under an id or alias. @throws {ExecutorNotFoundError} */
  get(idOrAlias: string): Promise<Executor<unknown>>;
  /** Whether an id or alias is registered. */
  has(idOrAlias: string): boolean;
  /** Every entry, in registration order. */
  entries(): readonly ExecutorEntry[];
}

function toEntry(item: Executor<unknown> | ExecutorEntry): ExecutorEntry {
  if ("kind" in item && item.kind === "executor") {
    const executor = item;
    return {
      id: executor.id,
      taskTypes: executor.taskTypes,
      aliases: executor.aliases ?? [],
      description: executor.description ?? "",
      load: () => Promise.resolve(executor),
    };
  }
  return item as ExecutorEntry;
}

/**
 * Builds a registry from a list of executors or lazy entries.
 *
 * @throws {TypeError} When two entries share an id or alias.
 * @example Duplicates are refused
 * ```ts
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertThrows } from "@std/assert";
 *
 * const a = defineExecutor({
 *   id: "x.a",
 *   taskTypes: ["a"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * assertThrows(() => createExecutorRegistry([a, a]), TypeError);
 * ```
 *
 * @example An executor found by its alias
 * ```ts
 * import {
 *   createExecutorRegistry,
 *   defineExecutor,
 *   type Executor,
 * } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const noop: Executor = defineExecutor({
 *   id: "x.noop",
 *   taskTypes: ["noop"],
 *   aliases: ["legacy.Noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const found = await createExecutorRegistry([noop]).get("legacy.Noop");
 * assertEquals([found.kind, found.id], ["executor", "x.noop"]);
 * ```
 */
export function createExecutorRegistry(
  items: readonly (Executor<unknown> | ExecutorEntry)[],
): ExecutorRegistry {
  const entries = items.map(toEntry);
  const byName = new Map<string, ExecutorEntry>();
  for (const entry of entries) {
    for (const name of [entry.id, ...entry.aliases]) {
      if (byName.has(name)) {
        throw new TypeError(
          `Cannot register executor "${entry.id}": "${name}" is already registered`,
        );
      }
      byName.set(name, entry);
    }
  }
  const loaded = new Map<string, Promise<Executor<unknown>>>();
  return {
    get(idOrAlias) {
      const entry = byName.get(idOrAlias);
      if (!entry) {
        return Promise.reject(new ExecutorNotFoundError(idOrAlias, entries.map((e) => e.id)));
      }
      let executor = loaded.get(entry.id);
      if (!executor) {
        // A failed load is not remembered: a later call tries again.
        executor = entry.load().catch((cause) => {
          loaded.delete(entry.id);
          throw cause;
        });
        loaded.set(entry.id, executor);
      }
      return executor;
    },
    has: (idOrAlias) => byName.has(idOrAlias),
    entries: () => entries,
  };
}
