// The SDK command line: run a task locally (from a module or a serialized template), write a
// registration package, serialize templates. `cli/main.ts` is its thin bin. Each command imports
// what it needs when it runs, so `--help` loads almost nothing.
import { FlyteshimError } from "../errors.ts";
import type { ExecutorRegistry } from "../executors/mod.ts";
import type { Storage } from "../storage/mod.ts";
import { CLI_OK, CLI_TASK_FAILED, CLI_USAGE, describeError, pathOf, tasksOf } from "./_common.ts";
import { type CliProgram, REPOSITORY_PROGRAM } from "./_program.ts";
import { type CliCommand, parseCliArgs } from "./args.ts";
import type { PrebuiltTask } from "../task/types.ts";

export type { CliProgram };

export { CLI_OK, CLI_TASK_FAILED, CLI_USAGE };

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
  /**
   * Whether stderr is a terminal (progress bar instead of lines).
   *
   * @default {Deno.stderr.isTerminal()}
   */
  tty?: boolean;
  /** Where executors named by id are found. @default {the built-in executors} */
  registry?: ExecutorRegistry;
  /** Storage. @default {createStorage()} */
  storage?: Storage;
  /**
   * How the user starts each command, shown in help texts.
   * @default {this repository's tasks: `deno task run`, `deno task package`, `deno task serialize`}
   */
  program?: CliProgram;
}

const encoder = new TextEncoder();

/** The help text, by topic. */
export function cliUsage(topic?: string, program: CliProgram = REPOSITORY_PROGRAM): string {
  const run = `Run a task locally, in-process, exactly as the flyteshim image runs it on Flyte
(like \`pyflyte run\` for a single prebuilt container task).

Usage:
  ${program.run} <module.ts> <export> [--<input> <value> ...] [options]
  ${program.run} --template <task.pb> [--<input> <value> ...] [options]

  <module.ts> <export>  a task defined with defineTask / sqlite3Task / sqlTask and exported
                        (the export may be left out when the module has one task);
                        add --help to see the task's inputs and outputs
  --template FILE       a serialized flyteidl.core.TaskTemplate (binary), e.g. from
                        \`pyflyte serialize\`/\`package\` or \`${program.serialize}\`; flytekit's
                        SQLite3Task and SQLAlchemyTask templates run unchanged

Inputs (by the task's interface):
  --<name> <value>      one input; parsed by its declared type: integers, floats, true/false,
                        ISO 8601 datetimes, durations ("90s", "1h30m", "PT2H"), files, folders
                        and datasets as paths or URIs, lists/maps/structs as JSON;
                        optional inputs may be left out, and "null" is none
  --inputs FILE         a JSON object of inputs by name (flags win over it)

Options:
  --executor ID         the executor, instead of the one named in the template's args
  --executors MODULE    a module whose exported executors (defineExecutor) join the built-in
                        ones, e.g. to run a --template of a custom executor's task
  --dir DIR             the run folder: task.pb, inputs.pb, outputs/outputs.pb, raw/ (data
                        outputs), checkpoint/; kept. Without it the run uses a temporary folder
                        and removes it afterwards, failed runs included
  --prev-checkpoint DIR a previous run's checkpoint folder (or URI) for the executor to
                        restore, as on a retry
  --rows N              rows of a dataset output to print (default 10)
  --json                print the outputs as one JSON object (proto3 JSON: int64 as a string)
  -h, --help            this help

Executor logs go to stderr at FLYTESHIM_LOG_LEVEL (debug, info, warn, error; default info).
Secrets come from the environment as on Flyte (_FSEC_<GROUP>_<KEY>) or /etc/flyte/secrets.
S3 settings: FLYTE_AWS_ENDPOINT, FLYTE_AWS_ACCESS_KEY_ID, FLYTE_AWS_SECRET_ACCESS_KEY.`;
  const pkg =
    `Write a registration package for \`flytectl register files\`, like \`pyflyte package\`.

Usage:
  ${program.package} <module.ts> [<export> ...] [<module.ts> [<export> ...] ...]
      [--output flyte-package.tgz] [--image IMAGE] [--override-image IMAGE]
      [--flytekit-compatible] [--no-check]

  Every exported task of each module is packaged unless exports follow it. The modules are
  type-checked (deno check) and every task serialized before anything is written. The archive
  holds one flyteidl.admin.TaskSpec per task, named <idx>_<name>_1.pb, with empty project, domain
  and version for flytectl to fill:

    flytectl register files --project flytesnacks --domain development \\
      --archive flyte-package.tgz --version v1

  --image IMAGE           the container image of tasks that set none (a task's own wins)
  --override-image IMAGE  the container image of every task, replacing the tasks' own
  --flytekit-compatible   use flytekit's resolver and executor path in the container args, so
                          the tasks also run on flytekit's own image
  --no-check              do not type-check the modules first`;
  const ser =
    `Write each task's flyteidl.core.TaskTemplate as <name>.pb and as proto3 JSON <name>.json,
or with --flyte2 its flyteidl2.task.TaskSpec as <name>.flyte2.pb and <name>.flyte2.json.

Usage:
  ${program.serialize} <module.ts> [<export> ...] [<module.ts> [<export> ...] ...]
      [--output-dir DIR] [--image IMAGE] [--override-image IMAGE] [--no-check]
      [--flytekit-compatible | --flyte2 [--org O] [--project P] [--domain D] [--version V]]

  --image IMAGE           the container image of tasks that set none (a task's own wins)
  --override-image IMAGE  the container image of every task, replacing the tasks' own
  --flytekit-compatible   flytekit's resolver and executor path in the container args
  --flyte2                Flyte 2: the container args run \`a0\` and carry the task
                          (docs/flyte2.md); --org, --project, --domain and --version fill the
                          template's id
  --no-check              do not type-check the modules first`;
  switch (topic) {
    case "run":
      return run;
    case "package":
      return pkg;
    case "serialize":
      return ser;
  }
  // `deno task run --help` is the common case: the run help first, then the other commands.
  return `${run}

Other commands:
  ${program.package}     write a registration package for flytectl (add --help)
  ${program.serialize}   write task templates as .pb and proto3 JSON (add --help)`;
}

