// Shared by the SDK command line's commands: exit codes, error lines, loading task modules.
import { FlyteshimError, UserError } from "../errors.ts";
import type { Executor } from "../executors/mod.ts";
import type { PrebuiltTask } from "../task/types.ts";

/** Exit code: success. */
export const CLI_OK = 0;
/** Exit code: the task failed. */
export const CLI_TASK_FAILED = 1;
/** Exit code: the command line, a module or a file was wrong. */
export const CLI_USAGE = 2;

/** One line for a failure: its code when it has one. */
export function describeError(error: unknown): string {
  if (error instanceof FlyteshimError) return `Error ${error.code}: ${error.message}`;
  if (error instanceof Error) return `Error: ${error.message}`;
  return `Error: ${String(error)}`;
}

/** A path or URI, relative paths taken from `cwd`. */
export function pathOf(cwd: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith("/")) return path;
  return `${cwd.replace(/\/+$/, "")}/${path}`;
}

async function loadModule(cwd: string, module: string): Promise<Record<string, unknown>> {
  const { pathToFileURL } = await import("node:url");
  const url = /^[a-z][a-z0-9+.-]*:/i.test(module) && !module.startsWith("/")
    ? module
    : pathToFileURL(pathOf(cwd, module)).href;
  try {
    return await import(url);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new UserError(`Cannot load module "${module}": ${detail}`, {
      code: "USER:InvalidArguments",
      cause,
    });
  }
}

/** The executors a module exports (values built with `defineExecutor`). */
export async function executorsOf(cwd: string, module: string): Promise<Executor<unknown>[]> {
  const exports = await loadModule(cwd, module);
  const found = Object.values(exports).filter((value): value is Executor<unknown> =>
    typeof value === "object" && value !== null && (value as Executor).kind === "executor" &&
    typeof (value as Executor).id === "string"
  );
  if (!found.length) {
    throw new UserError(`Cannot find executors in "${module}": it exports none`, {
      code: "USER:InvalidArguments",
    });
  }
  return found;
}

/** Whether a value is a task definition. */
export function isTask(value: unknown): value is PrebuiltTask {
  return typeof value === "object" && value !== null && (value as PrebuiltTask).kind === "task" &&
    typeof (value as PrebuiltTask).name === "string";
}

/** The tasks a module exports: those named, or all of them. */
export async function tasksOf(
  cwd: string,
  module: string,
  names: readonly string[],
): Promise<PrebuiltTask[]> {
  const exports = await loadModule(cwd, module);
  if (names.length === 0) {
    const all = Object.values(exports).filter(isTask);
    if (!all.length) {
      throw new UserError(`Cannot find tasks in "${module}": it exports none`, {
        code: "USER:InvalidArguments",
      });
    }
    return all;
  }
  return names.map((name) => {
    const value = exports[name];
    if (!isTask(value)) {
      const found = Object.keys(exports).filter((k) => isTask(exports[k]));
      throw new UserError(
        `Cannot find task "${name}" in "${module}": ${
          value === undefined ? "no such export" : "the export is not a task"
        }${found.length ? `; its tasks are ${found.map((f) => `"${f}"`).join(", ")}` : ""}`,
        { code: "USER:InvalidArguments" },
      );
    }
    return value;
  });
}
