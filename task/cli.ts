// The SDK command line: run a task locally (from a module or a serialized template), write a
// registration package, serialize templates. `task/main.ts` is its thin bin.
import { FlyteshimError, UserError } from "../errors.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { createExecutorRegistry, type ExecutorRegistry } from "../executors/mod.ts";
import {
  decodeTaskTemplate,
  encodeTaskTemplate,
  type LiteralType,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage, joinUri, type Storage } from "../storage/mod.ts";
import {
  Duration,
  FlyteDirectory,
  FlyteFile,
  StructuredDataset,
  Timestamp,
} from "../types/values.ts";
import { type CliCommand, parseCliArgs, type RunCommand } from "./cli_args.ts";
import { readDataset } from "./dataset.ts";
import type { PrebuiltTask } from "./define.ts";
import { describeType, inputFromJson, inputFromText } from "./inputs.ts";
import { withProgress } from "./progress.ts";
import { LOCAL_IMAGE, registryFor, runTemplate } from "./run.ts";
import { toTaskTemplate } from "./serialize.ts";

/** Exit code: success. */
export const CLI_OK = 0;
/** Exit code: the task failed. */
export const CLI_TASK_FAILED = 1;
/** Exit code: the command line, a module or a file was wrong. */
export const CLI_USAGE = 2;

/** Options of {@linkcode runCli}. */
export interface CliOptions {
  /** The folder module and file paths are relative to. @default {Deno.cwd()} */
  cwd?: string;
  /** The environment (for secrets). @default {Deno.env.toObject()} */
  env?: Record<string, string | undefined>;
  /** Writes normal output. @default {stdout} */
  stdout?: (text: string) => void;
  /** Writes progress and errors. @default {stderr} */
  stderr?: (text: string) => void;
  /** Whether stderr is a terminal (progress bar instead of lines). @default {Deno.stderr.isTerminal()} */
  tty?: boolean;
  /** Where executors named by id are found. @default {the built-in executors} */
  registry?: ExecutorRegistry;
  /** Storage. @default {createStorage()} */
  storage?: Storage;
}

const encoder = new TextEncoder();

/** The help text, by topic. */
export function cliUsage(topic?: string): string {
  const run = `Run a task locally, in-process, exactly as the flyteshim image runs it on Flyte
(like \`pyflyte run\` for a single prebuilt container task).

Usage:
  deno task run <module.ts> <export> [--<input> <value> ...] [options]
  deno task run --template <task.pb> [--<input> <value> ...] [options]

  <module.ts> <export>  a task defined with defineTask / sqlite3Task / sqlTask and exported
  --template FILE       a serialized flyteidl.core.TaskTemplate (binary), e.g. from
                        \`pyflyte serialize\`/\`package\` or \`deno task serialize\`; flytekit's
                        SQLite3Task and SQLAlchemyTask templates run unchanged

Inputs (by the task's interface):
  --<name> <value>      one input; parsed by its declared type: integers, floats, true/false,
                        ISO 8601 datetimes, durations ("90s", "15m", "2h"), files, folders
                        and datasets as paths or URIs, lists/maps/structs as JSON
  --inputs FILE         a JSON object of inputs by name (flags win over it)

Options:
  --executor ID         the executor, instead of the one named in the template's args
  --dir DIR             the run folder: task.pb, inputs.pb, outputs/outputs.pb, raw/ (kept)
  --rows N              rows of a dataset output to print (default 10)
  --json                print the outputs as one JSON object
  -h, --help            this help

Secrets come from the environment as on Flyte (_FSEC_<GROUP>_<KEY>) or /etc/flyte/secrets.
S3 settings: FLYTE_AWS_ENDPOINT, FLYTE_AWS_ACCESS_KEY_ID, FLYTE_AWS_SECRET_ACCESS_KEY.`;
  const pkg =
    `Write a registration package for \`flytectl register files\`, like \`pyflyte package\`.

Usage:
  deno task package <module.ts> [<export> ...] [--output flyte-package.tgz] [--image IMAGE]
                    [--flytekit-compatible]

  Every exported task of the module is packaged unless exports are named. The archive holds
  one flyteidl.admin.TaskSpec per task, named <idx>_<name>_1.pb, with empty project, domain
  and version for flytectl to fill:

    flytectl register files --project flytesnacks --domain development \\
      --archive flyte-package.tgz --version v1

  --image IMAGE           the container image, overriding each task's own
  --flytekit-compatible   use flytekit's resolver and executor path in the container args, so
                          the tasks also run on flytekit's own image`;
  const ser =
    `Write each task's flyteidl.core.TaskTemplate as <name>.pb and as proto3 JSON <name>.json.

Usage:
  deno task serialize <module.ts> [<export> ...] [--output-dir DIR] [--image IMAGE]
                      [--flytekit-compatible]`;
  switch (topic) {
    case "run":
      return run;
    case "package":
      return pkg;
    case "serialize":
      return ser;
  }
  return `flyteshim SDK: run, package and serialize Flyte prebuilt container tasks.

Commands:
  run        run a task locally (deno task run --help)
  package    write a registration package for flytectl (deno task package --help)
  serialize  write task templates as .pb and JSON (deno task serialize --help)
  help       this help`;
}

