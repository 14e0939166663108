/**
 * The command-line runtime: flytekit's `pyflyte-execute` contract (and Flyte 2's `a0` command
 * line) on flyteshim executors, for a binary of one's own.
 *
 * {@linkcode main} is the whole program (argument parsing, subcommands, signals, storage,
 * secrets, error documents), so a third party's entrypoint with its own executors is three lines:
 *
 * ```ts ignore
 * import { main } from "@flyteshim/flyteshim/entrypoint";
 * import { myExecutor } from "./executor.ts";
 * Deno.exit(await main(Deno.args, { registry: [myExecutor] }));
 * ```
 *
 * That is all this module exports: the pieces behind `main` (argument parsing, configuration from
 * the environment, dispatch, error documents) are the runtime's own, and flyteshim's SDK runs
 * tasks locally through them without making them public.
 *
 * @example Run a task end to end on local files
 * ```ts
 * import { main } from "@flyteshim/flyteshim/entrypoint";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import {
 *   decodeLiteralMap,
 *   encodeLiteralMap,
 *   encodeTaskTemplate,
 * } from "@flyteshim/flyteshim/idl";
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
 * const logger = { debug() {}, info() {}, warn() {}, error() {} };
 * const code = await main([
 *   "pyflyte-execute", "--inputs", `${dir}/inputs.pb`, "--output-prefix", `${dir}/out`,
 *   "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}",
 *   "--resolver", "flyteshim.resolver", "--", `${dir}/task.pb`, "example.greet",
 * ], { registry: createExecutorRegistry([greet]), env: {}, logger });
 * assertEquals(code, 0);
 * const outputs = decodeLiteralMap(await Deno.readFile(`${dir}/out/outputs.pb`));
 * assertEquals(outputs.literals?.out.scalar?.primitive?.stringValue, "Hello, Flyte");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { main, type MainOptions } from "./_main.ts";
export type { Env } from "./config.ts";
