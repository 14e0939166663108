// The runtime against a real S3 server (s3rver): propeller's layout in a bucket, data uploaded under
// the raw output prefix, error documents in S3, and the one case that exits non-zero: storage gone.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { flyteidl } from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { FlyteFile, Types, valuesToLiteralMap } from "../types/mod.ts";
import { prepareNode, runNode, runPropeller } from "../_testing/propeller.ts";
import { TEST_PROGRAM, testTemplate } from "../_testing/runtime_fixtures.ts";
import { startS3rver } from "../_testing/s3rver.ts";

Deno.test("s3: a task runs on propeller's layout in a bucket", async (t) => {
  await using s3 = await startS3rver({ buckets: ["my-s3-bucket"] });
  const storage = createStorage({ s3: s3.config });
  await t.step("success: outputs.pb and uploaded data in S3", async () => {
    await storage.write(
      "s3://my-s3-bucket/inputs/data.csv",
      new TextEncoder().encode("a,b\n1,2\n"),
    );
    const types = { s: Types.string, file: Types.file("csv") };
    const literalTypes = { s: types.s.literalType, file: types.file.literalType };
    const run = await runPropeller({
      program: TEST_PROGRAM,
      template: testTemplate("echo", "flytekit.unknown.EchoAlias", {
        inputs: literalTypes,
        outputs: literalTypes,
        args: testTemplate("echo", "tests.echo").container!.args!,
      }),
      inputs: await valuesToLiteralMap({
        s: "from s3",
        file: new FlyteFile({ uri: "s3://my-s3-bucket/inputs/data.csv", format: "csv" }),
      }, types),
      root: "s3://my-s3-bucket",
      storage,
      env: s3.env,
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.files, ["outputs.pb"], run.error?.message ?? "");
    assertMatch(run.paths.outputPrefix, /^s3:\/\/my-s3-bucket\/metadata\/propeller\//);
    const out = run.outputs!.literals!;
    assertEquals(out.s.scalar!.primitive!.stringValue, "from s3");
    const uri = out.file.scalar!.blob!.uri!;
    assertMatch(uri, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}/data\\.csv$`));
    assertEquals(new TextDecoder().decode(await storage.read(uri)), "a,b\n1,2\n");
  });

  await t.step("failure: error.pb is written to S3", async () => {
    const run = await runPropeller({
      program: TEST_PROGRAM,
      template: testTemplate("fail", "tests.fail", { custom: { kind: "user" } }),
      root: "s3://my-s3-bucket/failing",
      storage,
      env: s3.env,
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.files, ["error.pb"]);
    assertEquals(run.error?.code, "USER:SqlError");
  });

  await t.step("a missing inputs.pb in S3 is SYSTEM:InputsNotFound (retried)", async () => {
    const run = await runPropeller({
      program: TEST_PROGRAM,
      template: testTemplate("echo", "tests.echo", { inputs: { n: Types.integer.literalType } }),
      inputs: null,
      root: "s3://my-s3-bucket/no-inputs",
      storage,
      env: s3.env,
    });
    assertEquals([run.error?.code, run.error?.kind], [
      "SYSTEM:InputsNotFound",
      flyteidl.core.ContainerError.Kind.RECOVERABLE,
    ]);
  });
});

Deno.test("s3: with storage unreachable, not even error.pb can be written: exit 2", async () => {
  const s3 = await startS3rver({ buckets: ["gone"] });
  const storage = createStorage({ s3: s3.config });
  const template = testTemplate("echo", "tests.echo");
  // Lay out the node while the server runs, then stop it and start the program.
  const node = await prepareNode({ template, root: "s3://gone", storage, env: s3.env });
  await s3.stop();
  const started = performance.now();
  const failed = await runNode(
    { ...node, env: { ...node.env, FLYTE_AWS_RETRIES: "1", FLYTE_AWS_BACKOFF_SECONDS: "0.01" } },
    { program: TEST_PROGRAM },
  );
  assertEquals(failed.code, 2, failed.stderr);
  const lines = failed.stderr.trim().split("\n").map((l) => JSON.parse(l));
  assert(
    lines.some((l) => l.message === "Task failed" && l.code === "SYSTEM:StorageError"),
    failed.stderr,
  );
  assert(lines.some((l) => l.message === "Cannot write the error document"), failed.stderr);
  assert(performance.now() - started < 30_000);
});