function pathOf(cwd: string, path: string): string {
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

function isTask(value: unknown): value is PrebuiltTask {
  return typeof value === "object" && value !== null && (value as PrebuiltTask).kind === "task" &&
    typeof (value as PrebuiltTask).name === "string";
}

async function tasksOf(cwd: string, module: string, names: readonly string[]) {
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
      values[name] = inputFromJson(value, typeOf(name), name);
    }
  }
  for (const [name, text] of Object.entries(command.inputFlags)) {
    values[name] = inputFromText(text, typeOf(name), name);
  }
  const missing = Object.keys(variables).filter((name) => !(name in values));
  if (missing.length) {
    throw new UserError(
      `Cannot run the task: missing ${
        missing.map((m) => `"--${m}" (${describeType(variables[m].type)})`).join(", ")
      }`,
      { code: "USER:InvalidInput" },
    );
  }
  return values;
}

function plain(value: unknown): unknown {
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  }
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

/** What a run needs, worked out before it starts: any failure here is a usage error. */
async function prepareRun(
  command: RunCommand,
  options: { cwd: string; storage: Storage; registry?: ExecutorRegistry },
): Promise<{
  template: TaskTemplate;
  executor: string;
  registry: ExecutorRegistry;
  inputs: Record<string, unknown>;
}> {
  let template: TaskTemplate;
  let executor: string | undefined;
  let registry = options.registry;
  if (command.template) {
    const bytes = await options.storage.read(pathOf(options.cwd, command.template));
    try {
      template = decodeTaskTemplate(bytes);
    } catch (cause) {
      throw new UserError(
        `Cannot load task template "${command.template}": not a binary flyteidl.core.TaskTemplate`,
        { code: "USER:InvalidTemplate", cause },
      );
    }
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
    const [task] = await tasksOf(options.cwd, command.module!, [command.exportName ?? "default"]);
    template = toTaskTemplate(task, { image: task.options.image ?? LOCAL_IMAGE });
    executor = command.executor ?? task.executorId;
    registry = registryFor(task, { registry });
  }
  const inputs = await readInputs(command, template, options);
  return { template, executor, registry, inputs };
}

