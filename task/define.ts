// Task definitions: what a task author declares about a prebuilt container task, checked.
// Serialization (serialize.ts) turns a definition into a TaskTemplate; local runs (run.ts) execute
// it in-process. The types a definition is made of are in types.ts.
import type { InferInputs, InferValues, TypeDescriptor } from "../types/descriptors.ts";
import type {
  ExecutorFits,
  ExecutorRef,
  PrebuiltTask,
  RunArgs,
  TaskOptions,
  VariableDescriptors,
} from "./types.ts";

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
 * import { defineTask } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
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
 *   type VariableDescriptors,
 * } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
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
 * import { SQLITE3_EXECUTOR_ENTRY } from "@flyteshim/flyteshim/executors/builtin";
 * import { assertEquals } from "@std/assert";
 *
 * const refs: ExecutorRef[] = ["flyteshim.sqlite3", SQLITE3_EXECUTOR_ENTRY];
 * const ids = refs.map((executor) =>
 *   defineTask({ name: "q", taskType: "sqlite", executor }).executorId
 * );
 * assertEquals(ids, ["flyteshim.sqlite3", "flyteshim.sqlite3"]);
 * ```
 *
 * @example Options built apart from the call
 * ```ts
 * import { defineTask, type TaskOptions, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
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
