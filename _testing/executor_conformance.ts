/**
 * The executor conformance suite: what every executor must do when the runtime runs it as
 * propeller would (the program in a subprocess, `inputs.pb` and `task.pb` laid out in storage,
 * the container args rendered; see `./propeller.ts`). Run for the built-in `sqlite3` and `sql`
 * executors by `tests/executor_conformance_test.ts` and for the third-party example by
 * `examples/checksum/conformance_test.ts`; a new executor describes itself as an
 * {@linkcode ExecutorCase} and calls {@linkcode executorConformance} from a `Deno.test`.
 *
 * The steps, each one `t.step`:
 *
 * - valid inputs: exit 0, `outputs.pb` and nothing else under the output prefix, outputs that
 *   pass the case's own check;
 * - config the executor refuses: `error.pb` with USER:InvalidConfig (user, non-recoverable);
 * - an input of the wrong kind: `error.pb` with USER:InvalidInput naming the variable;
 * - no `inputs.pb` for a task with inputs: `error.pb` with SYSTEM:InputsNotFound (recoverable);
 * - a failure while it runs: `error.pb` with the code, kind and origin the case expects;
 * - SIGTERM while it runs (when the case has a slow run): `error.pb` with SYSTEM:Aborted
 *   (system, recoverable) within 5 s of the signal;
 * - an ArrayNode sub-node (when the case has array inputs): element `index` of each collection.
 *
 * After every failure the output prefix holds the error document only: never an `outputs.pb`,
 * whole or half-written. The suite imports its assertions relatively (not through the
 * `@std/assert` entry of this repository's import map), so a project that has a checkout of this
 * repository as a workspace member runs it with no import map entry of its own
 * (docs/guides/custom-executor.md#tests).
 *
 * @example A new executor runs the suite
 * ```ts ignore
 * import { executorConformance } from "../../_testing/executor_conformance.ts";
 *
 * Deno.test("checksum: the example executor conforms to the executor contract", async (t) => {
 *   await executorConformance(t, {
 *     program: denoProgram("examples/checksum/main.ts"),
 *     template: (custom = {}) => toTaskTemplate(withConfig(checksum, custom)),
 *     inputs: () => fileInput(files[0].path),
 *     checkOutputs: (run) => assertEquals(run.outputs!.literals!.digest, expectedDigest),
 *     badConfig: { algorithm: "MD5" },
 *     failure: {
 *       inputs: () => fileInput(`${dir}/missing.txt`),
 *       code: "USER:NotFound",
 *       recoverable: false,
 *       origin: "user",
 *     },
 *   });
 * });
 * ```
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "./assert.ts";
import { flyteidl, type LiteralMap, type TaskTemplate } from "../idl/mod.ts";
import { type PropellerRunOptions, type PropellerRunResult, runPropeller } from "./propeller.ts";

const { RECOVERABLE, NON_RECOVERABLE } = flyteidl.core.ContainerError.Kind;
const { USER, SYSTEM } = flyteidl.core.ExecutionError.ErrorKind;

/** `custom` overrides of the case's task template (merged into its config). */
export type CustomOverrides = Record<string, unknown>;

/** One run of the case: other config, other inputs or more environment. */
export interface CaseRun {
  /** Config overrides for this run. */
  custom?: CustomOverrides;
  /** Inputs for this run, instead of the valid ones. */
  inputs?: () => LiteralMap | Promise<LiteralMap>;
  /** More environment for this run. */
  env?: Record<string, string>;
}

/** How one executor runs under the suite. */
export interface ExecutorCase {
  /**
   * The command that starts an entrypoint whose registry holds the executor (before the rendered
   * container args). @default {the built-in entrypoint, DEFAULT_PROGRAM}
   */
  program?: readonly string[];
  /** Its task template, as its authoring side serializes it, with `custom` overrides merged. */
  template(custom?: CustomOverrides): TaskTemplate | Promise<TaskTemplate>;
  /** Valid inputs for the template (they must hold at least one variable). */
  inputs(): LiteralMap | Promise<LiteralMap>;
  /** Checks the outputs of a valid run (`run.outputs`, `run.storage`, `run.paths`). */
  checkOutputs(run: PropellerRunResult): void | Promise<void>;
  /** Environment for every run (storage or database settings). */
  env?: Record<string, string>;
  /** Config overrides the executor refuses as USER:InvalidConfig. */
  badConfig: CustomOverrides;
  /** A run that fails while it executes, and the error document it must leave. */
  failure: CaseRun & {
    /** The error code. */
    code: string;
    /** Whether a retry may succeed. */
    recoverable: boolean;
    /** Who is at fault. */
    origin: "user" | "system";
    /** A part of the message. */
    message?: string | RegExp;
  };
  /** A run that keeps running until it is stopped; `when` matches a log line once it runs. */
  slow?: CaseRun & { when?: RegExp };
  /**
   * Inputs for an ArrayNode sub-node (collections where the task takes scalars: the suite maps
   * the template as a map task does, every input and output a list), and a check of sub-node
   * `index`'s outputs.
   */
  array?: {
    inputs(): LiteralMap | Promise<LiteralMap>;
    index: number;
    check(run: PropellerRunResult): void | Promise<void>;
  };
}

