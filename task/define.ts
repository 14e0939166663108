// Task definitions: what a task author declares about a prebuilt container task. Serialization
// (serialize.ts) turns a definition into a TaskTemplate; local runs (run.ts) execute it in-process.
import type {
  Executor,
  ExecutorConfig,
  ExecutorEntry,
  ExecutorRegistry,
  Logger,
} from "../executors/mod.ts";
import type { JsonValue } from "../idl/mod.ts";
import type { Storage } from "../storage/mod.ts";
import type { Duration } from "../types/values.ts";
import type { InferInputs, InferValues, TypeDescriptor } from "../types/descriptors.ts";

/** Declared variables by name: the task's inputs or outputs. */
export type VariableDescriptors = Record<string, TypeDescriptor>;

/** How a secret reaches the pod (`flyteidl.core.Secret.MountType`). */
export type SecretMount = "any" | "env_var" | "file";

/** A secret the task needs; Flyte's webhook injects it into the pod (`security_context`). */
export interface SecretRequest {
  /** Secret group (the Kubernetes secret name). */
  group: string;
  /** Key inside the group. */
  key: string;
  /** Group version, for secret managers that use one (the Kubernetes injector ignores it). */
  groupVersion?: string;
  /** How the secret is mounted. @default "any" */
  mount?: SecretMount;
  /** An environment variable that receives the value (ENV_VAR) or the file path (FILE). */
  envVar?: string;
}

/** Kubernetes resource quantities, as strings (`"500m"`, `"1Gi"`) or plain numbers. */
export interface ResourceSpec {
  /** CPU cores (`"1"`, `"500m"`). */
  cpu?: string | number;
  /** Memory (`"512Mi"`, `"2Gi"`). */
  memory?: string;
  /** GPUs. */
  gpu?: string | number;
  /** Ephemeral storage (`"10Gi"`). */
  ephemeralStorage?: string;
}

/** Cache settings (`TaskMetadata.discoverable` and friends). */
export interface CacheSettings {
  /** The cache version; bump it to invalidate earlier results (`discovery_version`). */
  version: string;
  /**
   * Let only one execution with the same inputs compute at a time (`cache_serializable`).
   * @default false
   */
  serialize?: boolean;
  /** Inputs left out of the cache key (`cache_ignore_input_vars`). @default [] */
  ignoreInputs?: readonly string[];
}

/** Where a task's executor comes from: an id looked up in a registry, or the executor itself. */
export type ExecutorRef = string | Executor<unknown> | ExecutorEntry;

/**
 * The `config` of a task run by an executor: the shape its `parseConfig` declares for `custom`,
 * or any JSON object when it declares none (or the executor is named by id).
 *
 * @example A config shape taken from the executor
 * ```ts
 * import type { ConfigOf } from "@flyteshim/flyteshim/task";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const shout = defineExecutor({ id: "x.shout", taskTypes: ["shout"],
 *   parseConfig: (custom: { times: number }) => custom, execute: () => Promise.resolve() });
 * const config: ConfigOf<typeof shout> = { times: 2 };
 * assertEquals(config.times, 2);
 * ```
 */
export type ConfigOf<E> = E extends Executor<infer _C, infer K, infer _T, infer _I, infer _O>
  ? ExecutorConfig extends K ? { [key: string]: JsonValue | undefined } : K
  : { [key: string]: JsonValue | undefined };

/**
 * The task types a task run by an executor may have: those it serves, or any string when the
 * executor is named by id.
 *
 * @example The task type taken from the executor
 * ```ts
 * import type { TaskTypeOf } from "@flyteshim/flyteshim/task";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const shout = defineExecutor({
 *   id: "x.shout",
 *   taskTypes: ["shout", "yell"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const taskType: TaskTypeOf<typeof shout> = "yell";
 * assertEquals(taskType, "yell");
 * ```
 */
