// Faults through the real program (and, where a setting has no environment variable, through
// `runExecute` in process): an S3 server stopped, answering 5xx, resetting or cutting connections
// during the database download and during the result upload (s3rver behind the faulty proxy);
// a stalled S3 server during the download and during the upload; PostgreSQL killed mid-query;
// SIGTERM mid-query on SQLite and PostgreSQL.
// Each ends in the right error document and no outputs.pb, or, for transient faults, in an
// outputs.pb whose data exists.
import { removing, tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { parseExecuteArgs } from "../entrypoint/args.ts";
import { NULL_LOGGER } from "../entrypoint/dispatch.ts";
import { runExecute } from "../entrypoint/execute.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import {
  decodeErrorDocument,
  decodeLiteralMap,
  jsonToStruct,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { type Fault, startFaultyProxy } from "../_testing/faulty_proxy.ts";
import { activeAfterWaiting, activeWithin, startPostgres } from "../_testing/postgres.ts";
import {
  flytekitContainerArgs,
  type PropellerRunResult,
  runPropeller,
} from "../_testing/propeller.ts";
import { assertFailed, folderArgs, systemError, userError } from "../_testing/reliability.ts";
import { testTemplate } from "../_testing/runtime_fixtures.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import { makeDatabase } from "../_testing/sqlite3.ts";

const SQLITE = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor";
const SQL = "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor";
const BUCKET = "faults";
const ROWS = 500;

const DB_PATH = await makeDatabase(
  `create table t(id integer primary key, name text);
   with recursive c(x) as (select 1 union all select x + 1 from c where x < ${ROWS})
   insert into t select x, 'row-' || x from c;`,
);

function sqliteTemplate(uri: string, query = "select * from t"): TaskTemplate {
  return {
    ...testTemplate("sqlite", SQLITE, {
      outputs: { results: { schema: {} } },
      args: flytekitContainerArgs(SQLITE),
    }),
    custom: jsonToStruct({ query_template: query, uri, compressed: false }),
  };
}

/** The S3 settings of the program, pointed at `endpoint`, with quick retries. */
function s3Env(endpoint: string): Record<string, string> {
  return {
    FLYTE_AWS_ENDPOINT: endpoint,
    FLYTE_AWS_ACCESS_KEY_ID: "S3RVER",
    FLYTE_AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_REGION: "us-east-1",
    FLYTE_AWS_RETRIES: "2",
    FLYTE_AWS_BACKOFF_SECONDS: "0.05",
  };
}

/** Container args with the raw output prefix replaced. */
function withRawPrefix(raw: string): string[] {
  return flytekitContainerArgs(SQLITE).map((a) => a === "{{.rawOutputDataPrefix}}" ? raw : a);
}

/** A successful run's dataset exists, with its parquet file. */
async function assertOutputsComplete(run: PropellerRunResult, storage: Storage) {
  assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.stderr);
  const uri = run.outputs!.literals!.results.scalar!.schema?.uri ??
    run.outputs!.literals!.results.scalar!.structuredDataset?.uri;
  assert(uri, "no dataset uri");
  assert(await storage.exists(`${uri}/00000`), `outputs.pb points at missing "${uri}/00000"`);
}