/** Type-checks the modules with `deno check`, as `deno run --check` would, before they run. */
async function checkModules(
  modules: readonly string[],
  options: { cwd: string; stderr: (text: string) => void },
): Promise<boolean> {
  const permission = await Deno.permissions.query({ name: "run", command: Deno.execPath() });
  if (permission.state !== "granted") {
    options.stderr(
      "Note: the modules were not type-checked (that needs --allow-run); pass --no-check to silence this\n",
    );
    return true;
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", ...modules],
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.success) return true;
  const text = new TextDecoder();
  options.stderr(`${text.decode(out.stdout)}${text.decode(out.stderr)}`);
  return false;
}

/** Warnings about what would fail on the cluster but not here. */
function clusterWarnings(tasks: readonly PrebuiltTask[]): string[] {
  const warnings: string[] = [];
  for (const task of tasks) {
    const uri = task.options.taskType === "sqlite" ? task.options.config?.uri : undefined;
    if (typeof uri === "string" && !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith("/")) {
      warnings.push(
        `Warning: task "${task.name}" reads the SQLite database "${uri}" by a relative path, which on the cluster resolves inside the container; use an s3://, gs:// or https:// URI`,
      );
    }
  }
  return warnings;
}

async function registration(
  command: Extract<CliCommand, { command: "package" | "serialize" }>,
  options: { cwd: string; stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<number> {
  const modules = command.modules ?? [{ module: command.module, exports: command.exports }];
  if (!command.noCheck && !(await checkModules(modules.map((m) => m.module), options))) {
    options.stderr(
      `Error USER:InvalidArguments: Cannot ${command.command} the tasks: the modules have type errors (pass --no-check to skip the check)\n`,
    );
    return CLI_USAGE;
  }
  // Every module is loaded and every task serialized before anything is written.
  const tasks: PrebuiltTask[] = [];
  for (const { module, exports } of modules) {
    tasks.push(...await tasksOf(options.cwd, module, exports));
  }
  const { toTaskTemplate } = await import("../task/serialize.ts");
  const serializeOptions = {
    image: command.image,
    overrideImage: command.overrideImage,
    flytekitCompatible: command.flytekitCompatible,
  };
  for (const warning of clusterWarnings(tasks)) options.stderr(`${warning}\n`);
  if (command.command === "package") {
    const { writePackage } = await import("../task/package.ts");
    const path = pathOf(options.cwd, command.output);
    const names = await writePackage(tasks, path, serializeOptions);
    options.stdout(`Wrote ${path} with ${names.length} task${names.length === 1 ? "" : "s"}:\n`);
    for (const name of names) options.stdout(`  ${name}\n`);
    return CLI_OK;
  }
  const { toProto3Json } = await import("../task/proto_json.ts");
  const { encodeTaskTemplate } = await import("../idl/mod.ts");
  const { joinUri } = await import("../storage/mod.ts");
  const dir = pathOf(options.cwd, command.outputDir);
  const names = new Set<string>();
  const files: [string, Uint8Array][] = [];
  const flyte2 = command.flyte2
    ? {
      ...await import("../task/serialize_flyte2.ts"),
      encodeFlyte2TaskSpec: (await import("../idl/flyte2.ts")).encodeFlyte2TaskSpec,
    }
    : undefined;
  for (const task of tasks) {
    if (names.has(task.name)) {
      throw new TypeError(`Cannot serialize tasks: the name "${task.name}" is used twice`);
    }
    names.add(task.name);
    if (flyte2) {
      const spec = await flyte2.toFlyte2TaskSpec(task, {
        image: command.image,
        overrideImage: command.overrideImage,
        ...command.id,
      });
      const base = joinUri(dir, `${task.name}.flyte2`);
      const json = JSON.stringify(flyte2.toFlyte2Json(spec), null, 2);
      files.push([`${base}.pb`, flyte2.encodeFlyte2TaskSpec(spec)]);
      files.push([`${base}.json`, new TextEncoder().encode(`${json}\n`)]);
      continue;
    }
    const template = toTaskTemplate(task, serializeOptions);
    const base = joinUri(dir, task.name);
    const json = JSON.stringify(toProto3Json(template, "flyteidl.core.TaskTemplate"), null, 2);
    files.push([`${base}.pb`, encodeTaskTemplate(template)]);
    files.push([`${base}.json`, new TextEncoder().encode(`${json}\n`)]);
  }
  // Each file is written beside its target and renamed: a failure leaves no half file.
  await Deno.mkdir(dir, { recursive: true });
  const partials: string[] = [];
  try {
    for (const [path, data] of files) {
      const partial = `${path}.partial`;
      partials.push(partial);
      await Deno.writeFile(partial, data);
    }
    for (const [path] of files) await Deno.rename(`${path}.partial`, path);
  } catch (error) {
    for (const partial of partials) await Deno.remove(partial).catch(() => {});
    throw error;
  }
  for (let i = 0; i < files.length; i += 2) {
    options.stdout(`Wrote ${files[i][0]} and ${files[i + 1][0]}\n`);
  }
  return CLI_OK;
}

/**
 * The SDK command line: parses `argv` and runs `run`, `package`, `serialize` or `help`,
 * returning the exit code (0 success, 1 the task failed, 2 a wrong command line, module or
 * file).
 *
 * @example Print the help
 * ```ts
 * import { runCli } from "./run_cli.ts";
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
    stderr(
      `${describeError(error)}\n\n${
        cliUsage(argv[0] === "run" ? "run" : argv[0], options.program)
      }\n`,
    );
    return CLI_USAGE;
  }
  if (command.command === "help") {
    stdout(`${cliUsage(command.topic, options.program)}\n`);
    return CLI_OK;
  }
  const cwd = options.cwd ?? Deno.cwd();
  try {
    if (command.command === "run") {
      const { runLocally } = await import("./_run.ts");
      const { createStorage } = await import("../storage/mod.ts");
      return await runLocally(command, {
        cwd,
        env: options.env ?? Deno.env.toObject(),
        stdout,
        stderr,
        tty: options.tty ?? Deno.stderr.isTerminal(),
        storage: options.storage ?? createStorage(),
        registry: options.registry,
        program: options.program ?? REPOSITORY_PROGRAM,
      });
    }
    return await registration(command, { cwd, stdout, stderr });
  } catch (error) {
    stderr(`${describeError(error)}\n`);
    const usage = error instanceof TypeError ||
      (error instanceof FlyteshimError &&
        ["USER:InvalidArguments", "USER:InvalidTemplate"].includes(error.code));
    return usage ? CLI_USAGE : CLI_TASK_FAILED;
  }
}
