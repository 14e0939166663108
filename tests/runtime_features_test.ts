// Beyond flytekit, through the propeller harness: array tasks, checkpoints, literal offloading
// and SIGTERM.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { encodeLiteral, flyteidl, fromInt64 } from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { checkpointContainerArgs, runPropeller } from "../_testing/propeller.ts";
import { TEST_PROGRAM, testTemplate } from "../_testing/runtime_fixtures.ts";

const { RECOVERABLE, NON_RECOVERABLE } = flyteidl.core.ContainerError.Kind;
const { USER, SYSTEM } = flyteidl.core.ExecutionError.ErrorKind;

const mapped = {
  xs: Types.list(Types.integer),
  names: Types.list(Types.string),
  bound: Types.string,
};
const mappedTypes = Object.fromEntries(Object.entries(mapped).map(([k, d]) => [k, d.literalType]));

async function arrayRun(index: number, env: Record<string, string> = {}) {
  return await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("echo", "tests.echo", { inputs: mappedTypes, outputs: mappedTypes }),
    inputs: await valuesToLiteralMap(
      { xs: [10n, 20n, 30n], names: ["a", "b", "c"], bound: "same" },
      mapped,
    ),
    arrayIndex: index,
    env,
  });
}

Deno.test("array: a sub-node takes element `index` of every collection input", async () => {
  const run = await arrayRun(1);
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.error, undefined, run.error?.message ?? "");
  // Its own output prefix, <array node output dir>/<index>/<attempt>.
  assertMatch(run.paths.outputPrefix, /\/n0\/data\/0\/1\/0$/);
  const out = run.outputs!.literals!;
  assertEquals(fromInt64(out.xs.scalar!.primitive!.integer), 20n);
  assertEquals(out.names.scalar!.primitive!.stringValue, "b");
  assertEquals(out.bound.scalar!.primitive!.stringValue, "same");
  assertEquals(out.xs.collection ?? undefined, undefined);
});

Deno.test("array: BATCH_JOB_ARRAY_INDEX_OFFSET shifts the index", async () => {
  const run = await arrayRun(0, { BATCH_JOB_ARRAY_INDEX_OFFSET: "2" });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(fromInt64(run.outputs!.literals!.xs.scalar!.primitive!.integer), 30n);
});

Deno.test("array: an index past the end is USER:InvalidInput", async () => {
  const run = await arrayRun(3);
  assertEquals(run.code, 0);
  assertEquals([run.error?.code, run.error?.kind, run.error?.origin], [
    "USER:InvalidInput",
    NON_RECOVERABLE,
    USER,
  ]);
  assertStringIncludes(run.error!.message!, "has 3 elements");
});

Deno.test("checkpoints: an attempt restores the previous attempt's checkpoint and saves its own", async () => {
  const root = await tempDir();
  const template = testTemplate("checkpoint", "tests.checkpoint", {
    custom: { succeedAt: 2 },
    args: checkpointContainerArgs("tests.checkpoint"),
    outputs: { count: Types.integer.literalType, previous: Types.string.literalType },
  });
  const first = await runPropeller({ program: TEST_PROGRAM, template, root, attempt: 0 });
  // Attempt 0: no previous checkpoint (rendered ""), saves count 1, fails recoverably.
  assert(first.args.includes('""'), first.args.join(" "));
  assertEquals([first.error?.code, first.error?.kind, first.error?.origin], [
    "SYSTEM:TestRetry",
    RECOVERABLE,
    SYSTEM,
  ]);
  assertEquals(await Deno.readTextFile(`${first.paths.checkpoint}/count.txt`), "1");

  const second = await runPropeller({ program: TEST_PROGRAM, template, root, attempt: 1 });
  assertEquals(second.paths.prevCheckpoint, first.paths.checkpoint);
  assertEquals(second.code, 0, second.stderr);
  assertEquals(second.error, undefined, second.error?.message ?? "");
  assertEquals(fromInt64(second.outputs!.literals!.count.scalar!.primitive!.integer), 2n);
  assertEquals(
    second.outputs!.literals!.previous.scalar!.primitive!.stringValue,
    first.paths.checkpoint,
  );
  assertEquals(await Deno.readTextFile(`${second.paths.checkpoint}/count.txt`), "2");
});