Deno.test("faults: S3 faults while downloading the database", async (t) => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  const direct = createStorage({ s3: s3.config });
  const dbUri = `s3://${BUCKET}/db/victim.db`;
  await direct.upload(DB_PATH, dbUri);
  for (const fault of ["503", "500", "slowdown", "reset", "truncate"] as Fault[]) {
    await t.step(`persistent ${fault}: SYSTEM:StorageError, recoverable`, async () => {
      await using proxy = startFaultyProxy(s3.port);
      proxy.fail(100, fault);
      const run = await runPropeller({
        template: sqliteTemplate(dbUri),
        inputs: { literals: {} },
        env: s3Env(proxy.endpoint),
      });
      assertFailed(run, systemError("SYSTEM:StorageError"), 0);
      assertStringIncludes(run.error!.message!, dbUri);
      // Bounded: 1 attempt + 2 retries per request (a read may issue a HEAD and a GET).
      assert(proxy.requests <= 9, `${proxy.requests} requests`);
    });
    await t.step(`transient ${fault} (2 requests): retried, complete outputs`, async () => {
      await using proxy = startFaultyProxy(s3.port);
      proxy.fail(2, fault);
      const run = await runPropeller({
        template: sqliteTemplate(dbUri),
        inputs: { literals: {} },
        env: s3Env(proxy.endpoint),
      });
      await assertOutputsComplete(run, createStorage());
      assertEquals(proxy.pending, 0);
    });
  }
  await t.step("server stopped: SYSTEM:StorageError, recoverable", async () => {
    const proxy = startFaultyProxy(s3.port);
    await proxy.stop(); // nothing listens on its port any more
    const run = await runPropeller({
      template: sqliteTemplate(dbUri),
      inputs: { literals: {} },
      env: s3Env(proxy.endpoint),
    });
    assertFailed(run, systemError("SYSTEM:StorageError"), 0);
    assertStringIncludes(run.error!.message!, "ECONNREFUSED");
  });
  await t.step("a missing object is USER:NotFound, not retried", async () => {
    await using proxy = startFaultyProxy(s3.port);
    const run = await runPropeller({
      template: sqliteTemplate(`s3://${BUCKET}/db/missing.db`),
      inputs: { literals: {} },
      env: s3Env(proxy.endpoint),
    });
    assertFailed(run, userError("USER:NotFound"), 0);
    assert(proxy.requests <= 2, `${proxy.requests} requests`);
  });
});

Deno.test("faults: S3 faults while uploading the result", async (t) => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  const direct = createStorage({ s3: s3.config });
  for (const fault of ["503", "500", "reset"] as Fault[]) {
    await t.step(`persistent ${fault}: SYSTEM:StorageError, no outputs.pb`, async () => {
      await using proxy = startFaultyProxy(s3.port);
      proxy.fail(100, fault);
      const raw = `s3://${BUCKET}/raw/${crypto.randomUUID()}`;
      const run = await runPropeller({
        template: sqliteTemplate(DB_PATH),
        args: withRawPrefix(raw),
        inputs: { literals: {} },
        env: s3Env(proxy.endpoint),
      });
      assertFailed(run, systemError("SYSTEM:StorageError"), 0);
      assertStringIncludes(run.error!.message!, raw);
    });
    await t.step(
      `transient ${fault}: retried, outputs.pb points at the uploaded file`,
      async () => {
        await using proxy = startFaultyProxy(s3.port);
        proxy.fail(2, fault);
        const run = await runPropeller({
          template: sqliteTemplate(DB_PATH),
          args: withRawPrefix(`s3://${BUCKET}/raw/${crypto.randomUUID()}`),
          inputs: { literals: {} },
          env: s3Env(proxy.endpoint),
        });
        await assertOutputsComplete(run, direct);
      },
    );
  }
  await t.step("server stopped before the upload: SYSTEM:StorageError", async () => {
    const proxy = startFaultyProxy(s3.port);
    await proxy.stop();
    const run = await runPropeller({
      template: sqliteTemplate(DB_PATH),
      args: withRawPrefix(`s3://${BUCKET}/raw/${crypto.randomUUID()}`),
      inputs: { literals: {} },
      env: s3Env(proxy.endpoint),
    });
    assertFailed(run, systemError("SYSTEM:StorageError"), 0);
  });
});

Deno.test("faults: S3 holding the whole node stopped: no error.pb can be written, exit 2", async () => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  await using proxy = startFaultyProxy(s3.port);
  const storage = createStorage({ s3: { ...s3.config, endpoint: proxy.endpoint } });
  // The node is laid out, then the proxy stops answering and resets everything.
  proxy.fail(2, "reset", { after: 2 }); // task.pb and inputs.pb go through
  proxy.fail(1000, "reset");
  const run = await runPropeller({
    root: `s3://${BUCKET}/node`,
    storage,
    template: sqliteTemplate(DB_PATH),
    inputs: { literals: {} },
    env: s3Env(proxy.endpoint),
  });
  assertEquals(run.code, 2, run.stderr);
  assertStringIncludes(run.stderr, "Cannot write the error document");
  const files = await createStorage({ s3: s3.config }).list(run.paths.outputPrefix);
  assertEquals(files, [], "something was written under the output prefix");
});

