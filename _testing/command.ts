// Runs command tasks the way propeller runs them: a `flyteshim-command` template, inputs written
// with the literal engine, and the program with `--allow-run` (the flyteshim-command build).
import { tempDir } from "./temp.ts";
import { jsonToStruct, type JsonValue, type TaskTemplate, toInt64 } from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import { type TypeDescriptor, valuesToLiteralMap } from "../types/mod.ts";
import {
  flytekitContainerArgs,
  PROGRAM_FLAGS,
  type PropellerRunOptions,
  type PropellerRunResult,
  runPropeller,
} from "./propeller.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** The program with the permissions of the flyteshim-command build. */
export const COMMAND_PROGRAM: readonly string[] = [
  Deno.execPath(),
  "run",
  "--quiet",
  "--no-prompt",
  ...PROGRAM_FLAGS,
  "--allow-run",
  `${ROOT}/entrypoint/main.ts`,
];

/** A command task to run. */
export interface CommandRun {
  /** `custom`. */
  custom: { [key: string]: JsonValue };
  /** Declared inputs. */
  inputs?: Record<string, TypeDescriptor>;
  /** Input values (files may be local paths: they are uploaded under the root first). */
  values?: Record<string, unknown>;
  /** Declared outputs. */
  outputs?: Record<string, TypeDescriptor>;
  /** Declared secrets. */
  secrets?: { group: string; key?: string; envVar?: string }[];
  /** The template's timeout in seconds. */
  timeoutSeconds?: number;
}

function variables(types: Record<string, TypeDescriptor> = {}) {
  return Object.fromEntries(
    Object.entries(types).map(([name, t]) => [name, { type: t.literalType, description: name }]),
  );
}

/** The `flyteshim-command` template of a run. */
export function commandTemplate(run: CommandRun): TaskTemplate {
  return {
    id: {
      resourceType: 1,
      project: "flytesnacks",
      domain: "development",
      name: "cmd",
      version: "v1",
    },
    type: "flyteshim-command",
    metadata: run.timeoutSeconds
      ? { timeout: { seconds: toInt64(run.timeoutSeconds) } }
      : undefined,
    interface: {
      inputs: { variables: variables(run.inputs) },
      outputs: { variables: variables(run.outputs) },
    },
    custom: jsonToStruct(run.custom),
    container: { image: "any:1", args: flytekitContainerArgs("flyteshim.command") },
    securityContext: run.secrets ? { secrets: run.secrets } : undefined,
  };
}

/** Runs a command task through the propeller harness. */
export async function runCommandTask(
  run: CommandRun,
  options: Omit<PropellerRunOptions, "template" | "inputs"> & { rawPrefix?: string } = {},
): Promise<PropellerRunResult> {
  const storage: Storage = options.storage ?? createStorage();
  const inputs = await valuesToLiteralMap(run.values ?? {}, run.inputs ?? {}, {
    storage,
    rawOutputPrefix: options.rawPrefix ?? `${options.root ?? await tempDir()}/uploads`,
  });
  return await runPropeller({
    program: COMMAND_PROGRAM,
    ...options,
    storage,
    template: commandTemplate(run),
    inputs,
  });
}
