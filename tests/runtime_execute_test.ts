// The runtime end to end, through the propeller harness: success paths and every literal kind.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { encodeLiteral, fromInt64, type LiteralMap } from "../idl/mod.ts";
import {
  Duration,
  FlyteDirectory,
  FlyteFile,
  literalMapToValues,
  StructuredDataset,
  Timestamp,
  Types,
  valuesToLiteralMap,
} from "../types/mod.ts";
import { DEFAULT_PROGRAM, renderArgs, runPropeller } from "../_testing/propeller.ts";
import { TEST_PROGRAM, testTemplate } from "../_testing/runtime_fixtures.ts";

const KINDS = {
  i: Types.integer,
  f: Types.float,
  s: Types.string,
  b: Types.boolean,
  dt: Types.datetime,
  du: Types.duration,
  n: Types.none,
  file: Types.file("csv"),
  dir: Types.directory(),
  sd: Types.structuredDataset({ columns: { id: Types.integer, name: Types.string } }),
  schema: Types.schema({ id: Types.integer, label: Types.string }),
  xs: Types.list(Types.integer),
  m: Types.map(Types.string),
  st: Types.struct(),
  gen: Types.struct({ format: "generic" }),
  e: Types.enum(["red", "green"]),
  u: Types.optional(Types.string),
  either: Types.union(Types.integer, Types.string),
  nested: Types.list(Types.map(Types.float)),
};

const literalTypes = Object.fromEntries(
  Object.entries(KINDS).map(([k, d]) => [k, d.literalType]),
);

async function kindInputs(dir: string): Promise<LiteralMap> {
  await Deno.writeTextFile(`${dir}/data.csv`, "a,b\n1,2\n");
  await Deno.mkdir(`${dir}/folder/sub`, { recursive: true });
  await Deno.writeTextFile(`${dir}/folder/one.txt`, "1");
  await Deno.writeTextFile(`${dir}/folder/sub/two.txt`, "2");
  return await valuesToLiteralMap({
    i: 2n ** 60n,
    f: 1.5,
    s: "héllo\nworld",
    b: true,
    dt: Timestamp.parse("2024-05-01T12:30:00.123456789Z"),
    du: new Duration(90n, 5),
    n: null,
    file: new FlyteFile({ uri: `${dir}/data.csv`, format: "csv" }),
    dir: new FlyteDirectory({ uri: `${dir}/folder` }),
    sd: new StructuredDataset({ uri: "s3://bucket/data/ab/cd", format: "parquet" }),
    schema: new StructuredDataset({ uri: "s3://bucket/data/ef/gh" }),
    xs: [1n, 2n, 3n],
    m: { a: "x", b: "y" },
    st: { k: [1, "two", { three: true }] },
    gen: { a: 1, b: "c" },
    e: "green",
    u: "maybe",
    either: 7n,
    nested: [{ a: 1.5 }, {}],
  }, literalTypes);
}

