// Load: 50 executions at once against one S3 server (s3rver), 50 at once against one PostgreSQL,
// and 50 at once against one PostgreSQL writing to one S3 server, each with its own input; every
// one must succeed with its own correct result, read back with DuckDB. On 2 cores the 50
// concurrent runs are in process (`runExecute`, the library behind the program); 50 more go
// through the real program as a bounded pool of subprocesses against the same S3 server. Each
// batch runs under a real deadline (`withDeadline`): a timer fails the test if the runs have not
// all settled in 60 s, and aborts them.
import { removing, tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { parseExecuteArgs } from "../entrypoint/args.ts";
import { NULL_LOGGER } from "../entrypoint/dispatch.ts";
import { runExecute } from "../entrypoint/execute.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import {
  decodeLiteralMap,
  encodeLiteralMap,
  encodeTaskTemplate,
  jsonToStruct,
  type LiteralMap,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { flytekitContainerArgs, runPropeller } from "../_testing/propeller.ts";
import { testTemplate } from "../_testing/runtime_fixtures.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import { makeDatabase } from "../_testing/sqlite3.ts";

const RUNS = 50;
const POOL = 10;
const BOUND_MS = 60_000;
/**
 * After the deadline, how long aborted runs get to end before the test fails anyway: an in-process
 * run ends within ABORT_GRACE_MS (2 s) plus the error document's write; a subprocess of the pool
 * within its own 30 s kill timer, so a stuck subprocess may outlive the test.
 */
const WIND_DOWN_MS = 15_000;
const SQLITE = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor";
const SQL = "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor";
const BUCKET = "load";
const registry = createExecutorRegistry(BUILTIN_EXECUTORS);

function template(type: string, executor: string, custom: Record<string, unknown>): TaskTemplate {
  return {
    ...testTemplate(type, executor, {
      inputs: { n: Types.integer.literalType },
      outputs: { results: { schema: {} } },
      args: flytekitContainerArgs(executor),
    }),
    custom: jsonToStruct(custom as never),
  };
}

async function inputs(n: number): Promise<LiteralMap> {
  return await valuesToLiteralMap({ n: BigInt(n) }, { n: Types.integer });
}

/** Reads a run's dataset and checks it holds rows 1..n with their names. */
async function checkResult(storage: Storage, outputs: LiteralMap, n: number, local: string) {
  const scalar = outputs.literals!.results.scalar!;
  const uri = scalar.schema?.uri ?? scalar.structuredDataset?.uri;
  assert(uri, "no dataset");
  await storage.download(`${uri}/00000`, local);
  const { rows } = await readParquet(
    local,
    "select count(*), min(id), max(id), count(*) filter (where name = 'row-' || id) from t",
  );
  assertEquals(rows, [[BigInt(n), 1n, BigInt(n), BigInt(n)]], `run ${n}`);
}

/**
 * Runs `count` jobs with at most `width` at a time, one promise per job; once `signal` aborts, the
 * jobs not yet started reject with its reason instead of starting.
 */
function pool<T>(
  count: number,
  width: number,
  job: (i: number) => Promise<T>,
  signal: AbortSignal,
): Promise<T>[] {
  const jobs = Array.from({ length: count }, () => Promise.withResolvers<T>());
  let next = 0;
  for (let w = 0; w < Math.min(width, count); w++) {
    (async () => {
      while (next < count) {
        const i = next++;
        if (signal.aborted) jobs[i].reject(signal.reason);
        else await job(i).then(jobs[i].resolve, jobs[i].reject);
      }
    })();
  }
  return jobs.map((j) => j.promise);
}

/**
 * Starts a batch of concurrent runs under a real deadline. When they have not all settled `ms`
 * after the start, `signal` aborts (an in-process run then writes `SYSTEM:Aborted` and returns,
 * the pool starts nothing more), the runs get WIND_DOWN_MS to end, and the test fails saying how
 * many were left. A run that fails first fails the batch the same way. Resolves with the results
 * and the batch's wall time.
 */
async function withDeadline<T>(
  what: string,
  start: (signal: AbortSignal) => Promise<T>[],
  ms = BOUND_MS,
): Promise<{ results: T[]; ms: number }> {
  const controller = new AbortController();
  const started = performance.now();
  const runs = start(controller.signal);
  let settled = 0;
  for (const run of runs) run.then(() => settled++, () => settled++);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const left = runs.length - settled;
      reject(
        new Error(`${what}: ${left} of ${runs.length} runs had not settled after ${ms / 1000} s`),
      );
    }, ms);
  });
  try {
    const results = await Promise.race([Promise.all(runs), deadline]);
    return { results, ms: performance.now() - started };
  } catch (error) {
    controller.abort(error);
    let wait: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(runs),
      new Promise((resolve) => wait = setTimeout(resolve, WIND_DOWN_MS)),
    ]);
    clearTimeout(wait);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** `pyflyte-execute` args of one in-process run. */
function executeArgs(node: string, output: string, raw: string, executor: string) {
  return parseExecuteArgs([
    "--inputs",
    `${node}/inputs.pb`,
    "--output-prefix",
    output,
    "--raw-output-data-prefix",
    raw,
    "--",
    `${node}/task.pb`,
    executor,
  ]);
}

