// The types a task definition is made of, shared by definition (define.ts), serialization
// (serialize.ts) and local runs (run.ts), so that none of them imports another for its types.
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
 */
export type ConfigOf<E> = E extends Executor<infer _C, infer K, infer _T, infer _I, infer _O>
  ? ExecutorConfig extends K ? { [key: string]: JsonValue | undefined } : K
  : { [key: string]: JsonValue | undefined };

/**
 * The task types a task run by an executor may have: those it serves, or any string when the
 * executor is named by id.
 */
export type TaskTypeOf<E> = E extends Executor<infer _C, infer _K, infer T, infer _I, infer _O> ? T
  : string;

/**
 * The keys of `B` whose values `A` does not give (missing, or of a type that does not fit);
 * `never` when everything fits or either side is any record.
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
 */
export type RunArgs<I extends VariableDescriptors> = Record<never, never> extends InferInputs<I>
  ? [inputs?: InferInputs<I>, options?: RunOptions]
  : [inputs: InferInputs<I>, options?: RunOptions];
