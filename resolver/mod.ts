/**
 * Loading a task template and finding its executor: flyteshim's task template resolver.
 *
 * Loader arguments are `<template URI> <executor id>`, as flytekit's
 * `default_task_template_resolver` has them; the resolver answers to its own name
 * ({@linkcode FLYTESHIM_RESOLVER}) and to flytekit's ({@linkcode FLYTEKIT_TEMPLATE_RESOLVER}), so
 * that templates serialized by flytekit run unchanged.
 *
 * @example Resolve a template written to a local file
 * ```ts
 * import { resolveTask, FLYTEKIT_TEMPLATE_RESOLVER } from "@flyteshim/flyteshim/resolver";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { encodeTaskTemplate } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "example.noop",
 *   taskTypes: ["noop"],
 *   aliases: ["example.NoopExecutor"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const path = await Deno.makeTempFile({ suffix: ".pb" });
 * await Deno.writeFile(path, encodeTaskTemplate({ type: "noop" }));
 * const task = await resolveTask(FLYTEKIT_TEMPLATE_RESOLVER, [path, "example.NoopExecutor"], {
 *   storage: createStorage(),
 *   registry: createExecutorRegistry([noop]),
 * });
 * assertEquals([task.template.type, task.executor.id], ["noop", "example.noop"]);
 * await Deno.remove(path);
 * ```
 *
 * @module
 */

import { FlyteshimError, StorageError, SystemError, UserError } from "../errors.ts";
import type { Executor, ExecutorRegistry } from "../executors/mod.ts";
import type { TaskTemplate } from "../idl/core.ts";
import type { Storage } from "../storage/mod.ts";
import { templateFromBytes } from "./_template_bytes.ts";

/** flyteshim's own resolver name. */
export const FLYTESHIM_RESOLVER = "flyteshim.resolver";
/** flytekit's resolver for prebuilt-container tasks, answered to by the same resolver. */
export const FLYTEKIT_TEMPLATE_RESOLVER =
  "flytekit.core.python_customized_container_task.default_task_template_resolver";
/** Every resolver name flyteshim answers to. */
export const RESOLVERS: readonly string[] = [FLYTESHIM_RESOLVER, FLYTEKIT_TEMPLATE_RESOLVER];

/** A template and the executor that runs it. */
export interface ResolvedTask {
  /** The task template, as loaded. */
  template: TaskTemplate;
  /** Where it was loaded from. */
  templateUri: string;
  /** The executor named in the resolver args. */
  executor: Executor<unknown>;
}

/** Options of {@linkcode resolveTask}. */
export interface ResolveOptions {
  /** Storage the template is read through. */
  storage: Storage;
  /** Where executors are found. */
  registry: ExecutorRegistry;
  /** Aborts the read. */
  signal?: AbortSignal;
}

/**
 * Checks that a resolver name is one flyteshim answers to; an absent name means flyteshim's own.
 *
 * @throws {UserError} With code `USER:UnknownResolver` for any other resolver.
 * @example Known and unknown resolvers
 * ```ts
 * import { checkResolver } from "@flyteshim/flyteshim/resolver";
 * import { assertThrows } from "@std/assert";
 *
 * checkResolver("flyteshim.resolver");
 * assertThrows(() => checkResolver("flytekit.core.python_auto_container.default_task_resolver"));
 * ```
 */
export function checkResolver(name: string | undefined): void {
  if (name === undefined || RESOLVERS.includes(name)) return;
  throw new UserError(
    `Cannot load task with resolver "${name}": flyteshim runs prebuilt-container tasks only, with resolver ${
      RESOLVERS.map((r) => `"${r}"`).join(" or ")
    }`,
    { code: "USER:UnknownResolver" },
  );
}

/**
 * Reads a binary `flyteidl.core.TaskTemplate` through storage.
 *
 * @throws {UserError} With code `USER:InvalidTemplate` when the bytes are not a template (the
 * message says what they look like: an inputs file, an error document, a registration TaskSpec,
 * an archive, text, an empty file); storage failures keep their own classification.
 * @example A missing template
 * ```ts
 * import { readTaskTemplate } from "@flyteshim/flyteshim/resolver";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => readTaskTemplate("/no/such/task.pb", { storage: createStorage() }));
 * ```
 */
export async function readTaskTemplate(
  uri: string,
  options: { storage: Storage; signal?: AbortSignal },
): Promise<TaskTemplate> {
  const bytes = await options.storage.read(uri, { signal: options.signal });
  return templateFromBytes(uri, bytes);
}

