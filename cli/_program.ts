// How the user starts the SDK command line, so that help texts show commands that exist in the
// user's project: a deno.json task that runs it, the JSR module, or the file itself.

/** The command lines that start each SDK command (without their arguments). */
export interface CliProgram {
  /** Starts `run` (e.g. `deno task run`). */
  run: string;
  /** Starts `package`. */
  package: string;
  /** Starts `serialize`. */
  serialize: string;
}

/** This repository's own tasks (deno.json `run`, `package`, `serialize`). */
export const REPOSITORY_PROGRAM: CliProgram = {
  run: "deno task run",
  package: "deno task package",
  serialize: "deno task serialize",
};

/** The JSR module, which runs in any project. */
export const JSR_PROGRAM_BASE = "deno run -A jsr:@flyteshim/flyteshim/cli";

function fromBase(base: string): CliProgram {
  return { run: `${base} run`, package: `${base} package`, serialize: `${base} serialize` };
}

/**
 * The program as the user starts it: a task of the project's deno.json whose command runs the
 * command line (`deno task flyteshim run`), else the JSR module when the main module came from
 * JSR, else the main module's file.
 */
export function detectProgram(options: {
  mainModule: string;
  tasks?: Record<string, unknown>;
  cwd: string;
  /** The folder of the deno.json the tasks come from. @default {cwd} */
  taskFolder?: string;
}): CliProgram {
  const main = options.mainModule.startsWith("file://")
    ? decodeURIComponent(new URL(options.mainModule).pathname)
    : options.mainModule;
  const relativeTo = (folder: string) =>
    main.startsWith(`${folder.replace(/\/+$/, "")}/`)
      ? main.slice(folder.replace(/\/+$/, "").length + 1)
      : main;
  const relative = relativeTo(options.cwd);
  const fromTasks = relativeTo(options.taskFolder ?? options.cwd);
  const fromJsr = /^(jsr:|https:\/\/jsr\.io\/)@flyteshim\/flyteshim/.test(main);
  // Tasks whose command starts this module, by the sub-command they end with (if any).
  const found: Partial<Record<keyof CliProgram | "any", string>> = {};
  for (const [name, task] of Object.entries(options.tasks ?? {})) {
    const command = typeof task === "string"
      ? task
      : (task as { command?: unknown } | null)?.command;
    if (typeof command !== "string" || !/^[\w.:-]+$/.test(name)) continue;
    const match = new RegExp(
      `(?:${escape(main)}|(?:\\./)?${
        escape(fromTasks)
      }|jsr:@flyteshim/flyteshim(?:@[^/\\s]*)?/cli)(?:\\s+(run|package|serialize))?\\s*$`,
    ).exec(command.trim());
    if (!match) continue;
    const sub = (match[1] ?? "any") as keyof CliProgram | "any";
    found[sub] ??= `deno task ${name}`;
  }
  const base = fromJsr ? JSR_PROGRAM_BASE : `deno run -A ${relative}`;
  const pick = (sub: keyof CliProgram) =>
    found[sub] ??
      (found.any
        ? (found.any === "deno task run" && sub === "run" ? found.any : `${found.any} ${sub}`)
        : `${base} ${sub}`);
  return found.any || found.run || found.package || found.serialize
    ? { run: pick("run"), package: pick("package"), serialize: pick("serialize") }
    : fromBase(base);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