/** Runs the executor conformance steps for `executor` as steps of `t`. */
export async function executorConformance(
  t: Deno.TestContext,
  executor: ExecutorCase,
): Promise<void> {
  const run = async (
    options: CaseRun & Omit<PropellerRunOptions, "template" | "inputs" | "env"> & {
      mapped?: boolean;
    },
  ): Promise<PropellerRunResult> => {
    const { custom, inputs, env, mapped, ...rest } = options;
    const template = await executor.template(custom);
    return await runPropeller({
      ...rest,
      ...(executor.program ? { program: executor.program } : {}),
      template: mapped ? mapTaskTemplate(template) : template,
      inputs: await (inputs ?? executor.inputs)(),
      env: { ...executor.env, ...env },
    });
  };

  await t.step("valid inputs: outputs.pb and nothing else, exit 0", async () => {
    const result = await run({});
    assertEquals(result.code, 0, result.stderr);
    assertEquals(result.files, ["outputs.pb"], result.error?.message ?? result.stderr);
    await executor.checkOutputs(result);
  });

  await t.step("config it refuses: USER:InvalidConfig, no outputs.pb", async () => {
    const result = await run({ custom: executor.badConfig });
    assertFailure(result, ["USER:InvalidConfig", NON_RECOVERABLE, USER]);
  });

  await t.step("an input of the wrong kind: USER:InvalidInput naming the variable", async () => {
    const valid = await executor.inputs();
    const [name, literal] = Object.entries(valid.literals ?? {})[0];
    const isString = literal.scalar?.primitive?.stringValue !== undefined &&
      literal.scalar?.primitive?.stringValue !== null;
    const wrong = isString
      ? { scalar: { primitive: { boolean: true } } }
      : { scalar: { primitive: { stringValue: "not the declared type" } } };
    const result = await run({
      inputs: () => ({ literals: { ...valid.literals, [name]: wrong } }),
    });
    assertFailure(result, ["USER:InvalidInput", NON_RECOVERABLE, USER]);
    assertStringIncludes(result.error!.message!, `"${name}"`);
  });

  await t.step("no inputs.pb: SYSTEM:InputsNotFound, recoverable", async () => {
    const result = await runPropeller({
      ...(executor.program ? { program: executor.program } : {}),
      template: await executor.template(),
      inputs: null,
      env: executor.env,
    });
    assertFailure(result, ["SYSTEM:InputsNotFound", RECOVERABLE, SYSTEM]);
  });

  await t.step("a failure while it runs: its code, kind and origin, no outputs.pb", async () => {
    const { code, recoverable, origin, message, ...failing } = executor.failure;
    const result = await run(failing);
    assertFailure(result, [
      code,
      recoverable ? RECOVERABLE : NON_RECOVERABLE,
      origin === "user" ? USER : SYSTEM,
    ]);
    if (typeof message === "string") assertStringIncludes(result.error!.message!, message);
    if (message instanceof RegExp) {
      assert(message.test(result.error!.message!), result.error!.message!);
    }
  });

  if (executor.slow) {
    const { when, ...slow } = executor.slow;
    await t.step("SIGTERM while it runs: SYSTEM:Aborted within 5 s, no outputs.pb", async () => {
      const result = await run({
        ...slow,
        interrupt: { when: when ?? /Running task/ },
        timeoutMs: 60_000,
      });
      assertFailure(result, ["SYSTEM:Aborted", RECOVERABLE, SYSTEM], { anyExit: true });
      assert(
        result.msAfterInterrupt !== undefined && result.msAfterInterrupt < 5_000,
        `error.pb ${result.msAfterInterrupt} ms after the signal`,
      );
    });
  }

  if (executor.array) {
    const array = executor.array;
    await t.step("an ArrayNode sub-node runs on element `index` of each collection", async () => {
      const result = await run({ inputs: array.inputs, arrayIndex: array.index, mapped: true });
      assertEquals(result.code, 0, result.stderr);
      assertEquals(result.files, ["outputs.pb"], result.error?.message ?? result.stderr);
      await array.check(result);
    });
  }
}

/** The template of a map task over `template`: every input and output variable a list of it. */
export function mapTaskTemplate(template: TaskTemplate): TaskTemplate {
  const lists = (variables: Record<string, flyteidl.core.IVariable> = {}) => ({
    variables: Object.fromEntries(
      Object.entries(variables).map((
        [name, v],
      ) => [name, { ...v, type: { collectionType: v.type } }]),
    ),
  });
  return {
    ...template,
    interface: {
      inputs: lists(template.interface?.inputs?.variables ?? {}),
      outputs: lists(template.interface?.outputs?.variables ?? {}),
    },
  };
}

/**
 * A failed run: exit 0 (unless `anyExit`), an error document with `code`, `kind` and `origin`,
 * and no `outputs.pb` beside it.
 */
export function assertFailure(
  run: PropellerRunResult,
  [code, kind, origin]: [code: string, kind: number, origin: number],
  options: { anyExit?: boolean } = {},
): void {
  if (!options.anyExit) assertEquals(run.code, 0, run.stderr);
  assert(run.error, `no error document; files: ${run.files.join(", ")}\n${run.stderr}`);
  assertEquals(
    [run.error.code, run.error.kind, run.error.origin],
    [code, kind, origin],
    run.error.message ?? "",
  );
  assertEquals(run.files, [run.errorFile], "the error document only: no outputs.pb");
}