export type TaskTypeOf<E> = E extends Executor<infer _C, infer _K, infer T, infer _I, infer _O> ? T
  : string;

/**
 * The keys of `B` whose values `A` does not give (missing, or of a type that does not fit);
 * `never` when everything fits or either side is any record.
 *
 * @example The key whose type differs
 * ```ts
 * import type { Misfits } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const key: Misfits<{ a: number; b: string }, { a: number; b: number }> = "b";
 * assertEquals(key, "b");
 * ```
 */
export type Misfits<A, B> = string extends keyof A ? never : string extends keyof B ? never : {
  [K in keyof B]-?: K extends keyof A ? ([A[K]] extends [B[K]] ? never : K)
    : undefined extends B[K] ? never
    : K;
}[keyof B];

/**
 * `unknown` when an executor fits a task's interface, else a type whose one property names what
 * does not fit: the executor reads inputs the task does not declare (or of another type), or
 * returns outputs the task cannot write.
 *
 * @example An executor that fits
 * ```ts
 * import { type ExecutorFits, Types } from "@flyteshim/flyteshim/task";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const inputs = { text: Types.string };
 * const echo = defineExecutor({
 *   id: "x.echo",
 *   taskTypes: ["echo"],
 *   inputs,
 *   parseConfig: () => ({}),
 *   execute: (_config, given) => Promise.resolve({ out: given.text }),
 * });
 * const fits:
 *   & typeof echo
 *   & ExecutorFits<typeof echo, typeof inputs, { out: typeof Types.string }> = echo;
 * assertEquals(fits.id, "x.echo");
 * ```
 */
export type ExecutorFits<E, I extends VariableDescriptors, O extends VariableDescriptors> =
  E extends Executor<infer _C, infer _K, infer _T, infer EI, infer EO> ? (
      [Misfits<InferValues<I>, InferValues<EI>>] extends [never]
        ? ([Misfits<InferInputs<EO>, InferInputs<O>>] extends [never] ? unknown
          : {
            "Error: the executor returns outputs the task's outputs cannot take": Misfits<
              InferInputs<EO>,
              InferInputs<O>
            >;
          })
        : {
          "Error: the executor reads inputs the task does not declare with these types": Misfits<
            InferValues<I>,
            InferValues<EI>
          >;
        }
    )
    : unknown;

/**
 * Everything a prebuilt container task declares. Only `name`, `taskType` and `executor` are
 * required; `image` is required to package or serialize it (not for local runs).
 */
export interface TaskOptions<
  I extends VariableDescriptors = VariableDescriptors,
  O extends VariableDescriptors = VariableDescriptors,
  E extends ExecutorRef = ExecutorRef,
> {
  /** The task name (`TaskTemplate.id.name`), e.g. `sql.tracks`. */
  name: string;
  /** The task type (`TaskTemplate.type`), e.g. `sqlite`; one the executor serves. */
  taskType: TaskTypeOf<E>;
  /** The executor that runs it: its id (named in the container args) or the executor value. */
  executor: E;
  /**
   * The dotted path of flytekit's executor class, emitted instead of the executor id when
   * serializing with `flytekitCompatible: true`.
   */
  flytekitExecutor?: string;
  /** The container image that runs the task. */
  image?: string;
  /** Input variables. @default {} */
  inputs?: I;
  /** Output variables. @default {} */
  outputs?: O;
  /**
   * The executor's configuration, written to `TaskTemplate.custom` (a protobuf Struct). It must
   * be JSON: every number becomes a double on the wire (a port `5432` is read back as the
   * double `5432`, and integers above 2^53 lose precision), `undefined` keys are dropped. Typed
   * by the executor's `parseConfig` when it declares the shape of `custom`.
   * @default {}
   */
  config?: ConfigOf<E>;
  /** Resource requests. */
  requests?: ResourceSpec;
  /** Resource limits. */
  limits?: ResourceSpec;
  /** Environment variables of the container. */
  environment?: Record<string, string>;
  /** Secrets Flyte injects into the pod. */
  secrets?: readonly SecretRequest[];
  /** Retries on user errors that are recoverable. @default 0 */
  retries?: number;
  /** How long a run may take: seconds, or a `Duration`. */
  timeout?: number | Duration;
  /** Whether the task may run on interruptible (spot) nodes. */
  interruptible?: boolean;
  /** Cache results by inputs. */
  cache?: CacheSettings;
  /** A one-line description, shown in the Flyte console (`TaskSpec.description`). */
  description?: string;
  /**
   * Descriptions of inputs and outputs by name, written to the interface (`Variable.description`,
   * shown in the Flyte console and in `--help`). @default {each variable's name, as flytekit}
   */
  descriptions?: { readonly [K in keyof I | keyof O]?: string };
}

