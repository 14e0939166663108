// The SDK command line's `run`: a task module's export or a serialized template, run locally
// through `runTemplate`, outputs printed (datasets as tables). Imported only by `run`.
import { UserError } from "../errors.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { createExecutorRegistry, type ExecutorRegistry } from "../executors/mod.ts";
import type { LiteralType, TaskTemplate } from "../idl/mod.ts";
import { readTaskTemplate } from "../resolver/mod.ts";
import type { Storage } from "../storage/mod.ts";
import {
  Duration,
  FlyteDirectory,
  FlyteFile,
  StructuredDataset,
  Timestamp,
} from "../types/values.ts";
import { CLI_OK, CLI_USAGE, describeError, executorsOf, pathOf, tasksOf } from "./_common.ts";
import type { CliProgram } from "./_program.ts";
import type { RunCommand } from "./args.ts";
import { readDataset } from "../task/dataset.ts";
import { inputFromJson, inputFromText, isOptionalInput, NONE_TEXT, typeLabel } from "./inputs.ts";
import { withProgress } from "./progress.ts";
import {
  holdsData,
  LOCAL_IMAGE,
  localLogger,
  type PreparedRun,
  prepareRun,
  registryFor,
} from "../task/run.ts";
import { toTaskTemplate } from "../task/serialize.ts";

/** What `run` needs from the command line's options. */
export interface RunContext {
  /** The folder paths are relative to. */
  cwd: string;
  /** The environment, for secrets. */
  env: Record<string, string | undefined>;
  /** Writes normal output. */
  stdout: (text: string) => void;
  /** Writes progress and errors. */
  stderr: (text: string) => void;
  /** Whether stderr is a terminal. */
  tty: boolean;
  /** Storage. */
  storage: Storage;
  /** Where executors named by id are found. */
  registry?: ExecutorRegistry;
  /** How the user starts the commands, for the task's help. */
  program?: CliProgram;
}

/** The executor a template's container args name (after `--`), if any. */
function executorOfTemplate(template: TaskTemplate): string | undefined {
  const args = template.container?.args ?? [];
  const dash = args.indexOf("--");
  return dash >= 0 ? args[dash + 2] : undefined;
}

async function readInputs(
  command: RunCommand,
  template: TaskTemplate,
  options: { cwd: string; storage: Storage },
): Promise<Record<string, unknown>> {
  const variables = template.interface?.inputs?.variables ?? {};
  const typeOf = (name: string): LiteralType => {
    const variable = variables[name];
    if (!variable) {
      const known = Object.keys(variables);
      throw new UserError(
        `Cannot use input "${name}": the task has ${
          known.length ? `inputs ${known.map((k) => `"${k}"`).join(", ")}` : "no inputs"
        }`,
        { code: "USER:InvalidInput" },
      );
    }
    return variable.type ?? {};
  };
  const values: Record<string, unknown> = {};
  if (command.inputsFile) {
    const bytes = await options.storage.read(pathOf(options.cwd, command.inputsFile));
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (cause) {
      throw new UserError(`Cannot parse inputs file "${command.inputsFile}": not JSON`, {
        code: "USER:InvalidInput",
        cause,
      });
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new UserError(
        `Cannot parse inputs file "${command.inputsFile}": expected a JSON object of inputs by name`,
        { code: "USER:InvalidInput" },
      );
    }
    for (const [name, value] of Object.entries(json)) {
      values[name] = inputFromJson(value, typeOf(name), name, { cwd: options.cwd });
    }
  }
  for (const [name, text] of Object.entries(command.inputFlags)) {
    values[name] = inputFromText(text, typeOf(name), name, { cwd: options.cwd });
  }
  // An optional input left out is none, as in `task.run()`.
  for (const [name, variable] of Object.entries(variables)) {
    if (!Object.hasOwn(values, name) && isOptionalInput(variable.type)) values[name] = null;
  }
  const missing = Object.keys(variables).filter((name) => !Object.hasOwn(values, name));
  if (missing.length) {
    throw new UserError(
      `Cannot run the task: missing ${
        missing.map((m) => `"--${m}" (${typeLabel(variables[m].type)})`).join(", ")
      }`,
      { code: "USER:InvalidInput" },
    );
  }
  return values;
}

