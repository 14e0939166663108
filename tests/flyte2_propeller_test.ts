// Flyte 2's `a0` contract end to end, as flyte-sdk's own Docker-free round trip does it: the SDK
// serializes the task (`toFlyte2TaskSpec`), the harness writes inputs.pb as flyteidl2 Inputs,
// renders the args as Flyte 2's backend does, spawns the real program with the backend's
// environment, and reads outputs.pb / error.pb with Flyte 2's types (protobufjs from
// @flyteorg/flyteidl2, and protoc as an independent reader). The backend itself (k3s in Docker)
// cannot run here; _testing/flyte2.ts cites the sources each step follows.
import { removing } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { crossCheck, PROTOC } from "../_testing/tools.ts";
import { protocDecode } from "../_testing/flyte2_descriptors.ts";
import { checksum } from "../examples/checksum/task.ts";
import { decodeErrorDocument, encodeLiteralMap, type LiteralMap } from "../idl/core.ts";
import { decodeInputs, type Inputs } from "../idl/flyte2.ts";
import { defineTask } from "../task/define.ts";
import { sqlite3Task, sqlTask } from "../task/sql.ts";
import { toFlyte2TaskSpec } from "../task/serialize_flyte2.ts";
import { createStorage } from "../storage/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { outputNamed, runFlyte2Action } from "../_testing/flyte2.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import { denoProgram } from "../_testing/propeller.ts";
import { makeDatabase } from "../_testing/sqlite3.ts";
import { moduleGraph } from "../_testing/module_graph.ts";

const IMAGE = "ghcr.io/acme/flyteshim:0.1.0";

/** Inputs as Flyte 2's run service writes them: ordered literals plus a context entry. */
function inputsOf(map: LiteralMap): Inputs {
  const inputs = decodeInputs(encodeLiteralMap(map));
  inputs.context = [{ key: "trace-id", value: "4bf92f3577b34da6" }];
  return inputs;
}

async function tracksDb(): Promise<string> {
  return await makeDatabase(`
    create table tracks (id integer primary key, name text, price real);
    insert into tracks select value, 'track ' || value, value * 0.5
      from json_each('[1,2,3,4,5,6,7,8,9,10,11,12]');
  `);
}

function tracksTask(
  uri: string,
  queryTemplate = "select id, name, price from tracks order by id limit {{ .inputs.limit }}",
) {
  return sqlite3Task({
    name: "sql.tracks",
    image: IMAGE,
    queryTemplate,
    uri,
    inputs: { limit: Types.integer },
  });
}

Deno.test("SQLite3 task on Flyte 2: a0 args, Inputs with context, Outputs read by the backend", async () => {
  const db = await tracksDb();
  const spec = await toFlyte2TaskSpec(tracksTask(db), { version: "v1" });
  const inputs = inputsOf(
    await valuesToLiteralMap({ limit: 5n }, { limit: Types.integer.literalType }),
  );
  const run = await runFlyte2Action({ spec, inputs });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.outcome.phase, "Success", run.flyte2Error?.message ?? "");
  assertEquals(run.files.filter((f) => f.endsWith(".pb")), ["outputs.pb"]);
  // The args as the pod got them: a0 first, identity placeholders left for the environment.
  assertEquals(run.args[0], "a0");
  assertEquals(run.args[run.args.indexOf("--run-name") + 1], "{{.runName}}");
  assertEquals(run.args[run.args.indexOf("--prev-checkpoint") + 1], '""');
  // Read as Flyte 2's Outputs.
  assertEquals(run.flyte2Outputs?.literals?.map((l) => l.name), ["results"]);
  const sd = outputNamed(run.flyte2Outputs, "results")?.scalar?.structuredDataset;
  assertMatch(sd?.uri ?? "", new RegExp(`^${run.paths.outputPrefix}/[0-9a-f]{32}$`));
  const table = await readParquet(`${sd?.uri}/00000`);
  assertEquals(table.rows.map((r) => r[0]), [1n, 2n, 3n, 4n, 5n]);
  // The logs carry the Flyte 2 identity, from RUN_NAME and ACTION_NAME.
  const running = (run.stdout + run.stderr).split("\n").find((l) => l.includes("Running task"));
  assertStringIncludes(running ?? "", '"run":"rxk2m4q9z1","action":"a0"');
});