/**
 * Gets an executor from a registry; a failure to load it (a broken lazy import) is
 * `SYSTEM:ExecutorLoadFailed`, non-recoverable, and an unknown id stays `USER:ExecutorNotFound`.
 *
 * @example An unknown executor
 * ```ts
 * import { loadExecutor } from "@flyteshim/flyteshim/resolver";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(() => loadExecutor(createExecutorRegistry([]), "no.such"), Error, "no.such");
 * ```
 */
export async function loadExecutor(
  registry: ExecutorRegistry,
  id: string,
): Promise<Executor<unknown>> {
  try {
    return await registry.get(id);
  } catch (cause) {
    if (cause instanceof FlyteshimError) throw cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new SystemError(`Cannot load executor "${id}": ${detail}`, {
      code: "SYSTEM:ExecutorLoadFailed",
      recoverable: false,
      cause,
    });
  }
}

/**
 * Loads the template named by the resolver args and finds its executor.
 *
 * @throws {UserError} `USER:UnknownResolver`, `USER:InvalidResolverArgs`, `USER:InvalidTemplate`,
 * `USER:ExecutorNotFound`, `SYSTEM:TemplateNotFound` (propeller writes the template, so a missing
 * one is the platform's problem, retried), or the storage error of an unreadable template.
 *
 * @example An unknown executor
 * ```ts
 * import { resolveTask } from "@flyteshim/flyteshim/resolver";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertRejects } from "@std/assert";
 *
 * await assertRejects(
 *   () =>
 *     resolveTask(undefined, ["/tmp/task.pb", "no.such.Executor"], {
 *       storage: createStorage(),
 *       registry: createExecutorRegistry([]),
 *     }),
 *   Error,
 *   'Cannot find executor "no.such.Executor"',
 * );
 * ```
 *
 * @example What a resolved task holds
 * ```ts
 * import { type ResolvedTask, resolveTask } from "@flyteshim/flyteshim/resolver";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { encodeTaskTemplate } from "@flyteshim/flyteshim/idl";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "example.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const path = await Deno.makeTempFile({ suffix: ".pb" });
 * await Deno.writeFile(path, encodeTaskTemplate({ type: "noop" }));
 * const task: ResolvedTask = await resolveTask(undefined, [path, "example.noop"], {
 *   storage: createStorage(),
 *   registry: createExecutorRegistry([noop]),
 * });
 * assertEquals([task.templateUri, task.template.type, task.executor.id], [
 *   path,
 *   "noop",
 *   "example.noop",
 * ]);
 * await Deno.remove(path);
 * ```
 *
 * @example A template propeller did not upload
 * ```ts
 * import { type ResolveOptions, resolveTask } from "@flyteshim/flyteshim/resolver";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "example.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const options: ResolveOptions = {
 *   storage: createStorage(),
 *   registry: createExecutorRegistry([noop]),
 * };
 * const code = await resolveTask(undefined, ["/no/such/task.pb", "example.noop"], options)
 *   .then(() => "resolved", (error) => error.code);
 * assertEquals(code, "SYSTEM:TemplateNotFound");
 * ```
 */
export async function resolveTask(
  resolver: string | undefined,
  args: readonly string[],
  options: ResolveOptions,
): Promise<ResolvedTask> {
  checkResolver(resolver);
  if (args.length !== 2) {
    throw new UserError(
      `Cannot load task: the resolver expects 2 arguments, a template URI and an executor id, but got ${args.length}${
        args.length ? ` (${args.map((a) => `"${a}"`).join(", ")})` : ""
      }`,
      { code: "USER:InvalidResolverArgs" },
    );
  }
  const [templateUri, executorId] = args;
  if (templateUri.startsWith("inline://")) {
    throw new UserError(
      `Cannot load task template "${templateUri}": Flyte 2 uploads no task template; serialize the task with "--flyte2" so that it travels in the container args`,
      { code: "USER:InvalidResolverArgs" },
    );
  }
  if (/^\{\{.*\}\}$/.test(templateUri.trim()) || !templateUri.trim()) {
    throw new UserError(
      `Cannot load task: the template URI "${templateUri}" was not rendered`,
      { code: "USER:InvalidResolverArgs" },
    );
  }
  // The executor first: an unknown id is reported without reading the template.
  if (!options.registry.has(executorId)) {
    await loadExecutor(options.registry, executorId); // throws ExecutorNotFoundError
  }
  const [executor, template] = await Promise.all([
    loadExecutor(options.registry, executorId),
    readTaskTemplate(templateUri, options).catch((cause) => {
      if (cause instanceof StorageError && cause.code === "USER:NotFound") {
        // Propeller uploads task.pb before it starts the pod: its absence is the platform's.
        throw new SystemError(`Cannot load task template "${templateUri}": no such object`, {
          code: "SYSTEM:TemplateNotFound",
          cause,
        });
      }
      throw cause;
    }),
  ]);
  return { template, templateUri, executor };
}
