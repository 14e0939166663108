// Flyte 2's task contract (`a0`): its identity variables and the run behind it. The files are
// the same as Flyte 1's (inputs.pb, outputs.pb, error.pb, byte-compatible), so the run is
// `runExecute`'s with three differences: the task comes from the args (no template file),
// error.pb carries ContainerError fields 1-4 only, and the exit code is 0 after error.pb.
import type { ExecutionIdentity } from "../executors/mod.ts";
import { resolveInlineTask } from "../resolver/flyte2.ts";
import { isAbsent } from "./_absent.ts";
import type { Env } from "./config.ts";
import { runExecute, type RunExecuteOptions } from "./execute.ts";
import type { Flyte2Args } from "./flyte2_args.ts";

/**
 * The execution identity on Flyte 2: Flyte 1's (from `FLYTE_INTERNAL_*`, which the backend also
 * sets) with the run name (`--run-name`, `RUN_NAME`) as the execution name, the action
 * (`--name`, `ACTION_NAME`) and the organization (`--org`, `_U_ORG_NAME`); project and domain from
 * the args, else the execution's, else the task's.
 *
 * @example The backend's variables
 * ```ts
 * import { configFromEnv } from "./config.ts";
 * import { flyte2Identity } from "./flyte2.ts";
 * import { parseFlyte2Args } from "./flyte2_args.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const env = {
 *   RUN_NAME: "r1",
 *   ACTION_NAME: "a0",
 *   _U_ORG_NAME: "local",
 *   FLYTE_INTERNAL_TASK_PROJECT: "p",
 * };
 * const args = parseFlyte2Args(["-i", "i.pb", "-o", "out"]);
 * const identity = flyte2Identity(configFromEnv(env).execution, args, env);
 * assertEquals([identity.name, identity.action, identity.org, identity.project], [
 *   "r1",
 *   "a0",
 *   "local",
 *   "p",
 * ]);
 * ```
 */
export function flyte2Identity(
  base: ExecutionIdentity,
  args: Flyte2Args,
  env: Env,
): ExecutionIdentity {
  const first = (...values: (string | undefined)[]) => values.find((v) => !isAbsent(v)) ?? "";
  return {
    ...base,
    name: first(args.runName, env.RUN_NAME, base.name),
    project: first(args.project, base.project, base.task.project),
    domain: first(args.domain, base.domain, base.task.domain),
    action: first(args.name, env.ACTION_NAME),
    org: first(args.org, env._U_ORG_NAME),
  };
}

/**
 * Runs a task from Flyte 2's command line and returns the exit code: 0 after `outputs.pb` (always
 * written, empty for a task without outputs) or after `error.pb` (a Flyte 2
 * `ErrorDocument`, whatever `FLYTE_FAIL_ON_ERROR` says: the backend reads error.pb only after
 * exit 0), 2 when not even `error.pb` could be written.
 *
 * @example A task in the args, end to end
 * ```ts
 * import { NULL_LOGGER } from "./dispatch.ts";
 * import { parseFlyte2Args } from "./flyte2_args.ts";
 * import { runFlyte2 } from "./flyte2.ts";
 * import { createExecutorRegistry, defineExecutor } from "@flyteshim/flyteshim/executors";
 * import { encodeInlineTemplate, inlineLoaderArgs } from "@flyteshim/flyteshim/resolver/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * const noop = defineExecutor({
 *   id: "example.noop",
 *   taskTypes: ["noop"],
 *   parseConfig: () => ({}),
 *   execute: () => Promise.resolve(),
 * });
 * const dir = await Deno.makeTempDir();
 * const loader = inlineLoaderArgs("example.noop", await encodeInlineTemplate({ type: "noop" }));
 * const args = parseFlyte2Args([
 *   "-i",
 *   `${dir}/inputs.pb`,
 *   "-o",
 *   dir,
 *   "--resolver",
 *   "flyteshim.resolver",
 *   ...loader,
 * ]);
 * assertEquals(
 *   await runFlyte2(args, {
 *     env: {},
 *     registry: createExecutorRegistry([noop]),
 *     logger: NULL_LOGGER,
 *   }),
 *   0,
 * );
 * assertEquals((await Deno.readFile(`${dir}/outputs.pb`)).length, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function runFlyte2(args: Flyte2Args, options: RunExecuteOptions): Promise<number> {
  return runExecute({
    inputs: args.inputs,
    outputPrefix: args.outputsPath,
    rawOutputDataPrefix: args.rawDataPath,
    checkpointPath: args.checkpointPath,
    prevCheckpoint: args.prevCheckpoint,
    test: args.test,
    dynamicAddlDistro: args.codeBundle,
    resolver: args.resolver,
    resolverArgs: args.resolverArgs,
  }, {
    ...options,
    line: "flyte2",
    resolve: (resolveOptions) =>
      resolveInlineTask(args.resolver, args.resolverArgs, resolveOptions),
    execution: (base) => flyte2Identity(base, args, options.env),
  });
}