async function run(
  command: RunCommand,
  options: Required<Omit<CliOptions, "registry">> & { registry?: ExecutorRegistry },
): Promise<number> {
  let prepared;
  try {
    prepared = await prepareRun(command, options);
  } catch (error) {
    options.stderr(`${describeError(error)}\n`);
    return CLI_USAGE;
  }
  const storage = withProgress(options.storage, { write: options.stderr, tty: options.tty });
  const result = await runTemplate(prepared.template, prepared.inputs, {
    executor: prepared.executor,
    registry: prepared.registry,
    storage,
    dir: command.dir ? pathOf(options.cwd, command.dir) : undefined,
    env: options.env,
  });
  options.stderr(`Run folder: ${result.dir}\n`);
  await printOutputs(result.outputs, command, { storage: options.storage, stdout: options.stdout });
  return CLI_OK;
}

async function registration(
  command: Extract<CliCommand, { command: "package" | "serialize" }>,
  options: { cwd: string; stdout: (text: string) => void },
): Promise<number> {
  const tasks = await tasksOf(options.cwd, command.module, command.exports);
  const serializeOptions = { image: command.image, flytekitCompatible: command.flytekitCompatible };
  if (command.command === "package") {
    const { writePackage } = await import("./package.ts");
    const path = pathOf(options.cwd, command.output);
    const names = await writePackage(tasks, path, serializeOptions);
    options.stdout(`Wrote ${path} with ${names.length} task${names.length === 1 ? "" : "s"}:\n`);
    for (const name of names) options.stdout(`  ${name}\n`);
    return CLI_OK;
  }
  const { toProto3Json } = await import("./proto_json.ts");
  const dir = pathOf(options.cwd, command.outputDir);
  await Deno.mkdir(dir, { recursive: true });
  for (const task of tasks) {
    const template = toTaskTemplate(task, serializeOptions);
    const base = joinUri(dir, task.name);
    await Deno.writeFile(`${base}.pb`, encodeTaskTemplate(template));
    await Deno.writeTextFile(
      `${base}.json`,
      JSON.stringify(toProto3Json(template, "flyteidl.core.TaskTemplate"), null, 2) + "\n",
    );
    options.stdout(`Wrote ${base}.pb and ${base}.json\n`);
  }
  return CLI_OK;
}

function describeError(error: unknown): string {
  if (error instanceof FlyteshimError) return `Error ${error.code}: ${error.message}`;
  if (error instanceof Error) return `Error: ${error.message}`;
  return `Error: ${String(error)}`;
}

/**
 * The SDK command line: parses `argv` and runs `run`, `package`, `serialize` or `help`,
 * returning the exit code (0 success, 1 the task failed, 2 a wrong command line, module or
 * file).
 *
 * @example Print the help
 * ```ts
 * import { runCli } from "./cli.ts";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 *
 * let out = "";
 * assertEquals(await runCli(["--help"], { stdout: (t) => out += t }), 0);
 * assertStringIncludes(out, "package");
 * ```
 */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ??
    ((text: string) => Deno.stdout.writeSync(encoder.encode(text)));
  const stderr = options.stderr ??
    ((text: string) => Deno.stderr.writeSync(encoder.encode(text)));
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    stderr(`${describeError(error)}\n\n${cliUsage(argv[0] === "run" ? "run" : argv[0])}\n`);
    return CLI_USAGE;
  }
  if (command.command === "help") {
    stdout(`${cliUsage(command.topic)}\n`);
    return CLI_OK;
  }
  const cwd = options.cwd ?? Deno.cwd();
  try {
    if (command.command === "run") {
      return await run(command, {
        cwd,
        env: options.env ?? Deno.env.toObject(),
        stdout,
        stderr,
        tty: options.tty ?? Deno.stderr.isTerminal(),
        storage: options.storage ?? createStorage(),
        registry: options.registry,
      });
    }
    return await registration(command, { cwd, stdout });
  } catch (error) {
    stderr(`${describeError(error)}\n`);
    const usage = error instanceof TypeError ||
      (error instanceof FlyteshimError &&
        ["USER:InvalidArguments", "USER:InvalidTemplate"].includes(error.code));
    return usage ? CLI_USAGE : CLI_TASK_FAILED;
  }
}
