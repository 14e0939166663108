// Command-line parsing: the commands, and the options of `execute` (the option syntax, shared
// with `a0`, is in _options.ts).
import { UserError } from "../errors.ts";
import { isAbsent } from "./_absent.ts";
import { argumentsError, type OptionKind, scanOptions } from "./_options.ts";
import type { Env } from "./config.ts";
import { A0, type Flyte2Args, isFlyte2CommandLine, parseFlyte2Args } from "./flyte2_args.ts";

export { isAbsent };

/**
 * The program name under which the process behaves as flytekit's `pyflyte-execute` (also
 * accepted as the first argument).
 */
export const PYFLYTE_EXECUTE = "pyflyte-execute";

/** The options of the `execute` command, exactly those of flytekit's `pyflyte-execute`. */
export interface ExecuteArgs {
  /** URI of `inputs.pb` (`--inputs`). */
  inputs: string;
  /** Where `outputs.pb` / `error.pb` go (`--output-prefix`). */
  outputPrefix: string;
  /** Where data goes (`--raw-output-data-prefix`); absent when not rendered. */
  rawOutputDataPrefix?: string;
  /** Checkpoint destination (`--checkpoint-path`). */
  checkpointPath?: string;
  /** Previous attempt's checkpoint (`--prev-checkpoint`). */
  prevCheckpoint?: string;
  /** Dry run: load the task, log it and stop (`--test`). */
  test: boolean;
  /** Fast-registration code archive (`--dynamic-addl-distro`); accepted and logged, unused. */
  dynamicAddlDistro?: string;
  /** Fast-registration destination (`--dynamic-dest-dir`); accepted and logged, unused. */
  dynamicDestDir?: string;
  /** The resolver (`--resolver`). */
  resolver?: string;
  /** The resolver's arguments, after `--`. */
  resolverArgs: string[];
}

/** A parsed command line. */
export type Command =
  | { command: "execute"; args: ExecuteArgs }
  | { command: "a0"; args: Flyte2Args }
  | { command: "help"; topic?: string }
  | { command: "version" }
  | { command: "describe"; json: boolean };

/** The subcommands, by name. `pyflyte-execute` is an alias of `execute`. */
export const COMMANDS: readonly string[] = ["execute", "a0", "describe", "help", "version"];

function present(value: string | undefined): string | undefined {
  return isAbsent(value) ? undefined : value;
}

/** The options of `execute` and their kinds (a string value, or a flag). */
const EXECUTE_OPTIONS: Readonly<Record<string, OptionKind>> = {
  inputs: "string",
  "output-prefix": "string",
  "raw-output-data-prefix": "string",
  "checkpoint-path": "string",
  "prev-checkpoint": "string",
  test: "boolean",
  "dynamic-addl-distro": "string",
  "dynamic-dest-dir": "string",
  resolver: "string",
};

/**
 * Parses the arguments of `execute` (everything after the command name).
 *
 * @throws {UserError} With code `USER:InvalidArguments` on an unknown option, a missing value
 * or a missing required option.
 *
 * @example flytekit's options
 * ```ts
 * import { parseExecuteArgs } from "./args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const args = parseExecuteArgs([
 *   "--inputs",
 *   "s3://b/inputs.pb",
 *   "--output-prefix",
 *   "s3://b/0",
 *   "--raw-output-data-prefix",
 *   "{{.rawOutputDataPrefix}}",
 *   "--",
 *   "s3://b/task.pb",
 *   "flyteshim.sqlite3",
 * ]);
 * assertEquals(args.rawOutputDataPrefix, undefined);
 * assertEquals(args.resolverArgs, ["s3://b/task.pb", "flyteshim.sqlite3"]);
 * ```
 *
 * @example Read the parsed options
 * ```ts
 * import { type ExecuteArgs, parseExecuteArgs } from "./args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const args: ExecuteArgs = parseExecuteArgs([
 *   "--inputs",
 *   "s3://b/inputs.pb",
 *   "--output-prefix",
 *   "s3://b/0",
 *   "--test",
 * ]);
 * assertEquals([args.outputPrefix, args.test, args.resolverArgs], ["s3://b/0", true, []]);
 * ```
 */
