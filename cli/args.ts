// The SDK command line's syntax: the one module that uses node:util parseArgs, so that moving to
// @std/cli touches only this file.
import { parseArgs } from "node:util";
import { UserError } from "../errors.ts";

/** `run`: a task exported by a module, or a serialized template. */
export interface RunCommand {
  /** Always `"run"`. */
  command: "run";
  /** The module that exports the task. */
  module?: string;
  /** The export's name. */
  exportName?: string;
  /** A serialized `TaskTemplate` (`--template`), instead of a module. */
  template?: string;
  /** The executor, overriding the one in the template's container args (`--executor`). */
  executor?: string;
  /** A module whose exported executors join the built-in ones (`--executors`). */
  executorsModule?: string;
  /** A JSON file of inputs by name (`--inputs`). */
  inputsFile?: string;
  /** Inputs given as `--name value` flags, as text. */
  inputFlags: Record<string, string>;
  /** The run folder (`--dir`). */
  dir?: string;
  /** A previous attempt's checkpoint folder or URI (`--prev-checkpoint`). */
  previousCheckpoint?: string;
  /** How many rows of a dataset to print (`--rows`). */
  rows: number;
  /** Print outputs as one JSON object (`--json`). */
  json: boolean;
  /** Describe the task (its inputs and outputs) instead of running it (`--help`). */
  help: boolean;
}

/** `package`: a registration package of a module's tasks. */
export interface PackageCommand {
  /** Always `"package"`. */
  command: "package";
  /** The module that exports the tasks. */
  module: string;
  /** The exports to package; every exported task when empty. */
  exports: string[];
  /** Every module with its exports (the first is `module`); several may be named. */
  modules: { module: string; exports: string[] }[];
  /** Skip type-checking the modules before loading them (`--no-check`). */
  noCheck: boolean;
  /** The `.tgz` to write (`--output`). */
  output: string;
  /** The image of tasks that set none (`--image`). */
  image?: string;
  /** The image of every task, replacing the tasks' own (`--override-image`). */
  overrideImage?: string;
  /** flytekit's resolver and executor path in the args (`--flytekit-compatible`). */
  flytekitCompatible: boolean;
  /** Flyte 2's TaskSpec instead of Flyte 1's TaskTemplate (`--flyte2`, `serialize` only). */
  flyte2: boolean;
  /** The task id's org, project, domain and version (`--org` ...; with `--flyte2` only). */
  id?: { org?: string; project?: string; domain?: string; version?: string };
}

/** `serialize`: each task's TaskTemplate as `.pb` and `.json`. */
export interface SerializeCommand extends Omit<PackageCommand, "command" | "output"> {
  /** Always `"serialize"`. */
  command: "serialize";
  /** The folder to write to (`--output-dir`). */
  outputDir: string;
}

/** A parsed SDK command line. */
export type CliCommand =
  | RunCommand
  | PackageCommand
  | SerializeCommand
  | { command: "help"; topic?: string };