Deno.test("faults: a stalled S3 server is timed out and retried (in process)", async () => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  await using proxy = startFaultyProxy(s3.port);
  const registry = createExecutorRegistry(BUILTIN_EXECUTORS);
  const dbUri = `s3://${BUCKET}/db/victim.db`;
  await createStorage({ s3: s3.config }).upload(DB_PATH, dbUri);
  const storage = createStorage({
    s3: { ...s3.config, endpoint: proxy.endpoint, timeoutSeconds: 0.5, retries: 2 },
  });
  const run = async (template: TaskTemplate) => {
    const dir = await tempDir({ prefix: "flyteshim-stall-" });
    await Deno.writeFile(
      `${dir}/task.pb`,
      (await import("../idl/mod.ts")).encodeTaskTemplate(template),
    );
    const started = performance.now();
    const code = await runExecute(
      parseExecuteArgs(folderArgs(dir, SQLITE, { raw: true })),
      { env: {}, registry, storage, logger: NULL_LOGGER },
    );
    const files = await Array.fromAsync(Deno.readDir(`${dir}/out`)).catch(() => []);
    return { code, dir, ms: performance.now() - started, files: files.map((f) => f.name).sort() };
  };
  // One stalled request: the run waits out the timeout, retries, and completes.
  proxy.fail(1, "stall");
  const slow = await run(sqliteTemplate(dbUri));
  assertEquals([slow.code, slow.files], [0, ["outputs.pb"]]);
  assert(slow.ms >= 450, `no timeout happened (${slow.ms} ms)`);
  const outputs = decodeLiteralMap(await Deno.readFile(`${slow.dir}/out/outputs.pb`));
  assert(outputs.literals?.results, "no results");
  // Stalled for good: bounded by timeout x attempts, then a recoverable SYSTEM error.
  proxy.fail(100, "stall");
  const stuck = await run(sqliteTemplate(dbUri));
  assertEquals([stuck.code, stuck.files], [0, ["error.pb"]]);
  const error = decodeErrorDocument(await Deno.readFile(`${stuck.dir}/out/error.pb`)).error!;
  assertEquals([error.code, error.kind, error.origin], systemError("SYSTEM:StorageError"));
  assert(stuck.ms < 10_000, `took ${stuck.ms} ms`);
});

Deno.test("faults: a stalled S3 upload of the result is timed out and retried (in process)", async () => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  await using proxy = startFaultyProxy(s3.port);
  const registry = createExecutorRegistry(BUILTIN_EXECUTORS);
  const direct = createStorage({ s3: s3.config });
  const storage = createStorage({
    s3: { ...s3.config, endpoint: proxy.endpoint, timeoutSeconds: 0.5, retries: 2 },
  });
  // The database and the node are local: the parquet upload is the run's only S3 request.
  const run = async (raw: string) => {
    const dir = await tempDir({ prefix: "flyteshim-stall-" });
    await Deno.writeFile(
      `${dir}/task.pb`,
      (await import("../idl/mod.ts")).encodeTaskTemplate(sqliteTemplate(DB_PATH)),
    );
    const args = folderArgs(dir, SQLITE, { raw: true }).map((a) => a === `${dir}/raw` ? raw : a);
    const started = performance.now();
    const code = await runExecute(
      parseExecuteArgs(args),
      { env: {}, registry, storage, logger: NULL_LOGGER },
    );
    const files = await Array.fromAsync(Deno.readDir(`${dir}/out`)).catch(() => []);
    return { code, dir, ms: performance.now() - started, files: files.map((f) => f.name).sort() };
  };
  // One stalled PUT: the run waits out the timeout, uploads again, and completes.
  const raw = `s3://${BUCKET}/raw/${crypto.randomUUID()}`;
  proxy.fail(1, "stall");
  const slow = await run(raw);
  assertEquals([slow.code, slow.files], [0, ["outputs.pb"]]);
  assert(slow.ms >= 450, `no timeout happened (${slow.ms} ms)`);
  assertEquals([proxy.pending, proxy.requests], [0, 2]);
  const outputs = decodeLiteralMap(await Deno.readFile(`${slow.dir}/out/outputs.pb`));
  const uri = outputs.literals!.results.scalar!.schema?.uri ??
    outputs.literals!.results.scalar!.structuredDataset?.uri;
  assertEquals(await direct.list(raw), [`${uri}/00000`]);
  // The object is the whole file: DuckDB reads every row.
  const local = `${slow.dir}/uploaded.parquet`;
  await direct.download(`${uri}/00000`, local);
  assertEquals((await readParquet(local, "select count(*) as n from t")).rows, [[BigInt(ROWS)]]);
  // Stalled for good: bounded by timeout x attempts, a recoverable SYSTEM error, nothing stored.
  const lost = `s3://${BUCKET}/raw/${crypto.randomUUID()}`;
  proxy.fail(100, "stall");
  const stuck = await run(lost);
  assertEquals([stuck.code, stuck.files], [0, ["error.pb"]]);
  const error = decodeErrorDocument(await Deno.readFile(`${stuck.dir}/out/error.pb`)).error!;
  assertEquals([error.code, error.kind, error.origin], systemError("SYSTEM:StorageError"));
  assertStringIncludes(error.message!, lost);
  assertEquals(proxy.requests, 2 + 3, "1 attempt + 2 retries");
  assert(stuck.ms < 10_000, `took ${stuck.ms} ms`);
  assertEquals(await direct.list(lost), [], "an object was stored after a failed upload");
});