/** Options of {@linkcode PrebuiltTask.run}. */
export interface RunOptions {
  /**
   * A folder for the run's files (`task.pb`, `inputs.pb`, `outputs/`, `raw/`); kept afterwards,
   * as a folder the caller chose. @default {a new temporary folder, removed after the run unless
   * `keep` is set or an output's data (file, folder, dataset) is stored in it}
   */
  dir?: string;
  /**
   * Keep the run folder after the run, failed runs included. Its path is logged to `logger`
   * (`Run folder kept`, field `dir`) and is `TemplateRunResult.dir` of `runTemplate`.
   * @default false
   */
  keep?: boolean;
  /** Where executors named by id are found. @default {the built-in executors} */
  registry?: ExecutorRegistry;
  /** Storage for inputs, outputs and data. @default {createStorage()} */
  storage?: Storage;
  /** The environment secrets and executor settings are read from. @default {Deno.env.toObject()} */
  env?: Record<string, string | undefined>;
  /**
   * The run's logger. @default {JSON lines on stderr, as the image writes them, at the level of
   * `FLYTESHIM_LOG_LEVEL` in `env` (the image's variable), else `warn`}
   */
  logger?: Logger;
  /**
   * A previous attempt's checkpoint (a folder or URI), which the executor sees as
   * `ctx.checkpoint.previous` (and restores with `ctx.checkpoint.restore()`); this run's
   * checkpoint is saved to `<dir>/checkpoint`. @default {none: a first attempt}
   */
  previousCheckpoint?: string;
  /** Aborts the run. */
  signal?: AbortSignal;
}

/** Options of {@linkcode PrebuiltTask.toTaskTemplate}. */
export interface SerializeOptions {
  /** The image of tasks that set none (a task's own image wins). */
  image?: string;
  /** The image of every task, replacing the tasks' own (`--override-image`). */
  overrideImage?: string;
  /**
   * Emit flytekit's resolver and executor path in the container args, so that the template
   * runs on flytekit's image as well as on flyteshim's. @default false
   */
  flytekitCompatible?: boolean;
  /** Project of the template id. @default "" (filled by flytectl at registration) */
  project?: string;
  /** Domain of the template id. @default "" */
  domain?: string;
  /** Version of the template id. @default "" */
  version?: string;
}

/**
 * A prebuilt container task: a definition that serializes to a `TaskTemplate` and runs locally
 * through the same code path as in the container. Build one with {@linkcode defineTask}.
 *
 * @example What a definition holds
 * ```ts
 * import { type PrebuiltTask, sqlite3Task } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const task: PrebuiltTask = sqlite3Task({
 *   name: "sql.tracks",
 *   queryTemplate: "select 1",
 *   uri: "chinook.db",
 * });
 * assertEquals([task.name, task.executorId, task.options.taskType], [
 *   "sql.tracks",
 *   "flyteshim.sqlite3",
 *   "sqlite",
 * ]);
 * ```
 */
export interface PrebuiltTask<
  I extends VariableDescriptors = VariableDescriptors,
  O extends VariableDescriptors = VariableDescriptors,
