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
 * import { defineTask, Types } from "@flyteshim/flyteshim";
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
