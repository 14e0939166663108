// Local runs: `task.run(inputs)` and `deno task run` on a real SQLite3 task and on flytekit's own
// serialized template, through the runtime's resolver and dispatch; datasets read back as rows
// and cross-checked with DuckDB.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { DatabaseSync } from "node:sqlite";
import { FlyteshimError } from "../errors.ts";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  encodeLiteralMap,
  encodeTaskTemplate,
  jsonToStruct,
} from "../idl/mod.ts";
import { readDataset, sqlite3Task, toTaskTemplate } from "../task/mod.ts";
import { Types } from "../types/mod.ts";
import { runCli } from "../cli/run_cli.ts";
import { StructuredDataset } from "../types/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;
const FIXTURE = new URL("../testdata/idl/flytekit-sqlite3/template.pb", import.meta.url);

/** A folder with a 40-track database, removed by `await using`. */
async function database(): Promise<{ dir: string; db: string } & AsyncDisposable> {
  const dir = await tempDir({ prefix: "flyteshim-sdk-run-" });
  const db = `${dir}/music.db`;
  const sqlite = new DatabaseSync(db);
  sqlite.exec("create table tracks(TrackId integer primary key, Name text, Price real)");
  const insert = sqlite.prepare("insert into tracks values (?, ?, ?)");
  sqlite.exec("begin");
  for (let i = 1; i <= 40; i++) insert.run(i, `Track ${i}`, i / 4);
  sqlite.exec("commit");
  sqlite.close();
  return { dir, db, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

function tracksTask(db: string) {
  return sqlite3Task({
    name: "sql.tracks",
    queryTemplate:
      "select TrackId, Name, Price from tracks\nwhere TrackId > {{ .inputs.after }}\nlimit {{ .inputs.limit }}",
    uri: db,
    inputs: { limit: Types.integer, after: Types.integer },
  });
}

async function cli(args: string[], cwd: string) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    cwd,
    env: {},
    stdout: (t) => stdout += t,
    stderr: (t) => stderr += t,
    tty: false,
  });
  return { code, stdout, stderr };
}

Deno.test("sdk run: task.run runs a SQLite3 task in-process and returns a dataset readable as rows", async () => {
  await using fixture = await database();
  const { dir, db } = fixture;
  const runDir = `${dir}/run`;
  const { results } = await tracksTask(db).run({ limit: 3, after: 10 }, { dir: runDir });
  assert(results instanceof StructuredDataset);
  assertEquals(results.format, "parquet");
  assert(results.uri.startsWith(`${runDir}/raw/`), results.uri);
  const data = await readDataset(results);
  assertEquals(data.columns, ["TrackId", "Name", "Price"]);
  assertEquals(data.rows, [
    { TrackId: 11n, Name: "Track 11", Price: 2.75 },
    { TrackId: 12n, Name: "Track 12", Price: 3 },
    { TrackId: 13n, Name: "Track 13", Price: 3.25 },
  ]);
  assertEquals(data.totalRows, 3);
  // The container's files, as pyflyte-execute would leave them.
  const template = decodeTaskTemplate(await Deno.readFile(`${runDir}/task.pb`));
  assertEquals(template.type, "sqlite");
  const outputs = decodeLiteralMap(await Deno.readFile(`${runDir}/outputs/outputs.pb`));
  assertEquals(outputs.literals?.results.scalar?.structuredDataset?.uri, results.uri);
  // DuckDB reads the same file independently.
  const files = [...Deno.readDirSync(results.uri)].map((e) => e.name);
  assertEquals(files, ["00000"]);
  const table = await readParquet(`${results.uri}/00000`);
  assertEquals(table.rows.map((r) => r[1]), ["Track 11", "Track 12", "Track 13"]);
});

Deno.test("sdk run: a failing local run rejects with the classified error error.pb would hold", async () => {
  await using fixture = await database();
  const { db } = fixture;
  const task = sqlite3Task({ name: "bad", queryTemplate: "select * from no_such_table", uri: db });
  const error = await assertRejects(() => task.run({}), FlyteshimError);
  assertEquals(error.origin, "user");
  assertStringIncludes(error.message, "no_such_table");
  const missing = sqlite3Task({ name: "gone", queryTemplate: "select 1", uri: `${db}.missing` });
  assertEquals((await assertRejects(() => missing.run({}), FlyteshimError)).origin, "user");
});