> {
  /** Always `"task"`. */
  readonly kind: "task";
  /** The definition, as given (with empty inputs and outputs filled in). */
  readonly options: Readonly<TaskOptions<I, O> & { inputs: I; outputs: O }>;
  /** The task name. */
  readonly name: string;
  /** The executor id named in the container args. */
  readonly executorId: string;
  /**
   * Runs the task in-process: serializes the template, turns the inputs into literals, runs the
   * executor through the runtime's dispatch against a local folder, and returns typed outputs.
   */
  run(...args: RunArgs<I>): Promise<InferValues<O>>;
}

/**
 * The arguments of {@linkcode PrebuiltTask.run}: the inputs (which may be left out when every
 * input is optional, or there are none), then the options.
 *
 * @example A task without inputs runs as task.run()
 * ```ts
 * import { defineTask, type RunArgs } from "@flyteshim/flyteshim/task";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const args: RunArgs<Record<never, never>> = [];
 * const hello = defineExecutor({
 *   id: "x.hello",
 *   taskTypes: ["hello"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * assertEquals(
 *   await defineTask({ name: "hello", taskType: "hello", executor: hello }).run(...args),
 *   {},
 * );
 * ```
 */
export type RunArgs<I extends VariableDescriptors> = Record<never, never> extends InferInputs<I>
  ? [inputs?: InferInputs<I>, options?: RunOptions]
  : [inputs: InferInputs<I>, options?: RunOptions];

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function checkCount(name: string, what: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw new RangeError(`Cannot define task "${name}": ${what} must be a non-negative integer`);
  }
}

