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

export { main, type MainOptions } from "./_main.ts";
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
