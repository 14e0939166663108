// The program behind `main`: argument parsing, subcommands, signals. Kept apart from the
// folder's public module so that the binary loads only what a run needs (the public module also
// re-exports Flyte 2's runner and the describe helpers, which are imported here on demand).
import { UserError } from "../errors.ts";
import {
  createExecutorRegistry,
  type Executor,
  type ExecutorEntry,
  type ExecutorRegistry,
  type Logger,
} from "../executors/mod.ts";
import type { Storage, StorageOptions } from "../storage/mod.ts";
import {
  basename,
  type Command,
  findOutputPrefix,
  isCommandName,
  parseCommand,
  PYFLYTE_EXECUTE,
  usage,
} from "./args.ts";
import type { Env } from "./config.ts";
import { EXIT_OK, EXIT_UNREPORTED, reportFailure, runExecute } from "./execute.ts";
import { A0, findFlyte2OutputsPath, isFlyte2CommandLine } from "./flyte2_args.ts";

/** Options of {@linkcode main}. */
export interface MainOptions {
  /** Where executors are found: a registry, or the executors themselves. */
  registry: ExecutorRegistry | readonly (Executor<unknown> | ExecutorEntry)[];
  /** The environment. @default {Deno.env.toObject()} */
  env?: Env;
  /**
   * The path the program was started as (`argv[0]`); `pyflyte-execute` implies the `execute`
   * command. A function is called only when the first argument is not a command name, so a
   * binary can read `process.argv0` (which costs a Node.js start-up) only when it needs it.
   */
  programName?: string | (() => string | Promise<string>);
  /** Storage; by default created from the environment. */
  storage?: Storage;
  /**
   * Storage backends to add or replace, by scheme, such as
   * `{ gs: () => import("./my_gcs.ts") }` (a module exporting `createBackend`); used when
   * `storage` is not given.
   */
  storageBackends?: StorageOptions["backends"];
  /** The logger; by default JSON lines to stdout/stderr. */
  logger?: Logger;
  /**
   * Abort on SIGTERM and SIGINT: the run writes a `SYSTEM:Aborted` error document and returns.
   *
   * @default {true}
   */
  handleSignals?: boolean;
  /**
   * End the run on an error nobody catches (an unhandled rejection, an exception in a timer),
   * reporting it in `error.pb` instead of crashing without one.
   *
   * @default {true}
   */
  captureUncaught?: boolean;
  /** Writes the text of `help`, `version` and `describe`. @default {console.log} */
  print?: (text: string) => void;
}

function registryOf(registry: MainOptions["registry"]): ExecutorRegistry {
  return Array.isArray(registry) ? createExecutorRegistry(registry) : registry as ExecutorRegistry;
}

function listenForSignals(controller: AbortController): () => void {
  const listeners: [Deno.Signal, () => void][] = [];
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const listener = () => controller.abort(new DOMException(`received ${signal}`, "AbortError"));
    try {
      Deno.addSignalListener(signal, listener);
      listeners.push([signal, listener]);
    } catch {
      // Signals are not supported on this platform.
    }
  }
  return () => {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  };
}

/**
 * Turns an error nobody catches (a rejected promise nobody awaits, an exception in a timer) into
 * the end of the run: the run is aborted with that error, which is reported in `error.pb`
 * (`SYSTEM:Unknown` with the stack, or the error's own code), instead of a crash without one.
 */
function listenForUncaught(controller: AbortController): () => void {
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    if (!controller.signal.aborted) controller.abort(event.reason);
  };
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    if (!controller.signal.aborted) controller.abort(event.error ?? new Error(event.message));
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  return () => {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
  };
}

