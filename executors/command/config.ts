// The command task's `TaskTemplate.custom`: the argv to run, where it runs, its environment, where
// inputs are delivered and outputs collected, and what becomes of its standard output.
import type { UserError } from "../../errors.ts";
import { configError, jsonKind as kind } from "../_config.ts";
import type { JsonValue } from "../../idl/mod.ts";

/** How the whole input map is also written, besides one file per input (copilot's formats). */
export type InputsFormat = "json" | "yaml" | "proto";

/** What the command executor reads from `custom`. */
export interface CommandConfig {
  /** The command as an argv list; with `shell`, the script and its arguments. */
  command: string[];
  /** Run `command[0]` as a `/bin/sh -c` script, `command[1..]` its `$0`, `$1`, ... */
  shell: boolean;
  /** The working folder; the runtime's own when absent. */
  workingDir?: string;
  /** Environment variables added to the pod's (values may hold `{{.inputs.x}}`). */
  env: Record<string, string>;
  /** Where inputs are written; a fresh folder in the run's work folder when absent. */
  inputDir?: string;
  /** Where outputs are read from; a fresh folder in the run's work folder when absent. */
  outputDir?: string;
  /** Also write the whole input map in this format (`inputs.json`, `inputs.yaml`, `inputs.pb`). */
  inputsFormat?: InputsFormat;
  /** The output that receives the standard output (a string or a file output). */
  stdout?: string;
  /** How long the command has to exit after SIGTERM before SIGKILL, in milliseconds. */
  graceMs: number;
}

/**
 * The default time between SIGTERM and SIGKILL, well inside Kubernetes' default 30 s termination
 * grace period (the runtime waits for it, then writes `error.pb`).
 */
export const DEFAULT_GRACE_MS = 10_000;

function invalid(detail: string): UserError {
  return configError("the command task config", detail);
}

function optionalString(custom: { [key: string]: JsonValue }, key: string): string | undefined {
  const value = custom[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw invalid(`"${key}" must be a string, found ${kind(value)}`);
  return value;
}

/**
 * Parses `custom`: `command` (a non-empty list of strings), and optionally `shell`,
 * `working_dir`, `env` (an object of strings), `input_dir`, `output_dir`, `inputs_format`
 * (`json`, `yaml` or `proto`), `stdout` (an output name) and `grace_period_seconds`.
 *
 * @throws {UserError} Code `USER:InvalidConfig`, naming the key and what was found.
 */
export function parseCommandConfig(custom: { [key: string]: JsonValue }): CommandConfig {
  const command = custom.command;
  if (!Array.isArray(command) || command.length === 0) {
    throw invalid(`"command" must be a non-empty list of strings, found ${kind(command)}`);
  }
  const argv = command.map((item, i) => {
    if (typeof item !== "string") {
      throw invalid(`"command[${i}]" must be a string, found ${kind(item)}`);
    }
    return item;
  });
  if (argv[0] === "") throw invalid(`"command[0]" is empty`);
  const shell = custom.shell ?? false;
  if (typeof shell !== "boolean") throw invalid(`"shell" must be a boolean, found ${kind(shell)}`);
  const envValue = custom.env ?? {};
  if (envValue === null || typeof envValue !== "object" || Array.isArray(envValue)) {
    throw invalid(`"env" must be an object of strings, found ${kind(envValue)}`);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(envValue)) {
    if (typeof value !== "string") {
      throw invalid(`"env.${name}" must be a string, found ${kind(value)}`);
    }
    if (!name || name.includes("=")) throw invalid(`"env" has an invalid variable name "${name}"`);
    env[name] = value;
  }
  const format = optionalString(custom, "inputs_format")?.toLowerCase();
  if (format !== undefined && format !== "json" && format !== "yaml" && format !== "proto") {
    throw invalid(`"inputs_format" must be "json", "yaml" or "proto", found "${format}"`);
  }
  const grace = custom.grace_period_seconds ?? DEFAULT_GRACE_MS / 1000;
  if (typeof grace !== "number" || !(grace >= 0)) {
    throw invalid(`"grace_period_seconds" must be a number of seconds, found ${kind(grace)}`);
  }
  return {
    command: argv,
    shell,
    workingDir: optionalString(custom, "working_dir"),
    env,
    inputDir: optionalString(custom, "input_dir"),
    outputDir: optionalString(custom, "output_dir"),
    inputsFormat: format as InputsFormat | undefined,
    stdout: optionalString(custom, "stdout"),
    graceMs: Math.round(grace * 1000),
  };
}