Deno.test(
  crossCheck(
    "protoc reads outputs.pb as flyteidl2.task.Outputs and error.pb as ErrorDocument",
    ...PROTOC,
  ),
  async () => {
    const db = await tracksDb();
    const ok = await runFlyte2Action({
      spec: await toFlyte2TaskSpec(tracksTask(db)),
      inputs: inputsOf(
        await valuesToLiteralMap({ limit: 2n }, { limit: Types.integer.literalType }),
      ),
    });
    assertEquals(ok.outcome.phase, "Success", ok.stderr);
    const outputs = await protocDecode("flyteidl2.task.Outputs", ok.outputsBytes!);
    assertStringIncludes(outputs, 'name: "results"');
    assertStringIncludes(outputs, "structured_dataset {");
    const failed = await runFlyte2Action({
      spec: await toFlyte2TaskSpec(
        tracksTask(db, "select * from trackz limit {{ .inputs.limit }}"),
      ),
      inputs: inputsOf(
        await valuesToLiteralMap({ limit: 2n }, { limit: Types.integer.literalType }),
      ),
    });
    const error = await protocDecode("flyteidl2.core.ErrorDocument", failed.errorBytes!);
    assertStringIncludes(error, 'code: "USER:SqlError"');
    // kind NON_RECOVERABLE is the enum's zero: proto3 leaves it out, protoc prints nothing.
    assert(!error.includes("kind:"), error);
    assertStringIncludes(error, "origin: USER");
    // Fields 1-4 only: protoc shows no unknown fields.
    assert(!/\n\s*[56]:/.test(error), error);
  },
);

Deno.test("SQLite3 failures on Flyte 2: error.pb, exit 0, no outputs.pb", async (t) => {
  const db = await tracksDb();
  const limit = inputsOf(
    await valuesToLiteralMap({ limit: 2n }, { limit: Types.integer.literalType }),
  );

  await t.step("a query on a missing table: permanent USER failure", async () => {
    const spec = await toFlyte2TaskSpec(
      tracksTask(db, "select * from trackz limit {{ .inputs.limit }}"),
    );
    const run = await runFlyte2Action({
      spec,
      inputs: limit,
      env: { FLYTE_FAIL_ON_ERROR: "true" },
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.files.filter((f) => f.endsWith(".pb")), ["error.pb"]);
    assertEquals(run.outcome, { phase: "PermanentFailure", code: "USER:SqlError", origin: 1 });
    assertStringIncludes(run.flyte2Error?.message ?? "", "no such table: trackz");
    assertEquals(decodeErrorDocument(run.errorBytes!).error?.timestamp, null);
  });

  await t.step("a tampered template argument: USER:InvalidTemplate", async () => {
    const spec = await toFlyte2TaskSpec(tracksTask(db));
    const args = [...spec.taskTemplate!.container!.args!];
    const value = args.at(-1)!;
    const at = value.indexOf(".") + 5;
    args[args.length - 1] = value.slice(0, at) + (value[at] === "A" ? "B" : "A") +
      value.slice(at + 1);
    const run = await runFlyte2Action({ spec, inputs: limit, args });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.outcome, {
      phase: "PermanentFailure",
      code: "USER:InvalidTemplate",
      origin: 1,
    });
    assertStringIncludes(run.flyte2Error?.message ?? "", "checksum does not match");
  });

  await t.step("no inputs.pb for a task with inputs: retryable SYSTEM failure", async () => {
    const run = await runFlyte2Action({
      spec: await toFlyte2TaskSpec(tracksTask(db)),
      inputs: null,
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.outcome, {
      phase: "RetryableFailure",
      code: "SYSTEM:InputsNotFound",
      origin: 2,
    });
  });

  await t.step("a Flyte 1 template URI on Flyte 2: refused with the remedy", async () => {
    const spec = await toFlyte2TaskSpec(tracksTask(db));
    const args = spec.taskTemplate!.container!.args!.slice(0, -4);
    args.push("--", "{{.taskTemplatePath}}", "flyteshim.sqlite3");
    const run = await runFlyte2Action({ spec, inputs: limit, args });
    assertEquals(run.outcome.phase, "PermanentFailure");
    assertStringIncludes(run.flyte2Error?.message ?? "", '"inline://taskTemplate"');
    assertStringIncludes(run.flyte2Error?.message ?? "", "--flyte2");
  });

  await t.step("an unknown option: reported in error.pb at --outputs-path", async () => {
    const spec = await toFlyte2TaskSpec(tracksTask(db));
    const args = [...spec.taskTemplate!.container!.args!];
    args.splice(1, 0, "--no-such-option", "x");
    const run = await runFlyte2Action({ spec, inputs: limit, args });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.outcome, {
      phase: "PermanentFailure",
      code: "USER:InvalidArguments",
      origin: 1,
    });
  });
});