function sqlTemplate(uri: string, query: string): TaskTemplate {
  return {
    ...testTemplate("sqlalchemy", SQL, {
      outputs: { results: { schema: {} } },
      args: flytekitContainerArgs(SQL),
    }),
    custom: jsonToStruct({
      query_template: query,
      uri,
      connect_args: {},
      secret_connect_args: null,
    }),
  };
}

Deno.test("faults: PostgreSQL killed mid-query is SYSTEM:DatabaseUnavailable", async () => {
  // Disposing after the kill does nothing: a stopped or killed server is not stopped again.
  await using pg = await startPostgres();
  const running = runPropeller({
    template: sqlTemplate(pg.url, "select pg_sleep(30) as slept"),
    inputs: { literals: {} },
  });
  assert(await activeWithin(pg, "select pg_sleep(30)%"), "the query never started");
  await pg.kill();
  const run = await running;
  assertFailed(run, systemError("SYSTEM:DatabaseUnavailable"), 0);
  assert(run.ms < 20_000, `took ${run.ms} ms`);
  console.log(`PostgreSQL killed mid-query: the run ended after ${Math.round(run.ms)} ms`);
});

Deno.test("faults: SIGTERM mid-query on PostgreSQL is SYSTEM:Aborted at once; the query is cancelled", async () => {
  await using pg = await startPostgres();
  const run = await runPropeller({
    template: sqlTemplate(pg.url, "select pg_sleep(30) as slept"),
    inputs: { literals: {} },
    // The main thread takes the signal itself (it cancels the statement, then reports): the
    // abort watchdog's thread stands down, and the run exits 0 after its error.pb.
    env: { FLYTESHIM_ABORT_WATCHDOG: "on" },
    interrupt: { when: /Running query/ },
  });
  assertFailed(run, systemError("SYSTEM:Aborted"), 0);
  assert(run.ms < 10_000, `took ${run.ms} ms`);
  console.log(`SIGTERM during a PostgreSQL query: the run ended after ${Math.round(run.ms)} ms`);
  // The server is not left running the statement for the full 30 s.
  assertEquals(
    await activeAfterWaiting(pg, "select pg_sleep(30)%"),
    0,
    "the query still runs on the server",
  );
});

