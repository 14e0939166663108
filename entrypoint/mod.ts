/**
 * The command-line runtime: flytekit's `pyflyte-execute` contract on flyteshim executors.
 *
 * {@linkcode main} is the whole program (argument parsing, subcommands, signals), so a third
 * party's entrypoint with its own executors is three lines:
 *
 * ```ts ignore
 * import { main } from "@flyteshim/flyteshim/entrypoint";
 * import { myExecutor } from "./executor.ts";
 * Deno.exit(await main(Deno.args, { registry: [myExecutor] }));
 * ```
 *
 * {@linkcode runExecute} runs the `execute` command on parsed arguments and an explicit
 * environment, and {@linkcode dispatch} / {@linkcode executeTask} run a resolved task (local runs
 * reuse them).
 *
 * @example Run a task end to end on local files
 * ```ts
 * import { main } from "@flyteshim/flyteshim/entrypoint";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { decodeLiteralMap, encodeLiteralMap, encodeTaskTemplate } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const greet = defineExecutor({
 *   id: "example.greet",
 *   taskTypes: ["greet"],
 *   parseConfig: (custom) => ({ greeting: String(custom.greeting) }),
 *   execute: (config, inputs) => Promise.resolve({ out: `${config.greeting}, ${inputs.name}` }),
 * });
 * const dir = await Deno.makeTempDir();
 * const string = { simple: 3 }; // SimpleType.STRING
 * await Deno.writeFile(`${dir}/task.pb`, encodeTaskTemplate({
 *   type: "greet",
 *   custom: { fields: { greeting: { stringValue: "Hello" } } },
 *   interface: {
 *     inputs: { variables: { name: { type: string } } },
 *     outputs: { variables: { out: { type: string } } },
 *   },
 * }));
 * await Deno.writeFile(`${dir}/inputs.pb`, encodeLiteralMap({
 *   literals: { name: { scalar: { primitive: { stringValue: "Flyte" } } } },
 * }));
 * const code = await main([
 *   "pyflyte-execute", "--inputs", `${dir}/inputs.pb`, "--output-prefix", `${dir}/out`,
 *   "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}",
 *   "--resolver", "flyteshim.resolver", "--", `${dir}/task.pb`, "example.greet",
 * ], { registry: createExecutorRegistry([greet]), env: {}, logger: { debug() {}, info() {}, warn() {}, error() {} } });
 * assertEquals(code, 0);
 * const outputs = decodeLiteralMap(await Deno.readFile(`${dir}/out/outputs.pb`));
 * assertEquals(outputs.literals?.out.scalar?.primitive?.stringValue, "Hello, Flyte");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

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
import { runFlyte2 } from "./flyte2.ts";

export {
  type Command,
  type ExecuteArgs,
  isAbsent,
  parseCommand,
  type ParseCommandOptions,
  parseExecuteArgs,
  PYFLYTE_EXECUTE,
} from "./args.ts";
export {
  configFromEnv,
  type ConfigOptions,
  type Env,
  type ErrorReporting,
  errorReportingFromEnv,
  type LogLevel,
  type OffloadConfig,
  type RuntimeConfig,
} from "./config.ts";
export {
  dispatch,
  type DispatchOptions,
  type DispatchResult,
  executeTask,
  type ExecuteTaskOptions,
  LOCAL_EXECUTION,
  NULL_LOGGER,
  OUTPUTS_FILE,
} from "./dispatch.ts";
export {
  classifyError,
  ERROR_FILE,
  type ErrorDocumentOptions,
  toErrorDocument,
} from "./error_document.ts";
export {
  type ContractLine,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_UNREPORTED,
  runExecute,
  type RunExecuteOptions,
} from "./execute.ts";
export {
  A0,
  type Flyte2Args,
  isFlyte2CommandLine,
  parseFlyte2Args,
  type ParseFlyte2Options,
} from "./flyte2_args.ts";
export { flyte2Identity, runFlyte2 } from "./flyte2.ts";
export { describeRegistry, type Description, formatDescription } from "./describe.ts";
export { createLogger, createRedactor, type LoggerOptions, type Redactor } from "./logger.ts";
export { type CheckpointOptions, createCheckpoint } from "./checkpoint.ts";

/**
 * Options of {@linkcode main}.
 *
 * @example Capture what describe prints
 * ```ts
 * import { main, type MainOptions } from "@flyteshim/flyteshim/entrypoint";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { assertEquals } from "@std/assert";
 *
 * let text = "";
 * const options: MainOptions = { registry: createExecutorRegistry([]), env: {}, print: (t) => text = t };
 * assertEquals(await main(["describe", "--json"], options), 0);
 * assertEquals(JSON.parse(text).executors, []);
 * ```
 */
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
 * const code = await main(["help"], { registry: createExecutorRegistry([]), env: {}, print: (t) => text = t });
 * assertEquals(code, 0);
 * assertStringIncludes(text, "pyflyte-execute");
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
  try {
    const name = options.programName;
    const programName = typeof name === "function"
      ? (isCommandName(argv[0]) ? undefined : await name())
      : name;
    command = parseCommand(argv, { programName, env });
  } catch (error) {
    // Even a bad command line is reported in error.pb when the output prefix can be found.
    const flyte2 = isFlyte2CommandLine(argv) ||
      (typeof options.programName === "string" && /(^|\/)a0$/.test(options.programName));
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
          ? await runFlyte2(command.args, runOptions)
          : await runExecute(command.args, runOptions);
      } finally {
        stop();
      }
    }
  }
}
