// Flyte 2's command line (`a0`): flyte-sdk's runtime options, plus Flyte 1's names for the same
// things, in the option syntax of `execute` (_options.ts).
import { joinUri } from "../storage/storage.ts";
import { isAbsent } from "./_absent.ts";
import { argumentsError, type OptionKind, scanOptions } from "./_options.ts";
import type { Env } from "./config.ts";

/**
 * The program name, or first argument, under which the process serves Flyte 2's task contract
 * (flyte-sdk's runtime command).
 */
export const A0 = "a0";

/**
 * The options of `a0`: every option of flyte-sdk's runtime command, plus Flyte 1's names for the
 * same things (`--output-prefix`, `--raw-output-data-prefix`) and `--test`.
 */
export interface Flyte2Args {
  /** URI of `inputs.pb` (`--inputs`, `-i`). */
  inputs: string;
  /**
   * Where `outputs.pb` / `error.pb` go (`--outputs-path`, `-o`); when absent,
   * `<run base dir>/<action name>`.
   */
  outputsPath: string;
  /** The code version (`--version`, `-v`); logged. */
  version?: string;
  /** The run's base folder (`--run-base-dir`, else `_U_RUN_BASE`). */
  runBaseDir?: string;
  /** Where data goes (`--raw-data-path`, `-r`). */
  rawDataPath?: string;
  /** Checkpoint destination (`--checkpoint-path`, `-c`). */
  checkpointPath?: string;
  /** Previous attempt's checkpoint (`--prev-checkpoint`, `-p`). */
  prevCheckpoint?: string;
  /** The action name (`--name`, else `ACTION_NAME`). */
  name?: string;
  /** The run name (`--run-name`, else `RUN_NAME`). */
  runName?: string;
  /** The run's start time (`--run-start-time`); logged. */
  runStartTime?: string;
  /** Project (`--project`, else `FLYTE_INTERNAL_EXECUTION_PROJECT`). */
  project?: string;
  /** Domain (`--domain`, else `FLYTE_INTERNAL_EXECUTION_DOMAIN`). */
  domain?: string;
  /** Organization (`--org`, else `_U_ORG_NAME`). */
  org?: string;
  /** A code bundle (`--tgz` or `--pkl`): accepted and ignored, prebuilt tasks have no code. */
  codeBundle?: string;
  /** The resolver (`--resolver`). */
  resolver?: string;
  /** The resolver's arguments (everything after the resolver; no `--` needed). */
  resolverArgs: string[];
  /** Load the task and stop (`--test`). */
  test: boolean;
}

/**
 * Option names (long and short) to the field they set: "code" is a code bundle, "ignored" is
 * accepted and unused.
 */
const OPTIONS: Readonly<Record<string, keyof Flyte2Args | "ignored" | "code">> = {
  inputs: "inputs",
  i: "inputs",
  "outputs-path": "outputsPath",
  o: "outputsPath",
  "output-prefix": "outputsPath",
  version: "version",
  v: "version",
  "run-base-dir": "runBaseDir",
  "raw-data-path": "rawDataPath",
  r: "rawDataPath",
  "raw-output-data-prefix": "rawDataPath",
  "checkpoint-path": "checkpointPath",
  c: "checkpointPath",
  "prev-checkpoint": "prevCheckpoint",
  p: "prevCheckpoint",
  name: "name",
  "run-name": "runName",
  "run-start-time": "runStartTime",
  project: "project",
  domain: "domain",
  org: "org",
  resolver: "resolver",
  tgz: "code",
  pkl: "code",
  debug: "ignored",
  "interactive-mode": "ignored",
  "image-cache": "ignored",
  dest: "ignored",
  "dynamic-addl-distro": "code",
  "dynamic-dest-dir": "ignored",
};

/** The kinds of {@linkcode OPTIONS}: each takes a value; `--test` is a flag. */
const KINDS: Readonly<Record<string, OptionKind>> = {
  ...Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, "string"])),
  test: "boolean",
};

/** Options of {@linkcode parseFlyte2Args}. */
export interface ParseFlyte2Options {
  /** The environment, for the output path when `--outputs-path` is absent. @default {{}} */
  env?: Env;
}