Deno.test("execute: every literal kind round-trips through the whole path", async () => {
  const dir = await tempDir();
  const inputs = await kindInputs(dir);
  const run = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("echo", "tests.executors.EchoExecutor", {
      inputs: literalTypes,
      outputs: literalTypes,
    }),
    inputs,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.error, undefined, run.error?.message ?? "");
  assertEquals(run.files, ["outputs.pb"]);
  const out = run.outputs!.literals!;
  // Scalars and containers come back literally equal.
  for (
    const name of [
      "i",
      "f",
      "s",
      "b",
      "dt",
      "du",
      "n",
      "xs",
      "m",
      "st",
      "gen",
      "e",
      "u",
      "either",
      "nested",
      "sd",
      "schema",
    ]
  ) {
    assertEquals(encodeLiteral(out[name]), encodeLiteral(inputs.literals![name]), name);
  }
  assertEquals(fromInt64(out.i.scalar!.primitive!.integer), 2n ** 60n);
  // Files and folders were uploaded under the raw output prefix: <raw>/<32 hex>/<name>.
  const fileUri = out.file.scalar!.blob!.uri!;
  assertMatch(fileUri, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}/data\\.csv$`));
  assertEquals(out.file.scalar!.blob!.metadata!.type!.format, "csv");
  assertEquals(await Deno.readTextFile(fileUri), "a,b\n1,2\n");
  const dirUri = out.dir.scalar!.blob!.uri!;
  assert(dirUri.startsWith(run.paths.rawOutputPrefix + "/"), dirUri);
  assertEquals(await Deno.readTextFile(`${dirUri}/sub/two.txt`), "2");
  // And the values read back are the ones sent.
  const values = await literalMapToValues(run.outputs!, literalTypes);
  assertEquals(values.s, "héllo\nworld");
  assertEquals((values.dt as Timestamp).nanos, 123_456_789);
  assertEquals(values.st, { k: [1, "two", { three: true }] });
});

Deno.test("execute: execution identity from propeller's environment reaches the executor", async () => {
  const run = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("echo", "tests.echo", { custom: { log: true } }),
    attempt: 2,
    execution: { name: "abc123", project: "p1", domain: "staging" },
  });
  assertEquals(run.code, 0, run.stderr);
  const line = run.stdout.split("\n").find((l) => l.includes("Execution identity"));
  assert(line, run.stdout);
  const logged = JSON.parse(line);
  assertEquals([logged.project, logged.domain, logged.name, logged.attempt], [
    "p1",
    "staging",
    "abc123",
    2,
  ]);
  assertEquals(logged.raw, run.paths.rawOutputPrefix);
  assertEquals(logged.task, {
    project: "flytesnacks",
    domain: "development",
    name: "tests.echo",
    version: "v1",
  });
  // One JSON object per line on stdout.
  for (const l of run.stdout.trim().split("\n")) {
    assertEquals(typeof JSON.parse(l).message, "string");
  }
});

Deno.test("execute: a task without outputs writes an empty outputs.pb; no inputs.pb is fine", async () => {
  const run = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("echo", "tests.echo"),
    inputs: null,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["outputs.pb"]);
  assertEquals(Object.keys(run.outputs!.literals ?? {}), []);
});

Deno.test("execute: the `execute` command and flyteshim's resolver name work too", async () => {
  const template = testTemplate("echo", "tests.echo", {
    inputs: { s: Types.string.literalType },
    outputs: { s: Types.string.literalType },
    args: [
      "execute",
      "--inputs={{ .Input }}",
      "--output-prefix",
      "{{$OutputPrefix}}",
      "--raw-output-data-prefix",
      "{{.RAWOUTPUTDATAPREFIX}}",
      "--resolver",
      "flyteshim.resolver",
      "--",
      "{{.TaskTemplatePath}}",
      "tests.echo",
    ],
  });
  const inputs = await valuesToLiteralMap({ s: "x" }, { s: Types.string });
  const run = await runPropeller({ program: TEST_PROGRAM, template, inputs });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.outputs!.literals!.s.scalar!.primitive!.stringValue, "x");
});

Deno.test("execute: started under the name pyflyte-execute, no command needed", async () => {
  const dir = await tempDir();
  const link = `${dir}/pyflyte-execute`;
  await Deno.symlink(Deno.execPath(), link);
  const template = testTemplate("echo", "tests.echo", { outputs: {} });
  const run = await runPropeller({
    program: [link, ...TEST_PROGRAM.slice(1)],
    template,
    args: template.container!.args!.slice(1), // without the leading "pyflyte-execute"
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["outputs.pb"]);
});

Deno.test("execute: an executor may return a literal map as it is", async () => {
  const run = await runPropeller({
    program: TEST_PROGRAM,
    template: testTemplate("literal", "tests.literal", {
      outputs: { out: Types.string.literalType },
    }),
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.outputs!.literals!.out.scalar!.primitive!.stringValue, "raw literal");
});

Deno.test("execute: --test loads the task and writes nothing", async () => {
  const template = testTemplate("echo", "tests.echo");
  const args = [...template.container!.args!];
  args.splice(1, 0, "--test");
  const run = await runPropeller({ program: TEST_PROGRAM, template, args });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, []);
  assertStringIncludes(run.stdout, "--test");
});

Deno.test("execute: the shipped entrypoint reports an unknown executor in error.pb", async () => {
  const run = await runPropeller({
    program: DEFAULT_PROGRAM,
    template: testTemplate("echo", "tests.echo"),
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.error?.code, "USER:ExecutorNotFound");
  assertStringIncludes(run.error!.message!, '"flyteshim.sqlite3"');
});

Deno.test("harness: placeholders render as propeller renders them", () => {
  const values = {
    input: "/d/inputs.pb",
    inputPrefix: "/d",
    outputPrefix: "/d/0",
    rawOutputDataPrefix: "s3://b/raw",
    prevCheckpointPrefix: "",
    checkpointOutputPrefix: "s3://b/raw/_flytecheckpoints",
    perRetryUniqueKey: "a1_n0_0",
    taskTemplatePath: "/d/task.pb",
  };
  assertEquals(
    renderArgs([
      "{{.input}}",
      "{{ .Input }}",
      "{{$inputPrefix}}",
      "x={{.outputPrefix}}",
      "{{.prevCheckpointPrefix}}",
      "{{.checkpointOutputPrefix}}",
      "{{.perRetryUniqueKey}}",
      "{{.taskTemplatePath}}",
      "{{.rawOutputDataPrefix}}",
    ], values),
    [
      "/d/inputs.pb",
      "/d/inputs.pb",
      "/d",
      "x=/d/0",
      '""',
      "s3://b/raw/_flytecheckpoints",
      "a1_n0_0",
      "/d/task.pb",
      "s3://b/raw",
    ],
  );
});