/** Every client connection but the checking one was closed. */
async function assertNoConnectionLeft(pg: { sql(q: string): Promise<Record<string, unknown>[]> }) {
  const [{ n }] = await pg.sql(
    "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend'",
  );
  assertEquals(n, 1, "connections left open");
}

Deno.test("load: the deadline fails runs that have not settled, and aborts them", async () => {
  const aborted: number[] = [];
  const error = await assertRejects(() =>
    withDeadline("stuck", (signal) => [
      Promise.resolve(0),
      ...[1, 2].map((i) =>
        new Promise<number>((resolve) =>
          signal.addEventListener("abort", () => {
            aborted.push(i);
            resolve(i);
          })
        )
      ),
    ], 50)
  );
  assertEquals(error.message, "stuck: 2 of 3 runs had not settled after 0.05 s");
  assertEquals(aborted, [1, 2]);
  // After the deadline the pool starts nothing more.
  let started = 0;
  const jobs = pool(3, 2, (i) => {
    started++;
    return Promise.resolve(i);
  }, AbortSignal.abort(new Error("late")));
  const outcomes = await Promise.allSettled(jobs);
  assertEquals([outcomes.map((o) => o.status), started], [new Array(3).fill("rejected"), 0]);
});

const SETUP_ROWS = 200;

/** The SQLite database both S3 load tests query: `t(id, name)` with SETUP_ROWS rows. */
function makeLoadDatabase(): Promise<string> {
  return makeDatabase(
    `create table t(id integer primary key, name text);
     with recursive c(x) as (select 1 union all select x + 1 from c where x < ${SETUP_ROWS})
     insert into t select x, 'row-' || x from c;`,
  );
}

/** The SQLite3 config of both S3 load tests (n rows of the uploaded database). */
const LOAD_QUERY = {
  query_template: "select id, name from t where id <= {{ .inputs.n }} order by id",
  uri: `s3://${BUCKET}/db/load.db`,
  compressed: false,
};

Deno.test("load: 50 SQLite3 executions at once against one S3 server (in process)", async () => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  const storage = createStorage({ s3: s3.config });
  const local = await tempDir({ prefix: "flyteshim-load-" });
  await using _local = removing(local);
  await storage.upload(await makeLoadDatabase(), `s3://${BUCKET}/db/load.db`);
  const task = encodeTaskTemplate(template("sqlite", SQLITE, {
    ...LOAD_QUERY,
  }));
  const node = (i: number) => `s3://${BUCKET}/nodes/n${i}`;
  await Promise.all(Array.from({ length: RUNS }, async (_, i) => {
    await storage.write(`${node(i)}/task.pb`, task);
    await storage.write(`${node(i)}/inputs.pb`, encodeLiteralMap(await inputs(i + 1)));
  }));
  const { results: codes, ms } = await withDeadline(
    "SQLite3 on S3",
    (signal) =>
      Array.from({ length: RUNS }, (_, i) =>
        runExecute(
          executeArgs(node(i), `${node(i)}/0`, `s3://${BUCKET}/raw/n${i}`, SQLITE),
          { env: {}, registry, storage, logger: NULL_LOGGER, signal },
        )),
  );
  assertEquals(codes, new Array(RUNS).fill(0));
  for (let i = 0; i < RUNS; i++) {
    const files = await storage.list(`${node(i)}/0`);
    assertEquals(files, [`${node(i)}/0/outputs.pb`], `run ${i}`);
    const outputs = decodeLiteralMap(await storage.read(`${node(i)}/0/outputs.pb`));
    await checkResult(storage, outputs, i + 1, `${local}/n${i}.parquet`);
  }
  console.log(`${RUNS} concurrent runs on one S3 server: ${Math.round(ms)} ms`);
});

Deno.test("load: 50 SQL executions at once against one PostgreSQL (in process)", async () => {
  await using pg = await startPostgres();
  const local = await tempDir({ prefix: "flyteshim-load-" });
  await using _local = removing(local);
  await pg.sql(`create table t(id int primary key, name text);
    insert into t select x, 'row-' || x from generate_series(1, ${SETUP_ROWS}) x;`);
  const storage = createStorage();
  const task = encodeTaskTemplate(template("sqlalchemy", SQL, {
    query_template: "select id, name from t where id <= {{ .inputs.n }} order by id",
    uri: pg.url,
    connect_args: {},
    secret_connect_args: null,
  }));
  const dir = (i: number) => `${local}/n${i}`;
  await Promise.all(Array.from({ length: RUNS }, async (_, i) => {
    await Deno.mkdir(dir(i));
    await Deno.writeFile(`${dir(i)}/task.pb`, task);
    await Deno.writeFile(`${dir(i)}/inputs.pb`, encodeLiteralMap(await inputs(i + 1)));
  }));
  const { results: codes, ms } = await withDeadline(
    "SQL on PostgreSQL",
    (signal) =>
      Array.from({ length: RUNS }, (_, i) =>
        runExecute(
          executeArgs(dir(i), `${dir(i)}/out`, `${dir(i)}/raw`, SQL),
          { env: {}, registry, storage, logger: NULL_LOGGER, signal },
        )),
  );
  assertEquals(codes, new Array(RUNS).fill(0));
  for (let i = 0; i < RUNS; i++) {
    assertEquals([...Deno.readDirSync(`${dir(i)}/out`)].map((e) => e.name), ["outputs.pb"]);
    const outputs = decodeLiteralMap(await Deno.readFile(`${dir(i)}/out/outputs.pb`));
    await checkResult(storage, outputs, i + 1, `${dir(i)}/check.parquet`);
  }
  // Every connection was closed: only this check's own is left.
  await assertNoConnectionLeft(pg);
  console.log(`${RUNS} concurrent runs on one PostgreSQL: ${Math.round(ms)} ms`);
});