/** Writes `<dir>/tasks.ts`: a task `tracks` selecting `columns` with inputs `after` and `limit`. */
function writeTracksModule(dir: string, db: string, columns: string): Promise<void> {
  return Deno.writeTextFile(
    `${dir}/tasks.ts`,
    `import { sqlite3Task, Types } from "${MOD}";
export const tracks = sqlite3Task({
  name: "sql.tracks",
  queryTemplate: "select ${columns} from tracks where TrackId > {{ .inputs.after }} limit {{ .inputs.limit }}",
  uri: ${JSON.stringify(db)},
  inputs: { limit: Types.integer, after: Types.integer },
});
`,
  );
}

Deno.test("sdk run: deno task run <module> <export> --flags prints a dataset as a table", async () => {
  await using fixture = await database();
  const { dir, db } = fixture;
  await writeTracksModule(dir, db, "TrackId, Name");
  const run = await cli(
    ["run", "tasks.ts", "tracks", "--limit", "25", "--after=5", "--rows", "2"],
    dir,
  );
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "results: structured dataset (parquet) at ");
  assertStringIncludes(
    run.stdout,
    "TrackId | Name\n--------+--------\n6       | Track 6\n7       | Track 7\n",
  );
  assertStringIncludes(run.stdout, "(2 of 25 rows)");
  assertStringIncludes(run.stderr, "The run folder, with the outputs' data files, is removed");

  await Deno.writeTextFile(`${dir}/inputs.json`, JSON.stringify({ limit: 1, after: "39" }));
  const json = await cli(["tasks.ts", "tracks", "--inputs", "inputs.json", "--json"], dir);
  assertEquals(json.code, 0, json.stderr);
  const printed = JSON.parse(json.stdout);
  assertEquals(printed.results.format, "parquet");

  const bad = await cli(["run", "tasks.ts", "tracks", "--limit", "ten", "--after", "1"], dir);
  assertEquals(bad.code, 2);
  assertStringIncludes(
    bad.stderr,
    'Error USER:InvalidInput: Cannot parse input "limit": expected an integer, found "ten"',
  );
  const missing = await cli(["run", "tasks.ts", "tracks", "--limit", "1"], dir);
  assertEquals(missing.code, 2);
  assertStringIncludes(missing.stderr, 'missing "--after" (integer)');
  const described = await cli(["run", "tasks.ts", "tracks", "--help"], dir);
  assertEquals(described.code, 0);
  assertStringIncludes(
    described.stdout,
    'Task "sql.tracks" (type sqlite, executor flyteshim.sqlite3)\n\nInputs:\n  --limit <integer>\n  --after <integer>\n\nOutputs:\n  results: structured dataset\n',
  );
  // A module with one task runs it without naming the export.
  const only = await cli(["run", "tasks.ts", "--limit", "1", "--after", "0"], dir);
  assertEquals(only.code, 0, only.stderr);
  assertStringIncludes(only.stdout, "(1 of 1 row)");
  const unknown = await cli([
    "run",
    "tasks.ts",
    "tracks",
    "--limit",
    "1",
    "--after",
    "1",
    "--x",
    "1",
  ], dir);
  assertStringIncludes(
    unknown.stderr,
    'Cannot use input "x": the task has inputs "limit", "after"',
  );
});

Deno.test("sdk run: deno task run --template runs flytekit's own SQLite3Task template unchanged", async () => {
  await using fixture = await database();
  const { dir, db } = fixture;
  // flytekit's bytes, with custom.uri pointing at this test's database.
  const template = decodeTaskTemplate(await Deno.readFile(FIXTURE));
  template.custom = jsonToStruct({
    compressed: false,
    query_template: "select TrackId, Name from tracks limit {{ .inputs.limit }}",
    uri: db,
  });
  await Deno.writeFile(`${dir}/task.pb`, encodeTaskTemplate(template));
  const run = await cli(["run", "--template", "task.pb", "--limit", "4", "--dir", "out"], dir);
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "1       | Track 1\n");
  assertStringIncludes(run.stdout, "(4 of 4 rows)");
  // The declared output is flytekit's legacy schema; the literal is a structured dataset.
  const outputs = decodeLiteralMap(await Deno.readFile(`${dir}/out/outputs/outputs.pb`));
  assert(outputs.literals?.results.scalar?.structuredDataset?.uri);

  // Without container args, the executor is found by task type.
  template.container = { image: "x" };
  await Deno.writeFile(`${dir}/bare.pb`, encodeTaskTemplate(template));
  const bare = await cli(["run", "--template", "bare.pb", "--limit", "1", "--rows", "0"], dir);
  assertEquals(bare.code, 0, bare.stderr);

  const failed = await cli(
    ["run", "--template", "task.pb", "--limit", "-1", "--executor", "nope"],
    dir,
  );
  assertEquals(failed.code, 1);
  assertStringIncludes(failed.stderr, "nope");
  const notTemplate = await cli(["run", "--template", "tasks.json"], dir);
  assertEquals(notTemplate.code, 2);
  // An inputs file given as the template says what it is, as the container does.
  await Deno.writeFile(
    `${dir}/inputs.pb`,
    encodeLiteralMap({ literals: { limit: { scalar: { primitive: { integer: 2 } } } } }),
  );
  const inputsFile = await cli(["run", "--template", "inputs.pb", "--limit", "1"], dir);
  assertEquals(inputsFile.code, 2, inputsFile.stderr);
  assertStringIncludes(
    inputsFile.stderr,
    `Error USER:InvalidTemplate: Cannot load task template "${dir}/inputs.pb": the file is not a binary flyteidl.core.TaskTemplate; it looks like a flyteidl.core.LiteralMap (an inputs.pb or outputs.pb)`,
  );
});

