// Command tasks: any program of an image as a Flyte task, run by the flyteshim-command binary
// (task type `flyteshim-command`, executor `flyteshim.command`), with `custom` in the executor's
// snake_case keys.
import { COMMAND_EXECUTOR_ENTRY } from "../executors/builtin.ts";
import type { TypeDescriptor } from "../types/descriptors.ts";
import { defineTask } from "./define.ts";
import type { PrebuiltTask, TaskOptions, VariableDescriptors } from "./types.ts";

/**
 * Options of {@linkcode commandTask}: the generic task options (image, inputs, outputs, secrets,
 * resources, retries, timeout, ...) plus the command.
 */
export interface CommandTaskOptions<I extends VariableDescriptors, O extends VariableDescriptors>
  extends Omit<TaskOptions<I, O>, "taskType" | "executor" | "flytekitExecutor" | "config"> {
  /**
   * The command as an argv list, run without a shell: `{{.inputs.x}}` (a primitive's text, or a
   * file's, folder's or dataset's local path), `{{.inputDir}}` and `{{.outputDir}}` are replaced
   * inside each element, which stays one argument.
   */
  command: readonly string[];
  /**
   * Run `command[0]` as a `/bin/sh -c` script (`command[1..]` are `$0`, `$1`, ...). @default false
   */
  shell?: boolean;
  /** The working folder of the command. @default {the runtime's: the image's WORKDIR} */
  workingDir?: string;
  /**
   * Variables added to the command's environment, with the same placeholders as `command`
   * (`environment` sets the container's, without placeholders).
   */
  commandEnv?: Record<string, string>;
  /**
   * Where inputs are written (e.g. `/var/inputs`, as flytekit's ContainerTask). @default {a fresh
   * folder}
   */
  inputDir?: string;
  /** Where outputs are read from (e.g. `/var/outputs`). @default {a fresh folder} */
  outputDir?: string;
  /** Also write the whole input map as `inputs.json`, `inputs.yaml` or `inputs.pb`. */
  inputsFormat?: "json" | "yaml" | "proto";
  /** The output (a string or a file) that receives the command's standard output. */
  stdout?: keyof O & string;
  /**
   * Seconds between SIGTERM and SIGKILL when the run is stopped (keep it a few seconds under the
   * pod's termination grace period). @default 10
   */
  gracePeriodSeconds?: number;
}

const INPUT_PLACEHOLDER = /\{\{\s*\.inputs\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * A command task (task type `flyteshim-command`, executor `flyteshim.command`): runs a program of
 * the task's image, inputs delivered as files under an input folder and substituted into argv,
 * outputs read from files under an output folder by name, or from its standard output. Local runs
 * run the command on this machine (`deno run --allow-run`).
 *
 * @throws {TypeError} When the command is empty, a placeholder names an input the task does not
 * declare, or `stdout` names an output it does not declare.
 *
 * @example A task that runs python3 in any image
 * ```ts
 * import { commandTask, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
 * import { structToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const square = commandTask({
 *   name: "square",
 *   image: "python:3.12-slim-with-flyteshim",
 *   command: ["python3", "-c", "import sys; print(int(sys.argv[1]) ** 2)", "{{.inputs.n}}"],
 *   inputs: { n: Types.integer },
 *   outputs: { result: Types.string },
 *   stdout: "result",
 * });
 * const template = toTaskTemplate(square);
 * assertEquals(template.type, "flyteshim-command");
 * assertEquals(structToJson(template.custom).stdout, "result");
 * ```
 *
 * @example Count the lines of a file input
 * ```ts
 * import { commandTask, type CommandTaskOptions } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const outputs = { lines: Types.string };
 * const options: CommandTaskOptions<{ data: ReturnType<typeof Types.file> }, typeof outputs> = {
 *   name: "wc", image: "debian:12-slim", command: ["wc", "-l", "{{.inputs.data}}"],
 *   inputs: { data: Types.file() }, outputs, stdout: "lines",
 * };
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "1\n2\n3\n");
 * const { lines } = await commandTask(options).run({ data: `${dir}/a.txt` });
 * assertEquals(lines.trim().split(" ")[0], "3");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function commandTask<
  I extends VariableDescriptors = Record<never, TypeDescriptor>,
  O extends VariableDescriptors = Record<never, TypeDescriptor>,
>(options: CommandTaskOptions<I, O>): PrebuiltTask<I, O> {
  const {
    command,
    shell,
    workingDir,
    commandEnv,
    inputDir,
    outputDir,
    inputsFormat,
    stdout,
    gracePeriodSeconds,
    ...rest
  } = options;
  const fail = (detail: string) => new TypeError(`Cannot define task "${options.name}": ${detail}`);
  if (!command?.length || !command[0]) throw fail("the command is empty");
  const inputs = Object.keys(rest.inputs ?? {});
  for (const text of [...command, ...Object.values(commandEnv ?? {})]) {
    for (const [, name] of text.matchAll(INPUT_PLACEHOLDER)) {
      if (!inputs.includes(name)) throw fail(`"{{.inputs.${name}}}" names no input`);
    }
  }
  if (stdout !== undefined && !(stdout in (rest.outputs ?? {}))) {
    throw fail(`stdout names no output "${stdout}"`);
  }
  return defineTask<I, O>({
    ...rest,
    taskType: COMMAND_EXECUTOR_ENTRY.taskTypes[0],
    executor: COMMAND_EXECUTOR_ENTRY.id,
    config: {
      command: [...command],
      shell: shell ?? false,
      working_dir: workingDir,
      env: commandEnv,
      input_dir: inputDir,
      output_dir: outputDir,
      inputs_format: inputsFormat,
      stdout,
      grace_period_seconds: gracePeriodSeconds,
    },
  });
}