/**
 * The flyteshim program: parses a command line and runs it, returning the exit code. Started as
 * `pyflyte-execute`, or with `pyflyte-execute` as its first argument, it runs `execute`.
 *
 * @example Help
 * ```ts
 * import { main } from "@flyteshim/flyteshim/entrypoint";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 *
 * let text = "";
 * const code = await main(["help"], {
 *   registry: createExecutorRegistry([]),
 *   env: {},
 *   print: (t) => text = t,
 * });
 * assertEquals(code, 0);
 * assertStringIncludes(text, "pyflyte-execute");
 * ```
 *
 * @example Capture what describe prints
 * ```ts
 * import { main, type MainOptions } from "@flyteshim/flyteshim/entrypoint";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * let text = "";
 * const options: MainOptions = {
 *   registry: createExecutorRegistry([]),
 *   env: {},
 *   print: (t) => text = t,
 * };
 * assertEquals(await main(["describe", "--json"], options), 0);
 * assertEquals(JSON.parse(text).executors, []);
 * ```
 */
export async function main(argv: readonly string[], options: MainOptions): Promise<number> {
  try {
    return await runCommandLine(argv, options);
  } catch (error) {
    // Never reached by design (every failure is reported in error.pb); the last safety net.
    console.error(`flyteshim: unexpected failure: ${error instanceof Error ? error.stack : error}`);
    return EXIT_UNREPORTED;
  }
}

async function runCommandLine(argv: readonly string[], options: MainOptions): Promise<number> {
  const env = options.env ?? Deno.env.toObject();
  const print = options.print ?? console.log;
  let command: Command;
  let programName: string | undefined;
  try {
    const name = options.programName;
    programName = typeof name === "function"
      ? (isCommandName(argv[0]) ? undefined : await name())
      : name;
    command = parseCommand(argv, { programName, env });
  } catch (error) {
    // Even a bad command line is reported in error.pb when the output prefix can be found.
    const flyte2 = isFlyte2CommandLine(argv) ||
      (programName !== undefined && basename(programName) === A0);
    const rest = argv[0] === "execute" || argv[0] === PYFLYTE_EXECUTE || argv[0] === A0
      ? argv.slice(1)
      : argv;
    const outputPrefix = flyte2 ? findFlyte2OutputsPath(rest, env) : findOutputPrefix(rest);
    if (outputPrefix) {
      return await reportFailure(error, {
        outputPrefix,
        env,
        storage: options.storage,
        logger: options.logger,
        line: flyte2 ? "flyte2" : "flyte1",
      });
    }
    const message = error instanceof UserError ? error.message : String(error);
    console.error(`${message}\n\n${usage()}`);
    return EXIT_UNREPORTED;
  }
  switch (command.command) {
    case "help":
      print(usage(command.topic));
      return EXIT_OK;
    case "version": {
      const { default: config } = await import("../deno.json", { with: { type: "json" } });
      print(`flyteshim ${config.version}`);
      return EXIT_OK;
    }
    case "describe": {
      const { default: config } = await import("../deno.json", { with: { type: "json" } });
      const { describeRegistry, formatDescription } = await import("./describe.ts");
      const description = describeRegistry(registryOf(options.registry), config.version);
      print(command.json ? JSON.stringify(description, null, 2) : formatDescription(description));
      return EXIT_OK;
    }
    case "execute":
    case "a0": {
      const controller = new AbortController();
      const stopSignals = options.handleSignals === false ? () => {} : listenForSignals(controller);
      const stopUncaught = options.captureUncaught === false
        ? () => {}
        : listenForUncaught(controller);
      const stop = () => {
        stopSignals();
        stopUncaught();
      };
      const runOptions = {
        env,
        registry: registryOf(options.registry),
        storage: options.storage,
        storageBackends: options.storageBackends,
        logger: options.logger,
        signal: controller.signal,
        abortWatchdog: options.handleSignals !== false,
      };
      try {
        return command.command === "a0"
          ? await (await import("./flyte2.ts")).runFlyte2(command.args, runOptions)
          : await runExecute(command.args, runOptions);
      } finally {
        stop();
      }
    }
  }
}