Deno.test("flyte2: a task without outputs writes an empty outputs.pb (zero bytes), which the backend reads", async () => {
  const db = await tracksDb();
  const task = sqlite3Task({
    name: "sql.touch",
    image: IMAGE,
    queryTemplate: "select count(*) from tracks",
    uri: db,
    outputs: {},
  });
  const run = await runFlyte2Action({ spec: await toFlyte2TaskSpec(task), inputs: {} });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files.filter((f) => f.endsWith(".pb")), ["outputs.pb"]);
  assertEquals(run.outputsBytes?.length, 0);
  assertEquals(run.outcome.phase, "Success");
  assertEquals(run.flyte2Outputs?.literals, []);
});

Deno.test("flyte2: on object storage, as Flyte 2's devbox runs (S3 with FLYTE_AWS_*)", async () => {
  await using s3 = await startS3rver({ buckets: ["flyte-data"] });
  const storage = createStorage({ s3: s3.config });
  const db = await tracksDb();
  await storage.write("s3://flyte-data/dbs/tracks.db", await Deno.readFile(db));
  const spec = await toFlyte2TaskSpec(tracksTask("s3://flyte-data/dbs/tracks.db"));
  const inputs = inputsOf(
    await valuesToLiteralMap({ limit: 3n }, { limit: Types.integer.literalType }),
  );
  const run = await runFlyte2Action({
    spec,
    inputs,
    root: "s3://flyte-data/v2",
    storage,
    env: s3.env,
  });
  assertEquals(run.outcome.phase, "Success", run.flyte2Error?.message ?? run.stderr);
  assertMatch(run.paths.outputPrefix, /^s3:\/\/flyte-data\/v2\/k3\/flytesnacks\/development\//);
  const sd = outputNamed(run.flyte2Outputs, "results")?.scalar?.structuredDataset;
  assertMatch(sd?.uri ?? "", /^s3:\/\/flyte-data\/v2\/k3\//);
  const local = `${await Deno.makeTempDir()}/00000`;
  await storage.download(`${sd?.uri}/00000`, local);
  assertEquals((await readParquet(local)).rows.map((r) => r[0]), [1n, 2n, 3n]);
  await Deno.remove(local.replace(/\/00000$/, ""), { recursive: true });
});

Deno.test("flyte2: attempt 2 gets the previous attempt's checkpoint and its own output prefix", async () => {
  const db = await tracksDb();
  const spec = await toFlyte2TaskSpec(tracksTask(db));
  const inputs = inputsOf(
    await valuesToLiteralMap({ limit: 1n }, { limit: Types.integer.literalType }),
  );
  const run = await runFlyte2Action({ spec, inputs, attempt: 2 });
  assertEquals(run.outcome.phase, "Success", run.stderr);
  assertMatch(run.paths.outputPrefix, /\/a0\/2$/);
  assertMatch(run.args[run.args.indexOf("--prev-checkpoint") + 1], /\/a0\/1\/_flytecheckpoints$/);
});

Deno.test("flyte2: SQL executor on Flyte 2 against a real PostgreSQL", async (t) => {
  const password = "flyte2-Secret-9c2e";
  await using pg = await startPostgres({ password });
  await pg.sql(`
    create table users (id int8 primary key, name text);
    insert into users select g, 'user ' || g from generate_series(1, 30) g;
  `);
  const usersTask = (name: string, queryTemplate: string) =>
    sqlTask({
      name,
      image: IMAGE,
      queryTemplate,
      uri: `postgresql://${pg.host}:${pg.port}/postgres`,
      inputs: { after: Types.integer },
      connectArgs: { sslmode: "disable", connect_timeout: 5 },
      secretConnectArgs: {
        username: { group: "db", key: "user" },
        password: { group: "db", key: "password" },
      },
    });
  const task = usersTask(
    "sql.users",
    "select id, name from users where id > {{ .inputs.after }} order by id limit 10",
  );
  const spec = await toFlyte2TaskSpec(task);
  const inputs = inputsOf(
    await valuesToLiteralMap({ after: 25n }, { after: Types.integer.literalType }),
  );

  await t.step("rows to a parquet dataset", async () => {
    const run = await runFlyte2Action({
      spec,
      inputs,
      env: { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: password },
    });
    assertEquals(run.outcome.phase, "Success", run.flyte2Error?.message ?? run.stderr);
    assert(!run.stdout.includes(password) && !run.stderr.includes(password));
    const sd = outputNamed(run.flyte2Outputs, "results")?.scalar?.structuredDataset;
    const table = await readParquet(`${sd?.uri}/00000`);
    assertEquals(table.rows.map((r) => r[0]), [26n, 27n, 28n, 29n, 30n]);
  });

  await t.step("SIGTERM while the statement runs: retryable SYSTEM:Aborted, exit 0", async () => {
    const sleeping = usersTask("sql.sleep", "select pg_sleep(30), {{ .inputs.after }} as n");
    const run = await runFlyte2Action({
      spec: await toFlyte2TaskSpec(sleeping),
      inputs,
      env: { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: password },
      interrupt: { when: /Running task/ },
      timeoutMs: 40_000,
    });
    assertEquals(run.code, 0, run.stderr);
    assert(run.ms < 15_000, `took ${run.ms} ms`);
    assertEquals(run.outcome, { phase: "RetryableFailure", code: "SYSTEM:Aborted", origin: 2 });
    assertEquals(run.files.filter((f) => f.endsWith(".pb")), ["error.pb"]);
  });

  await t.step("a wrong password: permanent USER failure, password not echoed", async () => {
    const run = await runFlyte2Action({
      spec,
      inputs,
      env: { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: "not-the-password" },
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.outcome, {
      phase: "PermanentFailure",
      code: "USER:AuthenticationFailed",
      origin: 1,
    });
    assert(!(run.flyte2Error?.message ?? "").includes("not-the-password"));
  });
});

Deno.test("flyte2: the checksum example's own entrypoint serves Flyte 2 too", async (t) => {
  const program = denoProgram("examples/checksum/main.ts");
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-checksum-" });
  await using _dir = removing(dir);
  const path = `${dir}/data.txt`;
  await Deno.writeTextFile(path, "flyteshim\n".repeat(1000));
  const variables = checksum.options.inputs;
  const literals = await valuesToLiteralMap(
    { file: path },
    Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, v.literalType])),
    { storage: createStorage(), rawOutputPrefix: `${dir}/uploads` },
  );

  await t.step("digest and size", async () => {
    const run = await runFlyte2Action({
      spec: await toFlyte2TaskSpec(checksum),
      inputs: inputsOf(literals),
      program,
    });
    assertEquals(run.outcome.phase, "Success", run.flyte2Error?.message ?? run.stderr);
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", await Deno.readFile(path)),
    );
    assertEquals(
      outputNamed(run.flyte2Outputs, "digest")?.scalar?.primitive?.stringValue,
      Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
    );
    assertEquals(
      Number(outputNamed(run.flyte2Outputs, "size")?.scalar?.primitive?.integer),
      10_000,
    );
  });

  await t.step("a bad config: permanent USER:InvalidConfig", async () => {
    const bad = defineTask({ ...checksum.options, config: { algorithm: "MD5" } });
    const run = await runFlyte2Action({
      spec: await toFlyte2TaskSpec(bad),
      inputs: inputsOf(literals),
      program,
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.outcome, {
      phase: "PermanentFailure",
      code: "USER:InvalidConfig",
      origin: 1,
    });
  });

  await t.step("an executor this entrypoint does not have: USER:ExecutorNotFound", async () => {
    const run = await runFlyte2Action({
      spec: await toFlyte2TaskSpec(tracksTask(`${dir}/none.db`)),
      inputs: {},
      program,
    });
    assertEquals(run.outcome, {
      phase: "PermanentFailure",
      code: "USER:ExecutorNotFound",
      origin: 1,
    });
  });
});

Deno.test("flyte2: the runtime serves Flyte 2 on the table-driven codec: no generated classes at start-up", async () => {
  const { statics, dynamics } = await moduleGraph("entrypoint/main.ts");
  assert(statics.includes("idl/core.ts"), "idl/core.ts is not in the runtime's static graph");
  // Flyte 2's runner is part of the binary's graph, loaded when the command is a0.
  assert(dynamics.includes("entrypoint/flyte2.ts"), "entrypoint/flyte2.ts is not imported lazily");
  for (const flyte1Only of ["entrypoint/flyte2.ts", "resolver/flyte2.ts"]) {
    assertEquals(statics.includes(flyte1Only), false, `${flyte1Only} loads on Flyte 1 runs`);
  }
  const flyte2 = await moduleGraph("entrypoint/flyte2.ts");
  assert(flyte2.statics.includes("resolver/flyte2.ts"), "the a0 path does not load its resolver");
  for (const absent of ["idl/flyte2.ts", "idl/gen/flyteidl2.js", "idl/gen/flyteidl.js"]) {
    for (const graph of [statics, flyte2.statics]) {
      assertEquals(graph.includes(absent), false, `${absent} is imported at start-up`);
    }
  }
});
