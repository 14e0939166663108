// Serialization of a task for Flyte 2: a flyteidl2.task.TaskSpec whose template runs the `a0`
// contract, with what the executor needs inlined in the container args (Flyte 2's backend
// uploads no task template for the container to read).
import {
  decodeTaskTemplate,
  encodeTaskTemplate,
  type JsonValue,
  type TaskTemplate,
} from "../idl/core.ts";
import { type Flyte2TaskSpec, flyteidl2 } from "../idl/flyte2.ts";
import { FLYTESHIM_RESOLVER } from "../resolver/mod.ts";
import { encodeInlineTemplate, inlineLoaderArgs } from "../resolver/flyte2.ts";
import type { PrebuiltTask, SerializeOptions } from "./types.ts";
import { toProto3Json } from "./proto_json.ts";
import { toTaskTemplate, VERSION } from "./serialize.ts";

/** Options of {@linkcode toFlyte2TaskSpec}. */
export interface Flyte2SerializeOptions extends Omit<SerializeOptions, "flytekitCompatible"> {
  /** The Flyte 2 environment the task belongs to. @default {"flyteshim"} */
  environment?: string;
  /** The organization of the template id. @default "" */
  org?: string;
}

/** Task types the backend gives to plugins that would not run flyteshim's args as they are. */
const RESERVED_TASK_TYPES = ["python", "raw-container"];

/** Flyte 2's limits on a task's short name and environment name (flyte-sdk truncates both). */
const MAX_NAME = 63;

/**
 * The container args of a flyteshim task on Flyte 2: flyte-sdk's `a0` options with the
 * backend's placeholders, then flyteshim's resolver and its key/value loader arguments.
 *
 * @example The args
 * ```ts
 * import { flyte2ContainerArgs } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const args = flyte2ContainerArgs("flyteshim.sqlite3", "fs1.x.y", { version: "v1" });
 * assertEquals(args.slice(0, 5), [
 *   "a0",
 *   "--inputs",
 *   "{{.input}}",
 *   "--outputs-path",
 *   "{{.outputPrefix}}",
 * ]);
 * assertEquals(args.slice(-6), [
 *   "--resolver",
 *   "flyteshim.resolver",
 *   "executor",
 *   "flyteshim.sqlite3",
 *   "template",
 *   "fs1.x.y",
 * ]);
 * ```
 */
export function flyte2ContainerArgs(
  executor: string,
  inlineTemplate: string,
  options: { version?: string } = {},
): string[] {
  return [
    "a0",
    "--inputs",
    "{{.input}}",
    "--outputs-path",
    "{{.outputPrefix}}",
    "--version",
    options.version || VERSION,
    "--raw-data-path",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
    "--run-name",
    "{{.runName}}",
    "--name",
    "{{.actionName}}",
    "--run-start-time",
    "{{.runStartTime}}",
    "--resolver",
    FLYTESHIM_RESOLVER,
    ...inlineLoaderArgs(executor, inlineTemplate),
  ];
}

/**
 * Serializes a task to a `flyteidl2.task.TaskSpec`, as Flyte 2's SDKs deploy tasks: the task
 * template (id, the task's own type, metadata, interface, custom, container with image,
 * resources and environment, secrets) whose container args run `a0` with the task inlined, the
 * short name, the environment and the description.
 *
 * @throws {TypeError} When no image is set, the config is not JSON, or the task type is one the
 * backend runs differently (`python`, `raw-container`).
 * @throws {RangeError} When the inlined task is too large for one container argument.
 * @example A SQLite3 task for Flyte 2
 * ```ts
 * import { sqlite3Task, toFlyte2TaskSpec } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const task = sqlite3Task({
 *   name: "tracks",
 *   queryTemplate: "select 1",
 *   uri: "chinook.db",
 *   image: "ghcr.io/acme/flyteshim:0.1.0",
 * });
 * const spec = await toFlyte2TaskSpec(task, { version: "v1" });
 * assertEquals(spec.taskTemplate?.type, "sqlite");
 * assertEquals(spec.taskTemplate?.container?.args?.[0], "a0");
 * assertEquals(spec.shortName, "tracks");
 * ```
 *
 * @example A named environment
 * ```ts
 * import {
 *   defineTask,
 *   type Flyte2SerializeOptions,
 *   toFlyte2TaskSpec,
 * } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const task = defineTask({
 *   name: "noop",
 *   taskType: "noop",
 *   executor: "example.noop",
 *   image: "example:1",
 * });
 * const options: Flyte2SerializeOptions = { environment: "sql" };
 * assertEquals((await toFlyte2TaskSpec(task, options)).environment?.name, "sql");
 * ```
 */