Deno.test("faults: SIGTERM during one long SQLite step: SYSTEM:Aborted error.pb within 5 s, no outputs.pb", async () => {
  // node:sqlite runs a statement to its end before JavaScript runs again: this recursive query
  // would hold the main thread for minutes. The abort watchdog's thread writes error.pb, removes
  // the work folder and ends the process (SIGKILL: only the main thread could exit it cleanly).
  const query =
    "with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000000000) select count(*) as n from c";
  const tmp = await Deno.makeTempDir({ prefix: "flyteshim-watchdog-tmp-" });
  await using _tmp = removing(tmp);
  const run = await runPropeller({
    template: sqliteTemplate(DB_PATH, query),
    inputs: { literals: {} },
    env: { FLYTESHIM_ABORT_WATCHDOG: "on", TMPDIR: tmp },
    interrupt: { when: /Running the query/ },
    timeoutMs: 60_000,
  });
  assertEquals(run.signal, "SIGKILL", run.stderr);
  assertFailed(run, systemError("SYSTEM:Aborted"), 137);
  assertStringIncludes(run.error!.message!, "SIGTERM");
  assert(run.msAfterInterrupt! < 5_000, `error.pb after ${run.msAfterInterrupt} ms`);
  assertEquals([...Deno.readDirSync(tmp)], [], "the work folder is left behind");
  console.log(
    `one long SQLite step: SIGTERM'd run ended ${
      Math.round(run.msAfterInterrupt!)
    } ms after the signal`,
  );
});

Deno.test("faults: SIGTERM during one long SQLite step on S3 prefixes: the watchdog (auto) writes error.pb to S3", async () => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  const storage = createStorage({ s3: s3.config });
  const query =
    "with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000000000) select count(*) as n from c";
  const run = await runPropeller({
    template: sqliteTemplate(DB_PATH, query),
    inputs: { literals: {} },
    root: `s3://${BUCKET}/watchdog`,
    storage,
    env: s3.env, // FLYTESHIM_ABORT_WATCHDOG unset: auto, on for a remote output prefix
    interrupt: { when: /Running the query/ },
  });
  assertFailed(run, systemError("SYSTEM:Aborted"), 137);
  assert(run.msAfterInterrupt! < 5_000, `error.pb after ${run.msAfterInterrupt} ms`);
});

Deno.test("faults: SIGTERM while streaming a large SQLite result ends promptly, no outputs.pb", async () => {
  const big = await makeDatabase(
    `create table t(id integer primary key, name text);
     with recursive c(x) as (select 1 union all select x + 1 from c where x < 400000)
     insert into t select x, 'row-' || x from c;`,
  );
  const run = await runPropeller({
    template: sqliteTemplate(
      big,
      "select a.id, a.name, b.name as other from t a join t b on b.id = a.id",
    ),
    inputs: { literals: {} },
    interrupt: { when: /Running the query/ },
  });
  assertFailed(run, systemError("SYSTEM:Aborted"), 0);
  console.log(
    `streaming a large result: SIGTERM'd run ended ${
      Math.round(run.msAfterInterrupt!)
    } ms after the signal (the whole run: ${Math.round(run.ms)} ms)`,
  );
});

Deno.test("faults: stdout and stderr closed (log collector gone): outputs.pb or error.pb is still written", async () => {
  const { encodeLiteralMap, encodeTaskTemplate } = await import("../idl/mod.ts");
  const { echoInputs, echoTemplate } = await import("../_testing/reliability.ts");
  const { TEST_PROGRAM } = await import("../_testing/runtime_fixtures.ts");
  const dir = await tempDir({ prefix: "flyteshim-pipes-" });
  await Deno.writeFile(`${dir}/inputs.pb`, encodeLiteralMap(await echoInputs()));
  const good = echoTemplate();
  // Without declared inputs, the same inputs.pb fails: USER:InvalidInput.
  const bad = { ...good, interface: { ...good.interface, inputs: { variables: {} } } };
  for (const [template, expected] of [[good, "outputs.pb"], [bad, "error.pb"]] as const) {
    await Deno.writeFile(`${dir}/task.pb`, encodeTaskTemplate(template));
    for (const closed of ["stdout", "stderr", "both"]) {
      await Deno.remove(`${dir}/out`, { recursive: true }).catch(() => {});
      const child = new Deno.Command(TEST_PROGRAM[0], {
        args: [
          ...TEST_PROGRAM.slice(1),
          "pyflyte-execute",
          ...folderArgs(dir, "tests.echo"),
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const drain = (stream: ReadableStream<Uint8Array>, close: boolean) =>
        close ? stream.cancel() : stream.pipeTo(new WritableStream());
      const drains = [
        drain(child.stdout, closed !== "stderr"),
        drain(child.stderr, closed !== "stdout"),
      ];
      const status = await child.status;
      await Promise.all(drains);
      const files = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name);
      assertEquals([status.code, status.signal, files], [0, null, [expected]], closed);
    }
  }
});