Deno.test("load: 50 SQL executions at once against one PostgreSQL, results on one S3 server (in process)", async () => {
  const [pgServer, s3Server] = await Promise.all([
    startPostgres(),
    startS3rver({ buckets: [BUCKET] }),
  ]);
  await using pg = pgServer;
  await using s3 = s3Server;
  const local = await tempDir({ prefix: "flyteshim-load-" });
  await using _local = removing(local);
  await pg.sql(`create table t(id int primary key, name text);
    insert into t select x, 'row-' || x from generate_series(1, ${SETUP_ROWS}) x;`);
  const storage = createStorage({ s3: s3.config });
  const task = encodeTaskTemplate(template("sqlalchemy", SQL, {
    query_template: "select id, name from t where id <= {{ .inputs.n }} order by id",
    uri: pg.url,
    connect_args: {},
    secret_connect_args: null,
  }));
  // Node (task.pb, inputs.pb), output prefix and raw output prefix all on the S3 server.
  const node = (i: number) => `s3://${BUCKET}/sql/n${i}`;
  const raw = (i: number) => `s3://${BUCKET}/sql-raw/n${i}`;
  await Promise.all(Array.from({ length: RUNS }, async (_, i) => {
    await storage.write(`${node(i)}/task.pb`, task);
    await storage.write(`${node(i)}/inputs.pb`, encodeLiteralMap(await inputs(i + 1)));
  }));
  const { results: codes, ms } = await withDeadline(
    "SQL on PostgreSQL to S3",
    (signal) =>
      Array.from({ length: RUNS }, (_, i) =>
        runExecute(
          executeArgs(node(i), `${node(i)}/0`, raw(i), SQL),
          { env: {}, registry, storage, logger: NULL_LOGGER, signal },
        )),
  );
  assertEquals(codes, new Array(RUNS).fill(0));
  for (let i = 0; i < RUNS; i++) {
    assertEquals(await storage.list(`${node(i)}/0`), [`${node(i)}/0/outputs.pb`], `run ${i}`);
    const outputs = decodeLiteralMap(await storage.read(`${node(i)}/0/outputs.pb`));
    const scalar = outputs.literals!.results.scalar!;
    const uri = scalar.schema?.uri ?? scalar.structuredDataset?.uri ?? "";
    assert(uri.startsWith(`${raw(i)}/`), `run ${i}: dataset at ${uri}`);
    await checkResult(storage, outputs, i + 1, `${local}/n${i}.parquet`);
  }
  await assertNoConnectionLeft(pg);
  console.log(
    `${RUNS} concurrent runs on one PostgreSQL writing to one S3 server: ${Math.round(ms)} ms`,
  );
});

Deno.test("load: 50 executions of the program (pool of 10 subprocesses) against one S3 server", async () => {
  await using s3 = await startS3rver({ buckets: [BUCKET] });
  const storage = createStorage({ s3: s3.config });
  const local = await tempDir({ prefix: "flyteshim-load-" });
  await using _local = removing(local);
  await storage.upload(await makeLoadDatabase(), `s3://${BUCKET}/db/load.db`);
  const tpl = template("sqlite", SQLITE, {
    ...LOAD_QUERY,
  });
  const { results: runs, ms } = await withDeadline(
    "program pool on S3",
    (signal) =>
      pool(RUNS, POOL, async (i) =>
        await runPropeller({
          root: `s3://${BUCKET}/program`,
          storage,
          execution: { name: `load${i}` },
          template: tpl,
          inputs: await inputs(i + 1),
          env: s3.env,
          timeoutMs: 30_000,
        }), signal),
  );
  for (const [i, run] of runs.entries()) {
    assertEquals([run.code, run.files], [0, ["outputs.pb"]], `run ${i}: ${run.stderr}`);
    await checkResult(storage, run.outputs!, i + 1, `${local}/p${i}.parquet`);
  }
  const each = runs.map((r) => r.ms).sort((a, b) => a - b);
  console.log(
    `${RUNS} program runs, ${POOL} at a time: ${Math.round(ms)} ms; per run median ${
      Math.round(each[RUNS >> 1])
    } ms, max ${Math.round(each[RUNS - 1])} ms`,
  );
});