export function parseExecuteArgs(argv: readonly string[]): ExecuteArgs {
  const scanned = scanOptions(argv, EXECUTE_OPTIONS);
  // The last of a repeated option wins.
  const v = Object.fromEntries(scanned.options);
  const option = (name: string) => present(typeof v[name] === "string" ? v[name] : undefined);
  const inputs = option("inputs");
  const outputPrefix = option("output-prefix");
  if (!inputs || !outputPrefix) {
    const missing = [!inputs && "--inputs", !outputPrefix && "--output-prefix"].filter(Boolean);
    throw argumentsError(
      `missing required option ${missing.map((m) => `"${m}"`).join(" and ")}`,
    );
  }
  return {
    inputs,
    outputPrefix,
    rawOutputDataPrefix: option("raw-output-data-prefix"),
    checkpointPath: option("checkpoint-path"),
    prevCheckpoint: option("prev-checkpoint"),
    test: v.test === true,
    dynamicAddlDistro: option("dynamic-addl-distro"),
    dynamicDestDir: option("dynamic-dest-dir"),
    resolver: option("resolver"),
    resolverArgs: scanned.positionals,
  };
}

/**
 * Finds `--output-prefix` in arguments that may not parse, so that even a bad command line can
 * be reported in `error.pb`.
 *
 * @example A command line with an unknown option
 * ```ts
 * import { findOutputPrefix } from "./args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(findOutputPrefix(["--bogus", "--output-prefix", "/out"]), "/out");
 * ```
 */
export function findOutputPrefix(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") break;
    if (arg === "--output-prefix") return present(argv[i + 1]);
    if (arg.startsWith("--output-prefix=")) return present(arg.slice("--output-prefix=".length));
  }
  return undefined;
}

/**
 * Whether an argument names a command (so the program name does not matter).
 *
 * @example Commands and options
 * ```ts
 * import { isCommandName } from "./args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(["pyflyte-execute", "help", "--inputs"].map(isCommandName), [true, true, false]);
 * ```
 */
export function isCommandName(arg: string | undefined): boolean {
  return arg === undefined ||
    [...COMMANDS, PYFLYTE_EXECUTE, "--help", "-h", "--version"].includes(arg);
}

/** The last path segment of a program path, without a Windows `.exe`. */
export function basename(path: string): string {
  return path.replace(/\\/g, "/").replace(/\/+$/, "").split("/").pop()!.replace(/\.exe$/i, "");
}

/** Options of {@linkcode parseCommand}. */
export interface ParseCommandOptions {
  /**
   * The path the program was started as (`argv[0]`); `pyflyte-execute` implies `execute`, `a0`
   * implies `a0`.
   */
  programName?: string;
  /** The environment, for Flyte 2's output path when `--outputs-path` is absent. @default {{}} */
  env?: Env;
}

/**
 * Parses a whole command line: a subcommand and its arguments. Started as `pyflyte-execute`, or
 * given `pyflyte-execute` as the first argument (flytekit templates put it first in the container
 * args), the program runs `execute`.
 *
 * @throws {UserError} With code `USER:InvalidArguments` on an unknown command or bad options.
 *
 * @example pyflyte-execute as the first argument
 * ```ts
 * import { parseCommand } from "./args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const command = parseCommand([
 *   "pyflyte-execute",
 *   "--inputs",
 *   "i",
 *   "--output-prefix",
 *   "o",
 *   "--",
 *   "t",
 *   "e",
 * ]);
 * assertEquals(command.command, "execute");
 * assertEquals(
 *   parseCommand(["--inputs", "i", "--output-prefix", "o"], {
 *     programName: "/bin/pyflyte-execute",
 *   }).command,
 *   "execute",
 * );
 * ```
 *
 * @example Switch on the command
 * ```ts
 * import { type Command, parseCommand } from "./args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const command: Command = parseCommand(["describe", "--json"]);
 * assertEquals(command.command === "describe" && command.json, true);
 * ```
 *
 * @example Started as pyflyte-execute
 * ```ts
 * import { parseCommand, type ParseCommandOptions } from "./args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const options: ParseCommandOptions = { programName: "/usr/local/bin/pyflyte-execute" };
 * assertEquals(
 *   parseCommand(["--inputs", "i", "--output-prefix", "o"], options).command,
 *   "execute",
 * );
 * ```
 */
