// Load: 50 executions at once against one S3 server (s3rver) and 50 at once against one
// PostgreSQL, each with its own input, bounded in time; every one must succeed with its own
// correct result, read back with DuckDB. On 2 cores the 50 concurrent runs are in process
// (`runExecute`, the library behind the program); 50 more go through the real program as a
// bounded pool of subprocesses against the same S3 server.
import { assert, assertEquals } from "@std/assert";
import { NULL_LOGGER, parseExecuteArgs, runExecute } from "../entrypoint/mod.ts";
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
import { readParquet } from "./_duckdb.ts";
import { startPostgres } from "./_postgres.ts";
import { flytekitContainerArgs, runPropeller } from "./_propeller.ts";
import { testTemplate } from "./_runtime_fixtures.ts";
import { startS3rver } from "./_s3rver.ts";
import { makeDatabase } from "./_sqlite3.ts";

const RUNS = 50;
const POOL = 10;
const BOUND_MS = 60_000;
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

/** Runs `count` jobs with at most `width` at a time. */
async function pool<T>(count: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await job(i);
    }
  }));
  return results;
}

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
  const s3 = await startS3rver({ buckets: [BUCKET] });
  const storage = createStorage({ s3: s3.config });
  const local = await Deno.makeTempDir({ prefix: "flyteshim-load-" });
  try {
    await storage.upload(await makeLoadDatabase(), `s3://${BUCKET}/db/load.db`);
    const task = encodeTaskTemplate(template("sqlite", SQLITE, {
      ...LOAD_QUERY,
    }));
    const node = (i: number) => `s3://${BUCKET}/nodes/n${i}`;
    await Promise.all(Array.from({ length: RUNS }, async (_, i) => {
      await storage.write(`${node(i)}/task.pb`, task);
      await storage.write(`${node(i)}/inputs.pb`, encodeLiteralMap(await inputs(i + 1)));
    }));
    const started = performance.now();
    const codes = await Promise.all(Array.from({ length: RUNS }, (_, i) =>
      runExecute(
        parseExecuteArgs([
          "--inputs",
          `${node(i)}/inputs.pb`,
          "--output-prefix",
          `${node(i)}/0`,
          "--raw-output-data-prefix",
          `s3://${BUCKET}/raw/n${i}`,
          "--",
          `${node(i)}/task.pb`,
          SQLITE,
        ]),
        { env: {}, registry, storage, logger: NULL_LOGGER },
      )));
    const ms = performance.now() - started;
    assertEquals(codes, new Array(RUNS).fill(0));
    for (let i = 0; i < RUNS; i++) {
      const files = await storage.list(`${node(i)}/0`);
      assertEquals(files, [`${node(i)}/0/outputs.pb`], `run ${i}`);
      const outputs = decodeLiteralMap(await storage.read(`${node(i)}/0/outputs.pb`));
      await checkResult(storage, outputs, i + 1, `${local}/n${i}.parquet`);
    }
    console.log(`${RUNS} concurrent runs on one S3 server: ${Math.round(ms)} ms`);
    assert(ms < BOUND_MS, `took ${ms} ms`);
  } finally {
    await s3.stop();
    await Deno.remove(local, { recursive: true });
  }
});

Deno.test("load: 50 SQL executions at once against one PostgreSQL (in process)", async () => {
  const pg = await startPostgres();
  const local = await Deno.makeTempDir({ prefix: "flyteshim-load-" });
  try {
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
    const started = performance.now();
    const codes = await Promise.all(Array.from({ length: RUNS }, (_, i) =>
      runExecute(
        parseExecuteArgs([
          "--inputs",
          `${dir(i)}/inputs.pb`,
          "--output-prefix",
          `${dir(i)}/out`,
          "--raw-output-data-prefix",
          `${dir(i)}/raw`,
          "--",
          `${dir(i)}/task.pb`,
          SQL,
        ]),
        { env: {}, registry, storage, logger: NULL_LOGGER },
      )));
    const ms = performance.now() - started;
    assertEquals(codes, new Array(RUNS).fill(0));
    for (let i = 0; i < RUNS; i++) {
      assertEquals([...Deno.readDirSync(`${dir(i)}/out`)].map((e) => e.name), ["outputs.pb"]);
      const outputs = decodeLiteralMap(await Deno.readFile(`${dir(i)}/out/outputs.pb`));
      await checkResult(storage, outputs, i + 1, `${dir(i)}/check.parquet`);
    }
    // Every connection was closed: only this check's own is left.
    const [{ n }] = await pg.sql(
      "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend'",
    );
    assertEquals(n, 1, "connections left open");
    console.log(`${RUNS} concurrent runs on one PostgreSQL: ${Math.round(ms)} ms`);
    assert(ms < BOUND_MS, `took ${ms} ms`);
  } finally {
    await pg.stop();
    await Deno.remove(local, { recursive: true });
  }
});

Deno.test("load: 50 executions of the program (pool of 10 subprocesses) against one S3 server", async () => {
  const s3 = await startS3rver({ buckets: [BUCKET] });
  const storage = createStorage({ s3: s3.config });
  const local = await Deno.makeTempDir({ prefix: "flyteshim-load-" });
  try {
    await storage.upload(await makeLoadDatabase(), `s3://${BUCKET}/db/load.db`);
    const tpl = template("sqlite", SQLITE, {
      ...LOAD_QUERY,
    });
    const started = performance.now();
    const runs = await pool(RUNS, POOL, async (i) =>
      await runPropeller({
        root: `s3://${BUCKET}/program`,
        storage,
        execution: { name: `load${i}` },
        template: tpl,
        inputs: await inputs(i + 1),
        env: s3.env,
        timeoutMs: 30_000,
      }));
    const ms = performance.now() - started;
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
    assert(ms < BOUND_MS, `took ${ms} ms`);
  } finally {
    await s3.stop();
    await Deno.remove(local, { recursive: true });
  }
});