Deno.test("sdk run: a large database download shows progress lines (a bar on a terminal)", async () => {
  await using fixture = await database();
  const { dir, db } = fixture;
  const sqlite = new DatabaseSync(db);
  sqlite.exec("create table pad(x text); begin");
  const insert = sqlite.prepare("insert into pad values (?)");
  for (let i = 0; i < 3000; i++) insert.run("x".repeat(1000));
  sqlite.exec("commit");
  sqlite.close();
  const bytes = await Deno.readFile(db);
  assert(bytes.length > 2 * 1024 * 1024);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(bytes, { headers: { "content-length": String(bytes.length) } }),
  );
  try {
    const uri = `http://127.0.0.1:${server.addr.port}/music.db`;
    await Deno.writeTextFile(
      `${dir}/remote.ts`,
      `import { sqlite3Task } from "${MOD}";
export const first = sqlite3Task({ name: "first", queryTemplate: "select TrackId from tracks limit 1", uri: "${uri}" });
`,
    );
    const plain = await cli(["run", "remote.ts", "first"], dir);
    assertEquals(plain.code, 0, plain.stderr);
    assertStringIncludes(plain.stderr, `Downloading ${uri}: `);
    assertStringIncludes(plain.stderr, `(100%)\nDownloaded ${uri}: `);
    let stderr = "";
    const tty = await runCli(["run", "remote.ts", "first", "--rows", "0"], {
      cwd: dir,
      env: {},
      stdout: () => {},
      stderr: (t) => stderr += t,
      tty: true,
    });
    assertEquals(tty, 0);
    assertStringIncludes(stderr, "\r\x1b[2Kmusic.db [");
    assertStringIncludes(stderr, "100%");
  } finally {
    await server.shutdown();
  }
});