function plain(value: unknown): unknown {
  // proto3 JSON's rule: an int64 is always a string, whatever its size.
  if (typeof value === "bigint") return String(value);
  if (value instanceof Timestamp) return value.toISOString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Duration) {
    return `${value.seconds}${
      value.nanos ? `.${String(Math.abs(value.nanos)).padStart(9, "0")}` : ""
    }s`;
  }
  if (value instanceof FlyteFile || value instanceof FlyteDirectory) return value.uri;
  if (value instanceof StructuredDataset) return { uri: value.uri, format: value.format };
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function cell(value: unknown): string {
  const p = plain(value);
  const text = typeof p === "string"
    ? p
    : p === null || p === undefined
    ? "null"
    : JSON.stringify(p);
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 40 ? `${flat.slice(0, 37)}...` : flat;
}

/** Renders rows as a text table with a header line. */
export function formatTable(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): string {
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values.map((v, i) => v.padEnd(widths[i])).join(" | ").trimEnd();
  return [line([...columns]), widths.map((w) => "-".repeat(w)).join("-+-"), ...cells.map(line)]
    .join("\n");
}

async function printOutputs(
  outputs: Record<string, unknown>,
  command: RunCommand,
  options: { storage: Storage; stdout: (text: string) => void },
): Promise<void> {
  if (command.json) {
    options.stdout(JSON.stringify(plain(outputs), null, 2) + "\n");
    return;
  }
  const names = Object.keys(outputs);
  if (!names.length) options.stdout("The task has no outputs\n");
  for (const name of names) {
    const value = outputs[name];
    if (value instanceof StructuredDataset) {
      options.stdout(`${name}: structured dataset (${value.format}) at ${value.uri}\n`);
      if (command.rows === 0) continue;
      const data = await readDataset(value, { limit: command.rows, storage: options.storage });
      options.stdout(`${formatTable(data.columns, data.rows)}\n`);
      options.stdout(
        `(${data.rows.length} of ${data.totalRows} row${data.totalRows === 1 ? "" : "s"})\n`,
      );
    } else {
      const p = plain(value);
      options.stdout(`${name}: ${typeof p === "string" ? p : JSON.stringify(p)}\n`);
    }
  }
}

/** The template and executor a run names: any failure here is a usage error. */
async function resolveRun(
  command: RunCommand,
  options: { cwd: string; storage: Storage; registry?: ExecutorRegistry },
): Promise<{
  template: TaskTemplate;
  executor: string;
  registry: ExecutorRegistry;
  invocation: string;
}> {
  let template: TaskTemplate;
  let executor: string | undefined;
  let registry = options.registry;
  if (command.executorsModule) {
    // The module's executors beside the built-in ones (or the given registry's).
    const own = await executorsOf(options.cwd, command.executorsModule);
    const base = registry ? [...registry.entries()] : [...BUILTIN_EXECUTORS];
    registry = createExecutorRegistry([...base, ...own]);
  }
  if (command.template) {
    template = await readTaskTemplate(pathOf(options.cwd, command.template), options);
    executor = command.executor ?? executorOfTemplate(template);
    registry ??= createExecutorRegistry(BUILTIN_EXECUTORS);
    // No container args naming one: the executor serving the task type.
    executor ??= registry.entries().find((e) => e.taskTypes.includes(template.type ?? ""))?.id;
    if (!executor) {
      throw new UserError(
        `Cannot run template "${command.template}": its args name no executor and none serves task type "${template.type}"; pass --executor`,
        { code: "USER:ExecutorNotFound" },
      );
    }
  } else {
    const [task] = command.exportName
      ? await tasksOf(options.cwd, command.module!, [command.exportName])
      : await onlyTask(options.cwd, command.module!);
    template = toTaskTemplate(task, { image: task.options.image ?? LOCAL_IMAGE });
    executor = command.executor ?? task.executorId;
    registry = registryFor(task, { registry });
  }
  const invocation = command.template
    ? `--template ${command.template}`
    : `${command.module} ${command.exportName ?? ""}`.trimEnd();
  return { template, executor, registry, invocation };
}