export function parseCommand(argv: readonly string[], options: ParseCommandOptions = {}): Command {
  const flyte2 = (rest: readonly string[]): Command => ({
    command: "a0",
    args: parseFlyte2Args(rest, { env: options.env }),
  });
  if (options.programName && basename(options.programName) === A0 && argv[0] !== A0) {
    return flyte2(argv);
  }
  // Options first with --outputs-path: Flyte 2's runtime under another name.
  if (isFlyte2CommandLine(argv)) {
    const rest = argv[0] === A0 ? argv.slice(1) : argv;
    const end = rest.indexOf("--");
    if ((end < 0 ? rest : rest.slice(0, end)).includes("--help")) {
      return { command: "help", topic: A0 };
    }
    return flyte2(rest);
  }
  if (options.programName && basename(options.programName) === PYFLYTE_EXECUTE) {
    if (argv[0] !== PYFLYTE_EXECUTE && argv[0] !== "execute") {
      return { command: "execute", args: parseExecuteArgs(argv) };
    }
  }
  const [name, ...rest] = argv;
  // An option first means the program was started as pyflyte-execute under another name (a
  // symlink whose name the platform does not report, or `command: [pyflyte-execute]`).
  if (name?.startsWith("--") && !["--help", "--version"].includes(name)) {
    return { command: "execute", args: parseExecuteArgs(argv) };
  }
  switch (name) {
    case "describe":
      if (rest.some((a) => a !== "--json")) {
        throw new UserError(
          `Cannot parse arguments: describe takes only "--json", got "${rest.join(" ")}"`,
          { code: "USER:InvalidArguments" },
        );
      }
      return { command: "describe", json: rest.includes("--json") };
    case "execute":
    case PYFLYTE_EXECUTE:
      if (rest.includes("--help") && !rest.slice(0, rest.indexOf("--help")).includes("--")) {
        return { command: "help", topic: "execute" };
      }
      return { command: "execute", args: parseExecuteArgs(rest) };
    case undefined:
    case "help":
    case "--help":
    case "-h":
      return { command: "help", topic: rest[0] };
    case "version":
    case "--version":
      return { command: "version" };
    default:
      throw new UserError(
        `Cannot parse arguments: unknown command "${name}": expected one of ${
          [...COMMANDS, PYFLYTE_EXECUTE].map((c) => `"${c}"`).join(", ")
        }`,
        { code: "USER:InvalidArguments" },
      );
  }
}

/**
 * The text `help` prints.
 *
 * @example Help for execute
 * ```ts
 * import { usage } from "./args.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * assertStringIncludes(usage("execute"), "--output-prefix");
 * ```
 */
export function usage(topic?: string): string {
  const execute = `Usage: flyteshim execute --inputs URI --output-prefix URI [options] -- ARGS...
       pyflyte-execute --inputs URI --output-prefix URI [options] -- ARGS...

Runs one task the way Flyte's propeller starts it (flytekit's pyflyte-execute contract).

Options:
  --inputs URI                  inputs.pb to read (required)
  --output-prefix URI           where outputs.pb or error.pb is written (required)
  --raw-output-data-prefix URI  where data (files, folders, datasets) is written
  --checkpoint-path URI         where this attempt saves checkpoints
  --prev-checkpoint URI         the previous attempt's checkpoint
  --test                        load the task and stop
  --dynamic-addl-distro URI     accepted for compatibility, unused
  --dynamic-dest-dir PATH       accepted for compatibility, unused
  --resolver NAME               flyteshim.resolver, or flytekit's
                                flytekit.core.python_customized_container_task.default_task_template_resolver
  -- TEMPLATE_URI EXECUTOR      the resolver's arguments

Unrendered {{.placeholders}} and "" count as absent.`;
  const a0 = `Usage: flyteshim a0 --inputs URI --outputs-path URI [options] --resolver NAME ARGS...
       a0 --inputs URI --outputs-path URI [options] --resolver NAME ARGS...

Runs one task the way Flyte 2's backend starts it (flyte-sdk's a0 contract).

Options (flyte-sdk's runtime; Flyte 1's names also work):
  -i, --inputs URI              inputs.pb to read (required)
  -o, --outputs-path URI        where outputs.pb or error.pb is written
                                (default: $_U_RUN_BASE/$ACTION_NAME)
  -r, --raw-data-path URI       where data (files, folders, datasets) is written
  -c, --checkpoint-path URI     where this attempt saves checkpoints
  -p, --prev-checkpoint URI     the previous attempt's checkpoint
  --run-name NAME, --name NAME  the run and action (default: $RUN_NAME, $ACTION_NAME)
  --project, --domain, --org    the execution's (default: FLYTE_INTERNAL_EXECUTION_*, $_U_ORG_NAME)
  -v, --version, --run-base-dir, --run-start-time, --debug, --interactive-mode,
  --image-cache, --tgz, --pkl, --dest
                                accepted; logged or ignored (prebuilt tasks have no code)
  --test                        load the task and stop
  --resolver NAME ARGS...       flyteshim.resolver, then "executor ID template fs1...."
                                (written by \`deno task serialize --flyte2\`)

Unrendered {{.placeholders}}, empty values and "" count as absent.`;
  if (topic === "execute" || topic === PYFLYTE_EXECUTE) return execute;
  if (topic === A0) return a0;
  return `Usage: flyteshim <command> [options]

Commands:
  execute          run one task, Flyte 1 (alias: pyflyte-execute)
  a0               run one task, Flyte 2 (flyteshim a0 --help)
  describe         list the executors, their task types and flytekit aliases (--json for JSON)
  help [command]   show help
  version          print the version

${execute}`;
}