Deno.test("sdk run: the serialized template runs in the container entrypoint with its own args, both flavors", async () => {
  await using fixture = await database();
  const { dir, db } = fixture;
  const task = sqlite3Task({
    name: "sql.tracks",
    image: "ghcr.io/acme/flyteshim:0.1.0",
    queryTemplate: "select TrackId from tracks limit {{ .inputs.limit }}",
    uri: db,
    inputs: { limit: Types.integer },
  });
  for (const flytekitCompatible of [false, true]) {
    const work = `${dir}/pod-${flytekitCompatible}`;
    await Deno.mkdir(work);
    const template = toTaskTemplate(task, { flytekitCompatible });
    await Deno.writeFile(`${work}/task.pb`, encodeTaskTemplate(template));
    await Deno.writeFile(
      `${work}/inputs.pb`,
      encodeLiteralMap({ literals: { limit: { scalar: { primitive: { integer: 2 } } } } }),
    );
    // What propeller renders into the args (an empty previous checkpoint is `""`).
    const fill: Record<string, string> = {
      "{{.input}}": `${work}/inputs.pb`,
      "{{.outputPrefix}}": `${work}/out`,
      "{{.rawOutputDataPrefix}}": `${work}/raw`,
      "{{.checkpointOutputPrefix}}": `${work}/cp`,
      "{{.prevCheckpointPrefix}}": '""',
      "{{.taskTemplatePath}}": `${work}/task.pb`,
    };
    const args = (template.container?.args ?? []).map((a) => fill[a] ?? a);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../entrypoint/main.ts", import.meta.url).pathname, ...args],
      env: { FLYTESHIM_LOG_LEVEL: "error" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const outputs = decodeLiteralMap(await Deno.readFile(`${work}/out/outputs.pb`));
    const uri = outputs.literals?.results.scalar?.structuredDataset?.uri ?? "";
    assert(uri.startsWith(`${work}/raw/`), uri);
    const { rows } = await readDataset(new StructuredDataset({ uri }));
    assertEquals(rows, [{ TrackId: 1n }, { TrackId: 2n }]);
  }
});

Deno.test("sdk run: optional inputs may be left out or given as null, in flags, --inputs and task.run", async () => {
  const dir = await tempDir({ prefix: "sdk-run-" });
  const EXECUTORS = new URL("../executors/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/echo.ts`,
    `import { defineTask, Types } from "${MOD}";
import { defineExecutor } from "${EXECUTORS}";
const echo = defineExecutor({ id: "x.echo", taskTypes: ["echo"], parseConfig: () => ({}),
  execute: (_config, inputs) => Promise.resolve({ note: inputs.note ?? null, n: inputs.n }) });
export const task = defineTask({
  name: "echo", taskType: "echo", executor: echo,
  inputs: { note: Types.optional(Types.string), n: Types.integer },
  outputs: { note: Types.optional(Types.string), n: Types.integer },
});
`,
  );
  let runs = 0;
  const json = async (...args: string[]) => {
    const out = await cli(["run", "echo.ts", ...args, "--json", "--dir", `run-${runs++}`], dir);
    assertEquals(out.code, 0, out.stderr);
    return JSON.parse(out.stdout);
  };
  // Left out, or the one spelling of none: null. Anything else is text, "none" included.
  assertEquals(await json("--n", "5"), { note: null, n: "5" });
  assertEquals(await json("--n", "5", "--note", "null"), { note: null, n: "5" });
  assertEquals(await json("--n", "5", "--note", "none"), { note: "none", n: "5" });
  // int64 is a string in --json whatever its size (proto3 JSON's rule).
  assertEquals((await json("--n", "9007199254740993")).n, "9007199254740993");
  await Deno.writeTextFile(`${dir}/inputs.json`, JSON.stringify({ n: 1, note: null }));
  assertEquals(await json("--inputs", "inputs.json"), { note: null, n: "1" });
  await Deno.writeTextFile(`${dir}/inputs.json`, JSON.stringify({ n: 1 }));
  assertEquals(await json("--inputs", "inputs.json"), { note: null, n: "1" });
  // A required input is still required.
  const missing = await cli(["run", "echo.ts", "--note", "x", "--dir", "missing"], dir);
  assertEquals(missing.code, 2);
  assertStringIncludes(missing.stderr, 'missing "--n" (integer)');
  const help = await cli(["run", "echo.ts", "--help"], dir);
  assertStringIncludes(
    help.stdout,
    '  --note <string or none>  optional: left out or "null" means none\n  --n <integer>\n',
  );
  assertStringIncludes(help.stdout, "[--note <string or none>] --n <integer>");
  // task.run() follows the same rules.
  const { task } = await import(`${dir}/echo.ts`);
  assertEquals(await task.run({ n: 2 }, { dir: `${dir}/a` }), { note: null, n: 2n });
  assertEquals(await task.run({ n: 2, note: null }, { dir: `${dir}/b` }), { note: null, n: 2n });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sdk run: local runs show executor logs at FLYTESHIM_LOG_LEVEL and can resume from a checkpoint", async () => {
  const dir = await tempDir({ prefix: "sdk-run-" });
  const EXECUTORS = new URL("../executors/mod.ts", import.meta.url).href;
  // Counts attempts: reads the previous checkpoint's number, saves the next one.
  await Deno.writeTextFile(
    `${dir}/count.ts`,
    `import { defineTask, Types } from "${MOD}";
import { defineExecutor } from "${EXECUTORS}";
const count = defineExecutor({ id: "x.count", taskTypes: ["count"], parseConfig: () => ({}),
  async execute(_config, _inputs, ctx) {
    const previous = await ctx.checkpoint?.read();
    const n = previous ? Number(new TextDecoder().decode(previous)) + 1 : 1;
    await ctx.checkpoint?.write(new TextEncoder().encode(String(n)));
    ctx.logger.info("Counted", { n });
    ctx.logger.debug("Detail");
    return { n };
  } });
export const task = defineTask({ name: "count", taskType: "count", executor: count, outputs: { n: Types.integer } });
`,
  );
  const first = await cli(["run", "count.ts", "--dir", "one"], dir);
  assertEquals(first.code, 0, first.stderr);
  assertStringIncludes(first.stdout, "n: 1");
  assertStringIncludes(first.stderr, '"level":"info","message":"Counted","n":1');
  assert(!first.stderr.includes("Detail"), first.stderr);
  const second = await cli(
    ["run", "count.ts", "--prev-checkpoint", "one/checkpoint", "--dir", "two"],
    dir,
  );
  assertEquals(second.code, 0, second.stderr);
  assertStringIncludes(second.stdout, "n: 2");
  let stderr = "";
  const quiet = await runCli(["run", "count.ts", "--dir", "quiet"], {
    cwd: dir,
    env: { FLYTESHIM_LOG_LEVEL: "error" },
    stdout: () => {},
    stderr: (t) => stderr += t,
    tty: false,
  });
  assertEquals(quiet, 0);
  assert(!stderr.includes("Counted"), stderr);
  const bad = await runCli(["run", "count.ts", "--dir", "bad"], {
    cwd: dir,
    env: { FLYTESHIM_LOG_LEVEL: "loud" },
    stdout: () => {},
    stderr: () => {},
    tty: false,
  });
  assertEquals(bad, 2);
  // task.run: the same checkpoint option, and logs through the given logger.
  const { task } = await import(`${dir}/count.ts`);
  const lines: string[] = [];
  const logger = {
    debug() {},
    info: (m: string) => lines.push(m),
    warn() {},
    error() {},
  };
  assertEquals(
    await task.run({}, {
      previousCheckpoint: `${dir}/one/checkpoint`,
      logger,
      dir: `${dir}/three`,
    }),
    { n: 2n },
  );
  assert(lines.includes("Counted"), lines.join());
  assertEquals(await Deno.readTextFile(`${dir}/three/checkpoint/_dst_cp`), "2");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sdk run: run --template --executors runs a custom executor's template", async () => {
  const dir = await tempDir({ prefix: "sdk-run-" });
  const EXECUTORS = new URL("../executors/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/executors.ts`,
    `import { defineExecutor } from "${EXECUTORS}";
export const upper = defineExecutor({ id: "x.upper", taskTypes: ["upper"], parseConfig: () => ({}),
  execute: (_config, inputs) => Promise.resolve({ out: String(inputs.text).toUpperCase() }) });
`,
  );
  const { defineTask } = await import("../task/mod.ts");
  const task = defineTask({
    name: "upper",
    taskType: "upper",
    executor: "x.upper",
    image: "acme/upper:1",
    inputs: { text: Types.string },
    outputs: { out: Types.string },
  });
  await Deno.writeFile(`${dir}/task.pb`, encodeTaskTemplate(toTaskTemplate(task)));
  const run = await cli(
    ["run", "--template", "task.pb", "--executors", "executors.ts", "--text", "hi", "--dir", "a"],
    dir,
  );
  assertEquals(run.code, 0, run.stderr);
  assertStringIncludes(run.stdout, "out: HI");
  const without = await cli(["run", "--template", "task.pb", "--text", "hi", "--dir", "b"], dir);
  assertEquals(without.code, 1);
  assertStringIncludes(without.stderr, "x.upper");
  const none = await cli(["run", "--template", "task.pb", "--executors", "task.pb"], dir);
  assertEquals(none.code, 2);
  await Deno.remove(dir, { recursive: true });
});

/** Runs a script or the SDK command line in a subprocess whose TMPDIR is a fresh folder. */
async function inFreshTmp(args: string[], cwd: string) {
  const tmp = await tempDir({ prefix: "flyteshim-sdk-tmp-" });
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", ...args],
    cwd,
    env: { TMPDIR: tmp, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const left = [...Deno.readDirSync(tmp)].map((e) => e.name).sort();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
    tmp,
    left,
    [Symbol.asyncDispose]: () => Deno.remove(tmp, { recursive: true }),
  };
}

const CLI = new URL("../cli/main.ts", import.meta.url).pathname;

Deno.test("deno task run: a value that does not fit an input is an input error, exit 2, nothing left", async () => {
  await using fixture = await database();
  const { dir, db } = fixture;
  await writeTracksModule(dir, db, "TrackId");
  // In-process: the exit code and the wording.
  const big = await cli(
    ["run", "tasks.ts", "tracks", "--limit", "99999999999999999999", "--after", "1"],
    dir,
  );
  assertEquals(big.code, 2, big.stderr);
  assertStringIncludes(big.stderr, 'Error USER:InvalidInput: Cannot convert input "limit": ');
  assert(!big.stderr.includes("output"), big.stderr);
  // The real command line: same, and no run folder left behind.
  await using real = await inFreshTmp(
    [CLI, "run", "tasks.ts", "tracks", "--limit", "99999999999999999999", "--after", "1"],
    dir,
  );
  assertEquals(real.code, 2, real.stderr);
  assertStringIncludes(real.stderr, 'Cannot convert input "limit"');
  assertEquals(real.left, []);
  // A run that fails in the task is exit 1, and leaves nothing either.
  await using failed = await inFreshTmp(
    [CLI, "run", "tasks.ts", "tracks", "--limit", "1", "--after", "x1"],
    dir,
  );
  assertEquals(failed.code, 2, failed.stderr);
  await Deno.writeTextFile(
    `${dir}/broken.ts`,
    `import { sqlite3Task } from "${MOD}";
export const broken = sqlite3Task({ name: "broken", queryTemplate: "select * from nope", uri: ${
      JSON.stringify(db)
    } });
`,
  );
  await using broken = await inFreshTmp([CLI, "run", "broken.ts"], dir);
  assertEquals(broken.code, 1, broken.stderr);
  assertStringIncludes(broken.stderr, "no such table: nope");
  assertEquals(broken.left, []);
  // A dataset output is printed, then removed with the run folder; --dir keeps it.
  await using printed = await inFreshTmp(
    [CLI, "run", "tasks.ts", "--limit", "2", "--after", "0"],
    dir,
  );
  assertEquals(printed.code, 0, printed.stderr);
  assertStringIncludes(printed.stdout, "(2 of 2 rows)");
  assertStringIncludes(printed.stderr, "pass --dir DIR to keep them");
  assertEquals(printed.left, []);
  await using kept = await inFreshTmp(
    [CLI, "run", "tasks.ts", "--limit", "2", "--after", "0", "--dir", "kept"],
    dir,
  );
  assertEquals(kept.code, 0, kept.stderr);
  assertStringIncludes(kept.stderr, `Run folder: ${dir}/kept`);
  assertEquals((await Deno.stat(`${dir}/kept/outputs/outputs.pb`)).isFile, true);
  assertEquals(kept.left, []);
});

Deno.test("sdk run: task.run removes its run folder, failed runs included, unless asked or its data lives there", async () => {
  await using fixture = await database();
  const { dir, db } = fixture;
  const TASK = new URL("../task/mod.ts", import.meta.url).href;
  const TYPES = new URL("../types/mod.ts", import.meta.url).href;
  const EXECUTORS = new URL("../executors/mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/script.ts`,
    `import { defineTask, sqlite3Task } from "${TASK}";
import { Types } from "${TYPES}";
import { defineExecutor } from "${EXECUTORS}";
const double = defineExecutor({ id: "x.double", taskTypes: ["double"], parseConfig: () => ({}),
  execute: (_c, inputs) => Promise.resolve({ n: (inputs.n as bigint) * 2n }) });
const task = defineTask({ name: "double", taskType: "double", executor: double,
  inputs: { n: Types.integer }, outputs: { n: Types.integer } });
const report: Record<string, unknown> = {};
report.scalar = (await task.run({ n: 21 })).n.toString();
report.failed = await task.run({ n: 2n ** 70n }).catch((e) => e.message);
report.bad = await sqlite3Task({ name: "bad", queryTemplate: "select * from nope", uri: ${
      JSON.stringify(db)
    } }).run({}).catch((e) => e.code);
report.kept = (await task.run({ n: 1 }, { keep: true })).n.toString();
const { results } = await sqlite3Task({ name: "t", queryTemplate: "select 1 as x", uri: ${
      JSON.stringify(db)
    } }).run({});
report.dataset = results.uri;
console.log(JSON.stringify(report));
`,
  );
  await using run = await inFreshTmp([`${dir}/script.ts`], dir);
  assertEquals(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assertEquals(report.scalar, "42");
  assertStringIncludes(report.failed, 'Cannot convert input "n": ');
  assertEquals(report.bad, "USER:SqlError");
  // Two folders stay: the one asked for, and the one the dataset value points into.
  assertEquals(run.left.length, 2, run.left.join(", "));
  assert(run.left.every((name) => name.startsWith("flyteshim-run-")), run.left.join(", "));
  assert(report.dataset.startsWith(`${run.tmp}/flyteshim-run-`), report.dataset);
  assertEquals((await Deno.stat(`${report.dataset}/00000`)).isFile, true);
});
