// Serialization of a task definition to flyteidl.core.TaskTemplate and flyteidl.admin.TaskSpec,
// as flytekit's `PythonCustomizedContainerTask.serialize_to_model` and translator do it.
import denoConfig from "../deno.json" with { type: "json" };
import { flyteidl, jsonToStruct, type JsonValue, type TaskTemplate } from "../idl/mod.ts";
import { toInt64 } from "../idl/mod.ts";
import type { TaskSpec } from "../idl/admin.ts";
import { FLYTEKIT_TEMPLATE_RESOLVER, FLYTESHIM_RESOLVER } from "../resolver/mod.ts";
import { Duration } from "../types/values.ts";
import type {
  PrebuiltTask,
  ResourceSpec,
  SecretMount,
  SerializeOptions,
  VariableDescriptors,
} from "./types.ts";

/** flyteshim's version, written to `metadata.runtime.version`. */
export const VERSION: string = denoConfig.version;

/** The runtime flavor written to `metadata.runtime.flavor`. */
export const RUNTIME_FLAVOR = "flyteshim";

const ResourceName = flyteidl.core.Resources.ResourceName;
const MountType = flyteidl.core.Secret.MountType;

const MOUNTS: Record<SecretMount, flyteidl.core.Secret.MountType> = {
  any: MountType.ANY,
  env_var: MountType.ENV_VAR,
  file: MountType.FILE,
};

/** Options of {@linkcode containerArgs}. */
export interface ContainerArgsOptions {
  /**
   * flytekit's resolver, with `executor` being the dotted path of flytekit's executor class;
   * the arguments are flytekit's own template's plus the checkpoint flags. @default false
   */
  flytekitCompatible?: boolean;
}

/**
 * The container args of a prebuilt container task, mirroring `pyflyte-execute`: propeller fills
 * the `{{.placeholders}}`, and the image's entrypoint (flyteshim's, or flytekit's
 * `pyflyte-execute`) loads the template and runs the named executor.
 *
 * Both flavors pass the checkpoint flags, so that executors can checkpoint; flytekit-compatible
 * args are flytekit's own template's with those flags added (pyflyte-execute takes them).
 *
 * @example flytekit-compatible args
 * ```ts
 * import { containerArgs } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const args = containerArgs("flytekit.extras.sqlite3.task.SQLite3TaskExecutor", {
 *   flytekitCompatible: true,
 * });
 * assertEquals(args.slice(-3), [
 *   "--",
 *   "{{.taskTemplatePath}}",
 *   "flytekit.extras.sqlite3.task.SQLite3TaskExecutor",
 * ]);
 * ```
 *
 * @example flyteshim's own args carry the checkpoint flags
 * ```ts
 * import { containerArgs, type ContainerArgsOptions } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const options: ContainerArgsOptions = { flytekitCompatible: false };
 * const args = containerArgs("flyteshim.sqlite3", options);
 * assertEquals([args.includes("--checkpoint-path"), args.at(-1)], [true, "flyteshim.sqlite3"]);
 * ```
 */
export function containerArgs(executor: string, options: ContainerArgsOptions = {}): string[] {
  // Both flavors pass the checkpoint flags (pyflyte-execute takes them too, as flytekit's own
  // Python tasks pass them), so that executors can checkpoint on either image.
  return [
    "pyflyte-execute",
    "--inputs",
    "{{.input}}",
    "--output-prefix",
    "{{.outputPrefix}}",
    "--raw-output-data-prefix",
    "{{.rawOutputDataPrefix}}",
    "--checkpoint-path",
    "{{.checkpointOutputPrefix}}",
    "--prev-checkpoint",
    "{{.prevCheckpointPrefix}}",
    "--resolver",
    options.flytekitCompatible ? FLYTEKIT_TEMPLATE_RESOLVER : FLYTESHIM_RESOLVER,
    "--",
    "{{.taskTemplatePath}}",
    executor,
  ];
}

/** A Kubernetes resource quantity: a decimal number with an optional SI or binary suffix. */
const QUANTITY = /^[+]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

