/**
 * Soak: many runs in a row, through the propeller harness (the program as a subprocess) and in one
 * process through `task.run()`, with curves of time per run, open file descriptors, memory after
 * GC and leftover temporary entries; and many concurrent runs against one PostgreSQL.
 *
 * @example A short soak in process
 * ```ts ignore
 * import { inProcessSoak } from "./soak.ts";
 *
 * console.log(await inProcessSoak({ runs: 20 }));
 * ```
 *
 * @module
 */

import { removing } from "./temp.ts";
import {
  decodeErrorDocument,
  encodeLiteralMap,
  encodeTaskTemplate,
  flyteidl,
  jsonToStruct,
  type TaskTemplate,
} from "../idl/mod.ts";
import { parseExecuteArgs } from "../entrypoint/args.ts";
import { NULL_LOGGER } from "../entrypoint/dispatch.ts";
import { runExecute } from "../entrypoint/execute.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { sqlite3Task } from "../task/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { flytekitContainerArgs, runPropeller } from "./propeller.ts";
import { startPostgres } from "./postgres.ts";
import { testTemplate } from "./runtime_fixtures.ts";
import { makeDatabase } from "./sqlite3.ts";

/** One sample of a curve. */
export interface Sample {
  run: number;
  ms: number;
  /** Open file descriptors of this process (in process only). */
  fds?: number;
  /** Heap used after a full GC, in bytes (in process only). */
  heap?: number;
  /** Resident set size after a full GC, in bytes (in process only). */
  rss?: number;
  /** Entries left in the runs' private temporary folder. */
  temp: number;
}

/** Start and end of each curve: means of the first and last `window` samples. */
export interface SoakSummary {
  runs: number;
  failures: string[];
  start: Omit<Sample, "run">;
  end: Omit<Sample, "run">;
}

function summarize(samples: Sample[], failures: string[], window = 50): SoakSummary {
  const mean = (xs: Sample[]) => {
    const out: Record<string, number> = {};
    for (const k of ["ms", "fds", "heap", "rss", "temp"] as const) {
      const vs = xs.map((x) => x[k]).filter((v): v is number => v !== undefined);
      if (vs.length) out[k] = Math.round(vs.reduce((a, b) => a + b, 0) / vs.length);
    }
    return out as Omit<Sample, "run">;
  };
  const w = Math.max(1, Math.min(window, Math.floor(samples.length / 2)));
  return {
    runs: samples.length,
    failures,
    start: mean(samples.slice(0, w)),
    end: mean(samples.slice(-w)),
  };
}

const QUERY = "select id, name from t where id <= {{ .inputs.n }} order by id";

async function database() {
  return await makeDatabase(
    "create table t(id integer primary key, name text);" +
      "with recursive r(i) as (select 1 union all select i + 1 from r where i < 2000) " +
      "insert into t select i, 'row-' || i from r;",
  );
}

function countEntries(dir: string): number {
  return [...Deno.readDirSync(dir)].length;
}