/**
 * Parses the arguments of `a0` (everything after the command name). Unrendered
 * `{{.placeholders}}`, empty values and `""` count as absent; every option after `--resolver`'s
 * value that is not an option is a resolver argument, as are all arguments after `--`.
 *
 * @throws {UserError} With code `USER:InvalidArguments` on an unknown option, a missing value,
 * or no inputs or output path.
 *
 * @example flyte-sdk's args as the backend renders them
 * ```ts
 * import { parseFlyte2Args } from "./flyte2_args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const args = parseFlyte2Args([
 *   "--inputs", "s3://b/in/inputs.pb", "--outputs-path", "s3://b/xy/run/a0/1", "--version", "v1",
 *   "--prev-checkpoint", '""', "--name", "{{.actionName}}",
 *   "--resolver", "flyteshim.resolver", "executor", "flyteshim.sqlite3", "template", "fs1.x.y",
 * ]);
 * assertEquals([args.prevCheckpoint, args.name], [undefined, undefined]);
 * assertEquals(args.resolverArgs, ["executor", "flyteshim.sqlite3", "template", "fs1.x.y"]);
 * ```
 *
 * @example Read the parsed options
 * ```ts
 * import { type Flyte2Args, parseFlyte2Args } from "./flyte2_args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const args: Flyte2Args = parseFlyte2Args([
 *   "-i",
 *   "s3://b/inputs.pb",
 *   "-o",
 *   "s3://b/a0/1",
 *   "--run-name",
 *   "{{.runName}}",
 * ]);
 * assertEquals([args.outputsPath, args.runName], ["s3://b/a0/1", undefined]);
 * ```
 *
 * @example The run base and action name from the environment
 * ```ts
 * import { parseFlyte2Args, type ParseFlyte2Options } from "./flyte2_args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const options: ParseFlyte2Options = { env: { _U_RUN_BASE: "s3://b/run", ACTION_NAME: "a1" } };
 * assertEquals(parseFlyte2Args(["--inputs", "s3://b/i.pb"], options).outputsPath, "s3://b/run/a1");
 * ```
 */
export function parseFlyte2Args(
  argv: readonly string[],
  options: ParseFlyte2Options = {},
): Flyte2Args {
  const scanned = scanOptions(argv, KINDS);
  const values: Partial<Record<keyof Flyte2Args, string>> = {};
  let codeBundle: string | undefined;
  let test = false;
  for (const [name, value] of scanned.options) {
    if (value === true) test = true;
    else if (isAbsent(value)) continue;
    else if (OPTIONS[name] === "code") codeBundle = value;
    else if (OPTIONS[name] !== "ignored") values[OPTIONS[name] as keyof Flyte2Args] = value;
  }
  const env = options.env ?? {};
  const envValue = (name: string) => isAbsent(env[name]) ? undefined : env[name];
  const runBaseDir = values.runBaseDir ?? envValue("_U_RUN_BASE");
  const name = values.name ?? envValue("ACTION_NAME");
  const outputsPath = values.outputsPath ??
    (runBaseDir && name ? joinUri(runBaseDir, name) : undefined);
  if (!values.inputs || !outputsPath) {
    const missing = [
      !values.inputs && '"--inputs"',
      !outputsPath && '"--outputs-path" (or "_U_RUN_BASE" and "ACTION_NAME")',
    ].filter(Boolean);
    throw argumentsError(`missing required option ${missing.join(" and ")}`);
  }
  return {
    inputs: values.inputs,
    outputsPath,
    version: values.version,
    runBaseDir,
    rawDataPath: values.rawDataPath,
    checkpointPath: values.checkpointPath,
    prevCheckpoint: values.prevCheckpoint,
    name: values.name,
    runName: values.runName,
    runStartTime: values.runStartTime,
    project: values.project,
    domain: values.domain,
    org: values.org,
    codeBundle,
    resolver: values.resolver,
    resolverArgs: scanned.positionals,
    test,
  };
}

/**
 * Whether a command line (after the program name) has Flyte 2's shape: `a0` first, or options
 * first with `--outputs-path` / `-o` among them.
 *
 * @example Both lines
 * ```ts
 * import { isFlyte2CommandLine } from "./flyte2_args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(isFlyte2CommandLine(["a0", "--inputs", "i"]), true);
 * assertEquals(isFlyte2CommandLine(["--inputs", "i", "--outputs-path", "o"]), true);
 * assertEquals(isFlyte2CommandLine(["--inputs", "i", "--output-prefix", "o"]), false);
 * ```
 */
export function isFlyte2CommandLine(argv: readonly string[]): boolean {
  if (argv[0] === A0) return true;
  if (!argv[0]?.startsWith("-")) return false;
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) =>
    a === "-o" || a === "--outputs-path" || a.startsWith("--outputs-path=")
  );
}

/**
 * Finds where error.pb goes in a Flyte 2 command line that may not parse: `--outputs-path`, else
 * `<_U_RUN_BASE>/<ACTION_NAME>`.
 *
 * @example A command line with an unknown option
 * ```ts
 * import { findFlyte2OutputsPath } from "./flyte2_args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(findFlyte2OutputsPath(["--bogus", "-o", "/out"], {}), "/out");
 * assertEquals(
 *   findFlyte2OutputsPath(["--bogus"], { _U_RUN_BASE: "/run", ACTION_NAME: "a1" }),
 *   "/run/a1",
 * );
 * ```
 */
export function findFlyte2OutputsPath(argv: readonly string[], env: Env): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") break;
    if (arg === "--outputs-path" || arg === "-o") {
      return isAbsent(argv[i + 1]) ? undefined : argv[i + 1];
    }
    if (arg.startsWith("--outputs-path=")) {
      const value = arg.slice("--outputs-path=".length);
      return isAbsent(value) ? undefined : value;
    }
  }
  const base = env._U_RUN_BASE;
  const name = env.ACTION_NAME;
  return isAbsent(base) || isAbsent(name) ? undefined : joinUri(base!, name!);
}