/**
 * Defines a prebuilt container task: the counterpart of subclassing flytekit's
 * `PythonCustomizedContainerTask`. Input and output TypeScript types are inferred from the
 * type descriptors.
 *
 * @throws {TypeError} On an empty or malformed name, task type or executor id, or a cache
 * setting that names an unknown input.
 * @throws {RangeError} On negative or fractional retries.
 * @example Define a task and run it locally with its own executor
 * ```ts
 * import { defineTask, Types } from "@flyteshim/flyteshim/task";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const shout = defineExecutor({
 *   id: "example.shout",
 *   taskTypes: ["shout"],
 *   parseConfig: (custom) => ({ times: Number(custom.times) }),
 *   execute: (config, inputs) =>
 *     Promise.resolve({ out: String(inputs.text).toUpperCase().repeat(config.times) }),
 * });
 * const task = defineTask({
 *   name: "example.shout",
 *   taskType: "shout",
 *   executor: shout,
 *   inputs: { text: Types.string },
 *   outputs: { out: Types.string },
 *   config: { times: 2 },
 * });
 * const { out } = await task.run({ text: "hi" });
 * assertEquals(out, "HIHI");
 * ```
 *
 * @example Variables declared apart from the task
 * ```ts
 * import {
 *   defineTask,
 *   toTaskTemplate,
 *   Types,
 *   type VariableDescriptors,
 * } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const inputs = {
 *   limit: Types.integer,
 *   names: Types.list(Types.string),
 * } satisfies VariableDescriptors;
 * const task = defineTask({
 *   name: "q",
 *   taskType: "sqlite",
 *   executor: "flyteshim.sqlite3",
 *   image: "example:1",
 *   inputs,
 * });
 * assertEquals(Object.keys(toTaskTemplate(task).interface?.inputs?.variables ?? {}), [
 *   "limit",
 *   "names",
 * ]);
 * ```
 *
 * @example A secret mounted as an environment variable
 * ```ts
 * import { defineTask, type SecretMount, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { flyteidl } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const mount: SecretMount = "env_var";
 * const secrets = [{ group: "db", key: "password", mount }];
 * const task = defineTask({
 *   name: "q",
 *   taskType: "noop",
 *   executor: "x.noop",
 *   image: "example:1",
 *   secrets,
 * });
 * assertEquals(
 *   toTaskTemplate(task).securityContext?.secrets?.[0].mountRequirement,
 *   flyteidl.core.Secret.MountType.ENV_VAR,
 * );
 * ```
 *
 * @example A secret file whose path is in an environment variable
 * ```ts
 * import { defineTask, type SecretRequest, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const secret: SecretRequest = {
 *   group: "db",
 *   key: "password",
 *   mount: "file",
 *   envVar: "DB_PASSWORD_FILE",
 * };
 * const task = defineTask({
 *   name: "q",
 *   taskType: "noop",
 *   executor: "x.noop",
 *   image: "example:1",
 *   secrets: [secret],
 * });
 * const [written] = toTaskTemplate(task).securityContext?.secrets ?? [];
 * assertEquals([written.group, written.key, written.envVar], [
 *   "db",
 *   "password",
 *   "DB_PASSWORD_FILE",
 * ]);
 * ```
 *
 * @example Requests and limits
 * ```ts
 * import { defineTask, type ResourceSpec, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const requests: ResourceSpec = { cpu: "500m", memory: "1Gi" };
 * const limits: ResourceSpec = { memory: "2Gi" };
 * const task = defineTask({
 *   name: "q",
 *   taskType: "noop",
 *   executor: "x.noop",
 *   image: "example:1",
 *   requests,
 *   limits,
 * });
 * const resources = toTaskTemplate(task).container?.resources;
 * assertEquals(resources?.requests?.map((entry) => entry.value), ["500m", "1Gi"]);
 * assertEquals(resources?.limits?.map((entry) => entry.value), ["2Gi"]);
 * ```
 *
 * @example Cached results, computed once at a time
 * ```ts
 * import { type CacheSettings, defineTask, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const cache: CacheSettings = { version: "1", serialize: true };
 * const task = defineTask({
 *   name: "q",
 *   taskType: "noop",
 *   executor: "x.noop",
 *   image: "example:1",
 *   cache,
 * });
 * const metadata = toTaskTemplate(task).metadata;
 * assertEquals([metadata?.discoverable, metadata?.discoveryVersion, metadata?.cacheSerializable], [
 *   true,
 *   "1",
 *   true,
 * ]);
 * ```
 *
 * @example An executor named by id or given by value
 * ```ts
 * import { defineTask, type ExecutorRef } from "@flyteshim/flyteshim/task";
 * import { SQLITE3_EXECUTOR } from "@flyteshim/flyteshim/executors/builtin";
 * import { assertEquals } from "@std/assert";
 *
 * const refs: ExecutorRef[] = ["flyteshim.sqlite3", SQLITE3_EXECUTOR];
 * const ids = refs.map((executor) =>
 *   defineTask({ name: "q", taskType: "sqlite", executor }).executorId
 * );
 * assertEquals(ids, ["flyteshim.sqlite3", "flyteshim.sqlite3"]);
 * ```
 *
 * @example Options built apart from the call
 * ```ts
 * import { defineTask, type TaskOptions, toTaskTemplate, Types } from "@flyteshim/flyteshim/task";
 * import { fromInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const options: TaskOptions = {
 *   name: "q",
 *   taskType: "noop",
 *   executor: "x.noop",
 *   image: "example:1",
 *   inputs: { n: Types.integer },
 *   timeout: 60,
 * };
 * const { metadata } = toTaskTemplate(defineTask(options));
 * assertEquals(fromInt64(metadata?.timeout?.seconds), 60n);
 * ```
 *
 * @example Keep a local run's files in a folder of one's own
 * ```ts
 * import { defineTask, type RunOptions } from "@flyteshim/flyteshim/task";
 * import { defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({ id: "x.noop", taskTypes: ["noop"], parseConfig: () => ({}),
 *   execute: () => Promise.resolve() });
 * const options: RunOptions = { dir: await Deno.makeTempDir(), env: {} };
 * await defineTask({ name: "noop", taskType: "noop", executor: noop }).run({}, options);
 * assertEquals((await Deno.stat(`${options.dir}/task.pb`)).isFile, true);
 * await Deno.remove(options.dir!, { recursive: true });
 * ```
 *
 * @example Image and id given when serializing
 * ```ts
 * import { defineTask, type SerializeOptions, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const task = defineTask({ name: "q", taskType: "sqlite", executor: "flyteshim.sqlite3" });
 * const options: SerializeOptions = {
 *   image: "ghcr.io/acme/flyteshim:0.1.0",
 *   project: "flytesnacks",
 *   version: "v1",
 * };
 * const template = toTaskTemplate(task, options);
 * assertEquals([template.id?.project, template.id?.version], ["flytesnacks", "v1"]);
 * assertEquals(template.container?.image, options.image);
 * ```
 */