/** A module's one task, when no export is named. */
async function onlyTask(cwd: string, module: string) {
  const tasks = await tasksOf(cwd, module, []);
  if (tasks.length > 1) {
    throw new UserError(
      `Cannot choose a task in "${module}": it exports ${tasks.length}; name one (${
        tasks.map((t) => `"${t.name}"`).join(", ")
      } by their export names)`,
      { code: "USER:InvalidArguments" },
    );
  }
  return tasks;
}

/** A task's own help: what it is, its inputs as flags and its outputs. */
export function describeTask(
  template: TaskTemplate,
  executor: string,
  invocation: string,
  run = "deno task run",
): string {
  const inputs = Object.entries(template.interface?.inputs?.variables ?? {});
  const outputs = Object.entries(template.interface?.outputs?.variables ?? {});
  const flags = inputs.map(([name, v]) => {
    const flag = `--${name} <${typeLabel(v.type)}>`;
    return isOptionalInput(v.type) ? `[${flag}]` : flag;
  });
  const lines = inputs.map(([name, v], i) => {
    const optional = isOptionalInput(v.type)
      ? `  optional: left out or "${NONE_TEXT}" means none`
      : "";
    const description = v.description && v.description !== name ? `  ${v.description}` : "";
    return `  ${flags[i].replace(/^\[|\]$/g, "")}${optional}${description}`;
  });
  return [
    `Task "${template.id?.name ?? ""}" (type ${template.type}, executor ${executor})`,
    "",
    "Inputs:",
    ...(inputs.length ? lines : ["  (none)"]),
    "",
    "Outputs:",
    ...(outputs.length
      ? outputs.map(([name, v]) => `  ${name}: ${typeLabel(v.type)}`)
      : ["  (none)"]),
    "",
    `Run: ${run} ${invocation}${flags.length ? ` ${flags.join(" ")}` : ""}`,
  ].join("\n");
}

/** Runs the `run` command; returns the exit code (task failures reject). */
export async function runLocally(command: RunCommand, options: RunContext): Promise<number> {
  const storage = withProgress(options.storage, { write: options.stderr, tty: options.tty });
  let run: PreparedRun;
  try {
    const resolved = await resolveRun(command, options);
    if (command.help) {
      options.stdout(
        `${
          describeTask(
            resolved.template,
            resolved.executor,
            resolved.invocation,
            options.program?.run,
          )
        }\n`,
      );
      return CLI_OK;
    }
    const inputs = await readInputs(command, resolved.template, options);
    // The executor's log lines on stderr, at the image's level variable (info by default).
    const logger = localLogger(options.env, {
      fallback: "info",
      write: (line) => options.stderr(`${line}\n`),
    });
    // Inputs become literals here, so that a value that does not fit its input is a usage
    // error like a malformed one, before anything runs.
    run = await prepareRun(resolved.template, inputs, {
      executor: resolved.executor,
      registry: resolved.registry,
      storage,
      dir: command.dir ? pathOf(options.cwd, command.dir) : undefined,
      env: options.env,
      logger,
      previousCheckpoint: command.previousCheckpoint
        ? pathOf(options.cwd, command.previousCheckpoint)
        : undefined,
    });
  } catch (error) {
    options.stderr(`${describeError(error)}\n`);
    return CLI_USAGE;
  }
  try {
    const result = await run.execute();
    await printOutputs(result.outputs, command, {
      storage: options.storage,
      stdout: options.stdout,
    });
    if (run.keep) options.stderr(`Run folder: ${run.dir}\n`);
    else if (holdsData(result.literals, run.dir)) {
      // What was printed is the result; the files go with the folder unless asked for.
      options.stderr(
        "The run folder, with the outputs' data files, is removed; pass --dir DIR to keep them\n",
      );
    }
  } finally {
    await run.dispose();
  }
  return CLI_OK;
}