Deno.test("checkpoints: without --checkpoint-path the executor gets none", async () => {
  const run = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("checkpoint", "tests.checkpoint"),
  });
  assertEquals(run.error?.code, "USER:NoCheckpoint");
});

const MB = 1024 * 1024;

Deno.test("offloading: a large output goes to <name>_offloaded_metadata.pb, outputs.pb refers to it", async () => {
  const run = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("big", "tests.big", {
      custom: { bytes: 1.5 * MB },
      outputs: { out: Types.string.literalType },
    }),
    offload: { minMB: 1, maxMB: 4 },
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["out_offloaded_metadata.pb", "outputs.pb"]);
  const ref = run.outputs!.literals!.out;
  const meta = ref.offloadedMetadata!;
  assertEquals(meta.uri, `${run.paths.outputPrefix}/out_offloaded_metadata.pb`);
  assertEquals(meta.inferredType?.simple, flyteidl.core.SimpleType.STRING);
  assertMatch(ref.hash!, /^[0-9a-f]{64}$/);
  const literal = await run.readLiteral("out_offloaded_metadata.pb");
  assertEquals(literal.scalar!.primitive!.stringValue!.length, 1.5 * MB);
  assertEquals(Number(fromInt64(meta.sizeBytes)), encodeLiteral(literal).length);
  // outputs.pb itself stays small.
  const size = (await Deno.stat(`${run.paths.outputPrefix}/outputs.pb`)).size;
  assert(size < 1024, `outputs.pb is ${size} bytes`);
});

Deno.test("offloading: small outputs stay inline; over the maximum is USER:OutputTooLarge", async () => {
  const template = testTemplate("big", "tests.big", {
    custom: { bytes: 1000 },
    outputs: { out: Types.string.literalType },
  });
  const small = await runPropeller({ program: TEST_PROGRAM, template, offload: { minMB: 1 } });
  assertEquals(small.files, ["outputs.pb"]);
  assertEquals(small.outputs!.literals!.out.scalar!.primitive!.stringValue!.length, 1000);

  const tooBig = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("big", "tests.big", {
      custom: { bytes: 1.2 * MB },
      outputs: { out: Types.string.literalType },
    }),
    offload: { minMB: 0.5, maxMB: 1 },
  });
  assertEquals(tooBig.code, 0);
  assertEquals(tooBig.files, ["error.pb"]);
  assertEquals([tooBig.error?.code, tooBig.error?.kind], ["USER:OutputTooLarge", NON_RECOVERABLE]);
});

for (const ignoreSignal of [false, true]) {
  Deno.test(`sigterm: abort, SYSTEM:Aborted error.pb, prompt exit (executor ${ignoreSignal ? "ignores" : "honours"} the signal)`, async () => {
    // The pod's own TMPDIR: the work folder must be gone even when the executor never stops.
    const podTmp = await tempDir({ prefix: "flyteshim-pod-tmp-" });
    const run = await runPropeller({
      program: TEST_PROGRAM,
      template: testTemplate("sleep", "tests.sleep", { custom: { ignoreSignal } }),
      interrupt: { when: /"Sleeping"/ },
      timeoutMs: 20_000,
      env: { TMPDIR: podTmp },
    });
    assertEquals([...Deno.readDirSync(podTmp)].map((e) => e.name), []);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.signal, null);
    assertEquals(run.files, ["error.pb"]);
    assertEquals([run.error?.code, run.error?.kind, run.error?.origin], [
      "SYSTEM:Aborted",
      RECOVERABLE,
      SYSTEM,
    ]);
    assertStringIncludes(run.error!.message!, "SIGTERM");
    // Prompt: the executor's wind-down grace (2 s) at most, plus writing error.pb.
    assert(
      run.msAfterInterrupt !== undefined && run.msAfterInterrupt < 4000,
      `took ${run.msAfterInterrupt} ms`,
    );
    if (!ignoreSignal) assert(run.msAfterInterrupt < 1500, `took ${run.msAfterInterrupt} ms`);
  });
}