function resourceEntries(
  task: string,
  spec: ResourceSpec | undefined,
): flyteidl.core.Resources.ResourceEntry.$Properties[] {
  if (!spec) return [];
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined || value === "") continue;
    if (
      !QUANTITY.test(String(value)) || (typeof value === "number" && !Number.isFinite(value))
    ) {
      throw new TypeError(
        `Cannot serialize task "${task}": resource "${key}" is "${value}", not a Kubernetes quantity such as "500m", "2" or "1Gi"`,
      );
    }
  }
  const entries: [flyteidl.core.Resources.ResourceName, string | number | undefined][] = [
    [ResourceName.CPU, spec.cpu],
    [ResourceName.GPU, spec.gpu],
    [ResourceName.MEMORY, spec.memory],
    [ResourceName.EPHEMERAL_STORAGE, spec.ephemeralStorage],
  ];
  return entries
    .filter(([, value]) => value !== undefined && value !== "")
    .map(([name, value]) => ({ name, value: String(value) }));
}

function timeoutOf(
  name: string,
  timeout: number | Duration | undefined,
): flyteidl.core.TaskMetadata.$Properties["timeout"] {
  if (timeout === undefined) return undefined;
  const duration = typeof timeout === "number"
    ? (Number.isFinite(timeout) && timeout > 0
      ? Duration.fromMilliseconds(timeout * 1000)
      : undefined)
    : timeout;
  if (!duration || duration.seconds < 0n || (duration.seconds === 0n && duration.nanos <= 0)) {
    throw new RangeError(`Cannot serialize task "${name}": the timeout must be positive`);
  }
  return { seconds: toInt64(duration.seconds), nanos: duration.nanos };
}

function variables(
  descriptors: VariableDescriptors,
  descriptions?: { readonly [key: string]: string | undefined },
): flyteidl.core.VariableMap.$Properties {
  const out: Record<string, flyteidl.core.Variable.$Properties> = {};
  // flytekit writes each variable's name as its description, unless the author gave one.
  for (const [key, d] of Object.entries(descriptors)) {
    out[key] = { type: d.literalType, description: descriptions?.[key] || key };
  }
  return { variables: out };
}

function customOf(
  name: string,
  config: { [key: string]: JsonValue | undefined } | undefined,
): TaskTemplate["custom"] {
  try {
    return jsonToStruct(config ?? {});
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new TypeError(`Cannot serialize the config of task "${name}": ${detail}`, { cause });
  }
}

function executorFor(task: PrebuiltTask, flytekitCompatible: boolean): string {
  if (!flytekitCompatible) return task.executorId;
  const path = task.options.flytekitExecutor;
  if (!path) {
    throw new TypeError(
      `Cannot serialize task "${task.name}" for flytekit: set "flytekitExecutor" to the dotted path of flytekit's executor class`,
    );
  }
  return path;
}

/**
 * Serializes a task to a `flyteidl.core.TaskTemplate`: id (empty project, domain and version
 * unless given), type, metadata (runtime `FLYTE_SDK` / flyteshim version / flavor `flyteshim`,
 * retries, timeout, interruptible, cache), interface, `custom` from the config, the container
 * (image, pyflyte-execute args, resources, environment) and the security context.
 *
 * @throws {TypeError} When no image is set, the config is not JSON, or `flytekitCompatible` is
 * asked for a task without `flytekitExecutor`.
 * @example Serialize a SQLite3 task
 * ```ts
 * import { defineTask, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const task = defineTask({
 *   name: "tracks",
 *   taskType: "sqlite",
 *   executor: "flyteshim.sqlite3",
 *   image: "ghcr.io/acme/flyteshim:0.1.0",
 *   inputs: { limit: Types.integer },
 *   config: { uri: "chinook.db", query_template: "select 1", compressed: false },
 *   retries: 2,
 * });
 * const template = toTaskTemplate(task);
 * assertEquals(template.metadata?.runtime?.flavor, "flyteshim");
 * assertEquals(template.container?.args?.at(-1), "flyteshim.sqlite3");
 * ```
 *
 * @example The version in a template
 * ```ts
 * import { defineTask, toTaskTemplate, VERSION } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const task = defineTask({
 *   name: "noop",
 *   taskType: "noop",
 *   executor: "example.noop",
 *   image: "example:1",
 * });
 * assertEquals(toTaskTemplate(task).metadata?.runtime?.version, VERSION);
 * ```
 */