export function defineTask<
  I extends VariableDescriptors = Record<never, TypeDescriptor>,
  O extends VariableDescriptors = Record<never, TypeDescriptor>,
  E extends ExecutorRef = ExecutorRef,
>(
  options: TaskOptions<I, O, E> & { executor: E & ExecutorFits<E, I, O> },
): PrebuiltTask<I, O> {
  const { name, taskType } = options;
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new TypeError(
      `Cannot define task "${name}": the name must be letters, digits, "_", "." or "-"`,
    );
  }
  if (typeof taskType !== "string" || taskType.trim() === "") {
    throw new TypeError(`Cannot define task "${name}": the task type is empty`);
  }
  const executorId = typeof options.executor === "string" ? options.executor : options.executor?.id;
  if (!executorId) throw new TypeError(`Cannot define task "${name}": the executor id is empty`);
  checkCount(name, "retries", options.retries);
  const inputs = (options.inputs ?? {}) as I;
  const outputs = (options.outputs ?? {}) as O;
  // What the types check, checked again for callers that bypass them (JavaScript, casts).
  const executor = options.executor as ExecutorRef;
  if (typeof executor === "object" && executor !== null) {
    if (executor.taskTypes?.length && !executor.taskTypes.includes(taskType)) {
      throw new TypeError(
        `Cannot define task "${name}": executor "${executorId}" serves task types ${
          executor.taskTypes.map((t) => `"${t}"`).join(", ")
        }, not "${taskType}"`,
      );
    }
    const reads = "kind" in executor && executor.kind === "executor" ? executor.inputs : undefined;
    const missing = Object.keys(reads ?? {}).filter((key) => !Object.hasOwn(inputs, key));
    if (missing.length) {
      throw new TypeError(
        `Cannot define task "${name}": executor "${executorId}" reads inputs the task does not declare: ${
          missing.map((m) => `"${m}"`).join(", ")
        }`,
      );
    }
  }
  for (const described of Object.keys(options.descriptions ?? {})) {
    if (!Object.hasOwn(inputs, described) && !Object.hasOwn(outputs, described)) {
      throw new TypeError(
        `Cannot define task "${name}": descriptions names "${described}", which is neither an input nor an output`,
      );
    }
  }
  for (const ignored of options.cache?.ignoreInputs ?? []) {
    if (!Object.hasOwn(inputs, ignored)) {
      throw new TypeError(
        `Cannot define task "${name}": cache.ignoreInputs names "${ignored}", which is not an input`,
      );
    }
  }
  const frozen = Object.freeze({ ...options, inputs, outputs }) as PrebuiltTask<I, O>["options"];
  const task: PrebuiltTask<I, O> = Object.freeze({
    kind: "task" as const,
    options: frozen,
    name,
    executorId,
    // Imported on demand: definitions alone need none of the runtime.
    async run(...[values, runOptions]: RunArgs<I>): Promise<InferValues<O>> {
      const { runTask } = await import("./run.ts");
      return await runTask(task, values ?? {} as InferInputs<I>, runOptions);
    },
  });
  return task;
}
