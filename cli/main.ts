/**
 * The SDK command line as a program: `run` a task locally, `package` tasks for
 * `flytectl register files`, `serialize` their templates. From any project:
 *
 * ```sh
 * deno run -A jsr:@flyteshim/flyteshim/cli run tasks.ts tracks --limit 10
 * deno run -A jsr:@flyteshim/flyteshim/cli package tasks.ts --image ghcr.io/acme/flyteshim:0.1.0
 * deno install -g -A -n flyteshim jsr:@flyteshim/flyteshim/cli   # then: flyteshim run tasks.ts
 * ```
 *
 * Started by a task of the project's deno.json (`"flyteshim": "deno run -A
 * jsr:@flyteshim/flyteshim/cli"`), its help shows that task (`deno task flyteshim run ...`).
 * Paths are taken from the folder the user ran it in (`INIT_CWD` under `deno task`).
 *
 * @example Run the command line in-process
 * ```ts
 * import { runCli } from "@flyteshim/flyteshim/cli";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 *
 * let out = "";
 * const program = {
 *   run: "flyteshim run",
 *   package: "flyteshim package",
 *   serialize: "flyteshim serialize",
 * };
 * assertEquals(await runCli(["--help"], { stdout: (t) => out += t, program }), 0);
 * assertStringIncludes(out, "flyteshim run <module.ts> <export>");
 * ```
 *
 * @module
 */
import { detectProgram } from "./_program.ts";
import { runCli } from "./run_cli.ts";

export {
  CLI_OK,
  CLI_TASK_FAILED,
  CLI_USAGE,
  type CliOptions,
  type CliProgram,
  runCli,
} from "./run_cli.ts";

async function projectTasks(cwd: string): Promise<Record<string, unknown>> {
  try {
    const config = JSON.parse(await Deno.readTextFile(`${cwd}/deno.json`));
    return typeof config?.tasks === "object" && config.tasks ? config.tasks : {};
  } catch {
    return {};
  }
}

if (import.meta.main) {
  // `deno task` starts a task in the folder of its deno.json; INIT_CWD is where the user was.
  const taskFolder = Deno.cwd();
  const cwd = Deno.env.get("INIT_CWD") || taskFolder;
  // Relative URIs inside templates (a SQLite `uri: "chinook.db"`) resolve against the working
  // directory, as flytekit resolves them: make it the user's.
  Deno.chdir(cwd);
  const program = detectProgram({
    mainModule: Deno.mainModule,
    tasks: await projectTasks(taskFolder),
    cwd,
    taskFolder,
  });
  Deno.exit(await runCli(Deno.args, { cwd, program }));
}