export function toTaskTemplate(task: PrebuiltTask, options: SerializeOptions = {}): TaskTemplate {
  const o = task.options;
  const image = options.overrideImage ?? o.image ?? options.image;
  if (!image) {
    throw new TypeError(
      `Cannot serialize task "${task.name}": no container image; set "image" on the task or pass one when packaging (--image)`,
    );
  }
  const flytekitCompatible = options.flytekitCompatible === true;
  const metadata: flyteidl.core.TaskMetadata.$Properties = {
    runtime: {
      type: flyteidl.core.RuntimeMetadata.RuntimeType.FLYTE_SDK,
      version: VERSION,
      flavor: RUNTIME_FLAVOR,
    },
    retries: { retries: o.retries ?? 0 },
  };
  const timeout = timeoutOf(task.name, o.timeout);
  if (timeout) metadata.timeout = timeout;
  if (o.interruptible !== undefined) metadata.interruptible = o.interruptible;
  if (o.cache) {
    metadata.discoverable = true;
    metadata.discoveryVersion = o.cache.version;
    if (o.cache.serialize) metadata.cacheSerializable = true;
    if (o.cache.ignoreInputs?.length) metadata.cacheIgnoreInputVars = [...o.cache.ignoreInputs];
  }
  const container: flyteidl.core.Container.$Properties = {
    image,
    args: containerArgs(executorFor(task, flytekitCompatible), { flytekitCompatible }),
    resources: {
      requests: resourceEntries(task.name, o.requests),
      limits: resourceEntries(task.name, o.limits),
    },
  };
  const env = Object.entries(o.environment ?? {});
  if (env.length) container.env = env.map(([key, value]) => ({ key, value: String(value) }));
  const template: TaskTemplate = {
    id: {
      resourceType: flyteidl.core.ResourceType.TASK,
      project: options.project ?? "",
      domain: options.domain ?? "",
      name: task.name,
      version: options.version ?? "",
    },
    type: o.taskType,
    metadata,
    interface: {
      inputs: variables(o.inputs, o.descriptions),
      outputs: variables(o.outputs, o.descriptions),
    },
    custom: customOf(task.name, o.config),
    container,
  };
  if (o.secrets?.length) {
    template.securityContext = {
      secrets: o.secrets.map((s) => {
        if (!s.group || !s.key) {
          throw new TypeError(
            `Cannot serialize task "${task.name}": a secret request needs a group and a key`,
          );
        }
        const secret: flyteidl.core.Secret.$Properties = { group: s.group, key: s.key };
        if (s.groupVersion) secret.groupVersion = s.groupVersion;
        const mount = MOUNTS[s.mount ?? "any"];
        if (mount === undefined) {
          throw new TypeError(
            `Cannot serialize task "${task.name}": secret mount "${s.mount}" is not one of any, env_var, file`,
          );
        }
        if (mount) secret.mountRequirement = mount;
        if (s.envVar) secret.envVar = s.envVar;
        return secret;
      }),
    };
  }
  return template;
}

/**
 * Serializes a task to a `flyteidl.admin.TaskSpec`: the template and, when the task has one,
 * its description. This is what a registration package holds (see `writePackage`).
 *
 * @example A task spec with its description
 * ```ts
 * import { defineTask, toTaskSpec } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const task = defineTask({
 *   name: "noop",
 *   taskType: "noop",
 *   executor: "example.noop",
 *   image: "example:1",
 *   description: "Does nothing",
 * });
 * assertEquals(toTaskSpec(task).description?.shortDescription, "Does nothing");
 * ```
 */
export function toTaskSpec(task: PrebuiltTask, options: SerializeOptions = {}): TaskSpec {
  const spec: TaskSpec = { template: toTaskTemplate(task, options) };
  if (task.options.description) {
    spec.description = { shortDescription: task.options.description };
  }
  return spec;
}