function openFds(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

/** Options of the soaks. */
export interface SoakOptions {
  runs: number;
  /**
   * In process: point this process's TMPDIR at a private folder for the duration, so every
   * temporary entry a run leaves is counted. Only where nothing else runs in the process (not in
   * the test runner, whose parallel modules share the environment). @default {false}
   */
  privateTmp?: boolean;
  /** Called after each run (progress). */
  onRun?: (sample: Sample) => void;
}

/**
 * `runs` SQLite3 runs in this process through `task.run()` (see `privateTmp` for temporary
 * entries). Needs `--v8-flags=--expose-gc` for memory after GC (without it, memory is sampled as
 * it is).
 */
export async function inProcessSoak(options: SoakOptions): Promise<SoakSummary> {
  const db = await database();
  const root = await Deno.makeTempDir({ prefix: "flyteshim-soak-" });
  const tmp = `${root}/tmp`;
  await Deno.mkdir(tmp);
  const before = Deno.env.get("TMPDIR");
  if (options.privateTmp) Deno.env.set("TMPDIR", tmp);
  const gc = (globalThis as { gc?: () => void }).gc;
  const task = sqlite3Task({
    name: "soak",
    queryTemplate: QUERY,
    uri: db,
    inputs: { n: Types.integer },
  });
  // Samples go into arrays allocated up front: a list of sample objects would itself grow the
  // heap by about 0.14 KB a run, which is what a leak looks like.
  const columns = ["ms", "fds", "heap", "rss", "temp"] as const;
  const data = Object.fromEntries(
    columns.map((c) => [c, new Float64Array(options.runs)]),
  ) as Record<
    typeof columns[number],
    Float64Array
  >;
  const failures: string[] = [];
  try {
    for (let i = 0; i < options.runs; i++) {
      const n = 1 + (i % 100);
      const dir = `${root}/run`;
      const started = performance.now();
      try {
        const out = await task.run({ n: BigInt(n) }, { dir, env: {} });
        const rows = (out as { results: { uri: string } }).results.uri;
        if (!rows) failures.push(`run ${i}: no dataset`);
      } catch (e) {
        failures.push(`run ${i}: ${(e as Error).message}`);
      }
      const ms = performance.now() - started;
      await Deno.remove(dir, { recursive: true });
      gc?.();
      const mem = Deno.memoryUsage();
      data.ms[i] = ms;
      data.fds[i] = openFds();
      data.heap[i] = mem.heapUsed;
      data.rss[i] = mem.rss;
      data.temp[i] = countEntries(tmp);
      if (options.onRun) {
        options.onRun({
          run: i,
          ms,
          fds: data.fds[i],
          heap: data.heap[i],
          rss: data.rss[i],
          temp: data.temp[i],
        });
      }
    }
  } finally {
    if (options.privateTmp) {
      if (before === undefined) Deno.env.delete("TMPDIR");
      else Deno.env.set("TMPDIR", before);
    }
    await Deno.remove(root, { recursive: true });
    await Deno.remove(db.slice(0, db.lastIndexOf("/")), { recursive: true }).catch(() => {});
  }
  const samples = Array.from({ length: options.runs }, (_, i) => ({
    run: i,
    ms: data.ms[i],
    fds: data.fds[i],
    heap: data.heap[i],
    rss: data.rss[i],
    temp: data.temp[i],
  }));
  return summarize(samples, failures);
}

/** `runs` SQLite3 runs of the program as subprocesses through the propeller harness. */
export async function subprocessSoak(options: SoakOptions): Promise<SoakSummary> {
  const db = await database();
  const root = await Deno.makeTempDir({ prefix: "flyteshim-soak-" });
  const tmp = `${root}/tmp`;
  await Deno.mkdir(tmp);
  const template: TaskTemplate = {
    ...testTemplate("sqlite", SQLITE, {
      inputs: { n: Types.integer.literalType },
      outputs: { results: { schema: {} } },
      args: flytekitContainerArgs(SQLITE),
    }),
    custom: jsonToStruct({ query_template: QUERY, uri: db, compressed: false } as never),
  };
  const samples: Sample[] = [];
  const failures: string[] = [];
  try {
    for (let i = 0; i < options.runs; i++) {
      const n = 1 + (i % 100);
      const run = await runPropeller({
        template,
        inputs: await valuesToLiteralMap({ n: BigInt(n) }, { n: Types.integer }),
        root: `${root}/node`,
        env: { TMPDIR: tmp },
      });
      if (run.code !== 0 || !run.files.includes("outputs.pb")) {
        failures.push(
          `run ${i}: exit ${run.code}, ${run.error?.message ?? run.stderr.slice(-200)}`,
        );
      }
      await Deno.remove(`${root}/node`, { recursive: true });
      const sample = { run: i, ms: run.ms, temp: countEntries(tmp) };
      samples.push(sample);
      options.onRun?.(sample);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(db.slice(0, db.lastIndexOf("/")), { recursive: true }).catch(() => {});
  }
  return summarize(samples, failures);
}

const SQLITE = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor";
const SQL = "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor";

/** How `concurrentPostgres` runs ended. */
export interface ConcurrentReport {
  runs: number;
  /** "outputs.pb" or the error's `code kind origin` -> count. */
  outcomes: Record<string, number>;
  /** Runs that did not end in outputs.pb or a recoverable SYSTEM error.pb. */
  bad: string[];
  /** The server's max_connections. */
  maxConnections: number;
  ms: number;
}

/**
 * `runs` SQL executions at once (in process, the program's `runExecute`) against one PostgreSQL
 * with its default `max_connections` (or `options.maxConnections`), under a deadline: a run
 * still going after `deadlineMs` is a hang.
 */
export async function concurrentPostgres(
  runs: number,
  options: { deadlineMs?: number; maxConnections?: number } = {},
): Promise<ConcurrentReport> {
  await using pg = await startPostgres(
    options.maxConnections ? { settings: { max_connections: String(options.maxConnections) } } : {},
  );
  const deadlineMs = options.deadlineMs ?? 120_000;
  const local = await Deno.makeTempDir({ prefix: "flyteshim-soak-pg-" });
  await using _local = removing(local);
  const registry = createExecutorRegistry(BUILTIN_EXECUTORS);
  await pg.sql(`create table t(id int primary key, name text);
    insert into t select x, 'row-' || x from generate_series(1, 1000) x;`);
  const maxConnections = Number((await pg.sql("show max_connections"))[0].max_connections);
  const task = encodeTaskTemplate({
    ...testTemplate("sqlalchemy", SQL, {
      inputs: { n: Types.integer.literalType },
      outputs: { results: { schema: {} } },
      args: flytekitContainerArgs(SQL),
    }),
    custom: jsonToStruct({
      // Every run holds its connection a moment, so that they overlap.
      query_template: "select id, name, pg_sleep(0.2)::text as s from t " +
        "where id <= {{ .inputs.n }} order by id",
      uri: pg.url,
      connect_args: {},
      secret_connect_args: null,
    } as never),
  });
  const dir = (i: number) => `${local}/n${i}`;
  for (let i = 0; i < runs; i++) {
    await Deno.mkdir(dir(i));
    await Deno.writeFile(`${dir(i)}/task.pb`, task);
    const inputs = await valuesToLiteralMap({ n: BigInt(i + 1) }, { n: Types.integer });
    await Deno.writeFile(`${dir(i)}/inputs.pb`, encodeLiteralMap(inputs));
  }
  const storage = createStorage();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  const started = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: runs }, (_, i) =>
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
      { env: {}, registry, storage, logger: NULL_LOGGER, signal: deadline.signal },
    )));
  clearTimeout(timer);
  const ms = performance.now() - started;
  const report: ConcurrentReport = { runs, outcomes: {}, bad: [], maxConnections, ms };
  const Kind = flyteidl.core.ContainerError.Kind;
  const Origin = flyteidl.core.ExecutionError.ErrorKind;
  for (let i = 0; i < runs; i++) {
    const names = [...Deno.readDirSync(`${dir(i)}/out`)].map((e) => e.name);
    let outcome: string;
    if (settled[i].status === "rejected") outcome = `threw ${String(settled[i])}`;
    else if (deadline.signal.aborted) outcome = "hang (deadline)";
    else if (names.includes("outputs.pb")) outcome = "outputs.pb";
    else {
      const file = names.find((n) => /^error.*\.pb$/.test(n));
      const e = file
        ? decodeErrorDocument(await Deno.readFile(`${dir(i)}/out/${file}`)).error
        : undefined;
      outcome = e
        ? `${e.code} ${Kind[e.kind ?? 0]} ${Origin[e.origin ?? 0]}`
        : `nothing written (${names.join(",")})`;
      if (!e || e.kind !== Kind.RECOVERABLE || e.origin !== Origin.SYSTEM) {
        report.bad.push(`run ${i}: ${outcome}: ${e?.message ?? ""}`);
      }
    }
    if (outcome.startsWith("threw") || outcome.startsWith("hang")) {
      report.bad.push(`run ${i}: ${outcome}`);
    }
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
  }
  return report;
}