export async function toFlyte2TaskSpec(
  task: PrebuiltTask,
  options: Flyte2SerializeOptions = {},
): Promise<Flyte2TaskSpec> {
  if (RESERVED_TASK_TYPES.includes(task.options.taskType)) {
    throw new TypeError(
      `Cannot serialize task "${task.name}" for Flyte 2: task type "${task.options.taskType}" is run by another backend plugin; use the executor's own task type`,
    );
  }
  const template: TaskTemplate = toTaskTemplate(task, { ...options, flytekitCompatible: false });
  if (options.org) template.id = { ...template.id, org: options.org };
  const inline = await encodeInlineTemplate(template);
  template.container = {
    ...template.container,
    args: flyte2ContainerArgs(task.executorId, inline, { version: options.version }),
  };
  // Flyte 1's TaskTemplate bytes are Flyte 2's (the interface's map is its entry list).
  const spec: Flyte2TaskSpec = {
    taskTemplate: flyteidl2.core.TaskTemplate.decode(encodeTaskTemplate(template)),
    shortName: task.name.slice(0, MAX_NAME),
    environment: { name: (options.environment ?? "flyteshim").slice(0, MAX_NAME) },
  };
  if (task.options.description) {
    spec.documentation = { shortDescription: task.options.description };
  }
  return spec;
}

type JsonObject = { [key: string]: JsonValue };

/** A variable map's proto3 JSON: Flyte 1's object by name, Flyte 2's list of entries. */
function variableEntries(map: JsonValue | undefined): JsonValue | undefined {
  const variables = (map as JsonObject | undefined)?.variables as JsonObject | undefined;
  if (!variables) return map;
  return { variables: Object.entries(variables).map(([key, value]) => ({ key, value })) };
}

/**
 * The proto3 JSON of a `flyteidl2.task.TaskSpec` written by {@linkcode toFlyte2TaskSpec} (its
 * template, short name, environment and documentation), as protobuf's `json_format` writes it.
 *
 * @throws {TypeError} For default inputs, which flyteshim does not write.
 * @example A spec as JSON
 * ```ts
 * import { defineTask, toFlyte2Json, toFlyte2TaskSpec } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const task = defineTask({
 *   name: "noop",
 *   taskType: "noop",
 *   executor: "example.noop",
 *   image: "example:1",
 *   inputs: { n: Types.integer },
 * });
 * const json = toFlyte2Json(await toFlyte2TaskSpec(task));
 * assertEquals(json.shortName, "noop");
 * assertEquals(json.taskTemplate.interface.inputs.variables[0].key, "n");
 * ```
 */
// deno-lint-ignore no-explicit-any
export function toFlyte2Json(spec: Flyte2TaskSpec): { [key: string]: any } {
  if (spec.defaultInputs?.length) {
    throw new TypeError("Cannot encode the spec as proto3 JSON: default inputs are not supported");
  }
  const out: JsonObject = {};
  if (spec.taskTemplate) {
    const bytes = flyteidl2.core.TaskTemplate.encode(spec.taskTemplate).finish();
    const template = toProto3Json(decodeTaskTemplate(bytes), "flyteidl.core.TaskTemplate");
    const iface = template.interface as JsonObject | undefined;
    if (iface) {
      for (const side of ["inputs", "outputs"]) {
        if (iface[side]) iface[side] = variableEntries(iface[side])!;
      }
    }
    out.taskTemplate = template;
  }
  if (spec.shortName) out.shortName = spec.shortName;
  if (spec.environment) {
    out.environment = spec.environment.name ? { name: spec.environment.name } : {};
  }
  if (spec.documentation) {
    const doc: JsonObject = {};
    if (spec.documentation.shortDescription) {
      doc.shortDescription = spec.documentation.shortDescription;
    }
    if (spec.documentation.longDescription) {
      doc.longDescription = spec.documentation.longDescription;
    }
    out.documentation = doc;
  }
  return out;
}