/** The run options the CLI itself knows; any other `--flag` is an input. */
const RUN_OPTIONS = {
  inputs: { type: "string" },
  template: { type: "string" },
  executor: { type: "string" },
  executors: { type: "string" },
  dir: { type: "string" },
  "prev-checkpoint": { type: "string" },
  rows: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const PACKAGE_OPTIONS = {
  output: { type: "string", short: "o" },
  "output-dir": { type: "string" },
  image: { type: "string" },
  "override-image": { type: "string" },
  "flytekit-compatible": { type: "boolean" },
  "no-check": { type: "boolean" },
  flyte2: { type: "boolean" },
  org: { type: "string" },
  project: { type: "string" },
  domain: { type: "string" },
  version: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Whether a positional names a module rather than an export. */
function isModule(text: string): boolean {
  return /\.(m?[jt]sx?)$/.test(text) || text.includes("/") || /^[a-z][a-z0-9+.-]*:/i.test(text);
}

function usageError(message: string, cause?: unknown): UserError {
  return new UserError(message, { code: "USER:InvalidArguments", cause });
}

function parseRun(argv: string[]): RunCommand | { command: "help"; topic: string } {
  const { tokens } = parseArgs({
    args: argv,
    options: RUN_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const known: Record<string, string | boolean> = {};
  const inputFlags: Record<string, string> = {};
  const positionals: string[] = [];
  const consumed = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === "positional") {
      if (!consumed.has(token.index)) positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = (RUN_OPTIONS as Record<string, { type: string }>)[token.name];
    if (spec) {
      if (spec.type === "string" && token.value === undefined) {
        throw usageError(`Cannot parse arguments: option "--${token.name}" needs a value`);
      }
      known[token.name] = token.value ?? true;
      continue;
    }
    // An input flag: --name=value, --name value, or a bare --name (true).
    let value = token.value;
    const next = tokens[i + 1];
    if (value === undefined && next?.kind === "positional" && token.rawName.startsWith("--")) {
      value = next.value;
      consumed.add(next.index);
    } else if (value === undefined && next?.kind === "option" && /^-[\d.]/.test(next.rawName)) {
      // A negative number is a value, not a group of short options.
      value = argv[next.index];
      while (tokens[i + 1]?.index === next.index) i++;
    }
    if (!token.rawName.startsWith("--")) {
      throw usageError(`Cannot parse arguments: unknown option "${token.rawName}"`);
    }
    if (token.name in inputFlags) {
      throw usageError(`Cannot parse arguments: input "--${token.name}" is given twice`);
    }
    inputFlags[token.name] = value ?? "true";
  }
  const template = known.template as string | undefined;
  const [module, exportName, ...extra] = positionals;
  // `--help` alone is the command's help; with a task it describes the task.
  if (known.help && !template && !module) return { command: "help", topic: "run" };
  if (template ? positionals.length > 0 : extra.length > 0) {
    throw usageError(
      `Cannot parse arguments: unexpected ${
        (template ? positionals : extra).map((p) => `"${p}"`).join(", ")
      }`,
    );
  }
  if (!template && !module) {
    throw usageError("Cannot parse arguments: give a module and a task export, or --template");
  }
  const rowsText = (known.rows as string | undefined) ?? "10";
  const rows = Number(rowsText);
  if (!Number.isInteger(rows) || rows < 0) {
    throw usageError(
      `Cannot parse arguments: "--rows" must be a whole number, found "${rowsText}"`,
    );
  }
  return {
    command: "run",
    module: template ? undefined : module,
    exportName: template ? undefined : exportName,
    template,
    executor: known.executor as string | undefined,
    executorsModule: known.executors as string | undefined,
    inputsFile: known.inputs as string | undefined,
    inputFlags,
    dir: known.dir as string | undefined,
    previousCheckpoint: known["prev-checkpoint"] as string | undefined,
    rows,
    json: known.json === true,
    help: known.help === true,
  };
}

function parseRegistration(
  command: "package" | "serialize",
  argv: string[],
): PackageCommand | SerializeCommand | { command: "help"; topic: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: PACKAGE_OPTIONS,
      strict: true,
      allowPositionals: true,
    });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message.split(/\.\s/)[0] : String(cause);
    throw usageError(`Cannot parse arguments: ${message.replace(/\.$/, "")}`, cause);
  }
  const v = parsed.values;
  if (v.help) return { command: "help", topic: command };
  // Modules, each followed by its exports: a.ts tracks b.ts -> a.ts (tracks), b.ts (all).
  const modules: { module: string; exports: string[] }[] = [];
  for (const positional of parsed.positionals) {
    if (isModule(positional) || !modules.length) modules.push({ module: positional, exports: [] });
    else modules.at(-1)!.exports.push(positional);
  }
  if (!modules.length) throw usageError(`Cannot parse arguments: "${command}" needs a module`);
  const [{ module, exports }] = modules;
  const common: Omit<PackageCommand, "command" | "output"> = {
    module,
    exports,
    modules,
    noCheck: v["no-check"] === true,
    image: v.image,
    overrideImage: v["override-image"],
    flytekitCompatible: v["flytekit-compatible"] === true,
    flyte2: v.flyte2 === true,
  };
  const id = { org: v.org, project: v.project, domain: v.domain, version: v.version };
  if (Object.values(id).some((x) => x !== undefined)) {
    if (!common.flyte2) {
      throw usageError(
        'Cannot parse arguments: "--org", "--project", "--domain" and "--version" go with "--flyte2" (flytectl fills them for Flyte 1)',
      );
    }
    common.id = id;
  }
  if (common.flyte2 && common.flytekitCompatible) {
    throw usageError(
      'Cannot parse arguments: "--flyte2" and "--flytekit-compatible" exclude each other (flytekit has no Flyte 2 runtime)',
    );
  }
  if (command === "package") {
    if (common.flyte2) {
      throw usageError(
        'Cannot parse arguments: Flyte 2 has no registration package; use "serialize --flyte2" and deploy the TaskSpec',
      );
    }
    if (v["output-dir"]) {
      throw usageError('Cannot parse arguments: "package" writes one file; use "--output"');
    }
    return { command, ...common, output: v.output ?? "flyte-package.tgz" };
  }
  return { command, ...common, outputDir: v["output-dir"] ?? v.output ?? "." };
}

/**
 * Parses the SDK command line: `run`, `package`, `serialize` or `help`.
 *
 * @throws {UserError} Code `USER:InvalidArguments` on a malformed command line.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return { command: "help", topic: rest[0] };
    case "run":
      return parseRun(rest);
    case "package":
    case "serialize":
      return parseRegistration(command, rest);
    default:
      // `deno task run <module> <export>` reads best without the word "run" twice.
      if (command.endsWith(".ts") || command.endsWith(".js") || command.startsWith("--")) {
        return parseRun([...argv]);
      }
      throw usageError(
        `Cannot parse arguments: unknown command "${command}"; use run, package, serialize or help`,
      );
  }
}
