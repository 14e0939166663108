/**
 * Crash consistency: the program with the SQLite3 executor or the SQL executor (PostgreSQL), run
 * as propeller runs it, killed with SIGKILL after a random delay, then checked (`outputs.pb`
 * absent or whole, the dataset it names complete, nothing partial under a final name) and run
 * again on the same attempt.
 *
 * @example A few kills on local folders
 * ```ts ignore
 * import { crashRuns } from "./crash.ts";
 *
 * console.log(await crashRuns({ runs: 5, seed: 1 }));
 * ```
 *
 * @module
 */

import { decodeTaskTemplate, jsonToStruct, structToJson, type TaskTemplate } from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import { Prng } from "./fuzz.ts";
import { readParquet } from "./duckdb.ts";
import { prepareNode, runNode } from "./propeller.ts";
import { startS3rver } from "./s3rver.ts";
import { TEMPLATE_DIR } from "./sqlite3.ts";
import { flytekitContainerArgs } from "./propeller.ts";
import { startPostgres } from "./postgres.ts";
import { Types } from "../types/mod.ts";

/**
 * Rows of the result: four row groups of the writer's 32,768 and a partial one; with 64 hex
 * characters of padding a row (random on SQLite, md5 on PostgreSQL) the file is about 10 MB, past
 * the 5 MiB part size, so results on S3 go up as multipart uploads.
 */
export const ROWS = 140_000;

const QUERY = "with recursive r(i) as (select 1 union all select i + 1 from r where i < " +
  `${ROWS}) select i, 'name-' || i as name, i * 0.5 as half, hex(randomblob(32)) as pad ` +
  "from r where i <= {{ .inputs.limit }}";

const PG_QUERY = "select g as i, 'name-' || g as name, g * 0.5 as half, " +
  "md5(g::text) || md5((-g)::text) as pad from generate_series(1, {{ .inputs.limit }}) g";

function sqlalchemyTemplate(url: string): TaskTemplate {
  return {
    id: { resourceType: 1, project: "p", domain: "d", name: "sql.crash", version: "v1" },
    type: "sqlalchemy",
    metadata: { runtime: { type: 1, version: "1.16.10", flavor: "python" } },
    interface: {
      inputs: { variables: { limit: { type: Types.integer.literalType } } },
      outputs: { variables: { results: { type: { schema: {} } } } },
    },
    custom: jsonToStruct({ query_template: PG_QUERY, uri: url, connect_args: {} } as never),
    container: {
      image: "flyteshim:test",
      args: flytekitContainerArgs("flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor"),
    },
  };
}

async function template(uri: string): Promise<TaskTemplate> {
  const t = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  const json = structToJson(t.custom!) as Record<string, unknown>;
  // deno-lint-ignore no-explicit-any
  t.custom = jsonToStruct({ ...json, uri, query_template: QUERY } as any);
  return t;
}

/** The objects among `uris` that DuckDB cannot read as whole parquet files (`local`: scratch). */
export async function partialObjects(
  storage: Storage,
  uris: readonly string[],
  local: string,
): Promise<string[]> {
  const partial: string[] = [];
  for (const uri of uris) {
    await storage.download(uri, local);
    try {
      await readParquet(local, "select count(*) from t");
    } catch {
      partial.push(uri);
    }
  }
  return partial;
}

/** Options of {@linkcode crashRuns}. */
export interface CrashOptions {
  /** Kills to make. */
  runs: number;
  /** PRNG seed of the delays. */
  seed: number;
  /** Lay the node out on s3rver instead of local folders. */
  s3?: boolean;
  /** The executor. @default {"sqlite3"} */
  executor?: "sqlite3" | "sql";
  /**
   * Longest delay before the kill, in ms. Without it, 1.1 times the last rerun's time (a whole
   * run, measured as it goes), so kills spread over the whole run. @default {adaptive}
   */
  maxDelayMs?: number;
}

/** Counts by kill point: the last log message before the kill, and what was left. */
export interface CrashReport {
  runs: number;
  /** Kill point (last message logged before the kill, or "before any log") -> count. */
  byPoint: Record<string, number>;
  /** What the kill left: "nothing", "outputs.pb (whole)", "raw data only", "ended before kill". */
  left: Record<string, number>;
  /** Reruns that succeeded (must equal runs). */
  rerunsOk: number;
  /** Problems found; must be empty. */
  problems: string[];
}

/** Runs `runs` kills and checks each. */
export async function crashRuns(options: CrashOptions): Promise<CrashReport> {
  const rng = new Prng(options.seed);
  const work = await Deno.makeTempDir({ prefix: "flyteshim-crash-" });
  const db = `${work}/empty.db`;
  const podTmp = `${work}/tmp`;
  await Deno.mkdir(podTmp);
  await Deno.writeFile(db, new Uint8Array());
  const report: CrashReport = { runs: 0, byPoint: {}, left: {}, rerunsOk: 0, problems: [] };
  let wholeRunMs = 1500;
  const bump = (m: Record<string, number>, k: string) => m[k] = (m[k] ?? 0) + 1;
  let s3: Awaited<ReturnType<typeof startS3rver>> | undefined;
  let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
  try {
    // Started inside the try: a server that fails to start leaves no work folder behind.
    if (options.s3) s3 = await startS3rver({ buckets: ["crash"] });
    const storage = createStorage(s3 ? { s3: s3.config } : {});
    if (options.executor === "sql") pg = await startPostgres();
    const t = pg ? sqlalchemyTemplate(pg.url) : await template(db);
    for (let i = 0; i < options.runs; i++) {
      const node = await prepareNode({
        template: t,
        inputs: { literals: { limit: { scalar: { primitive: { integer: ROWS } } } } },
        root: s3 ? `s3://crash/run-${i}` : `${work}/run-${i}`,
        storage,
        // A killed program cannot remove its work folder: it goes under the run's own TMPDIR.
        env: { ...(s3?.env ?? {}), TMPDIR: podTmp },
      });
      const delay = rng.int(options.maxDelayMs ?? Math.round(1.1 * wholeRunMs));
      let last = "before any log";
      // The kill: runNode's timer sends SIGKILL; the last log line names the kill point.
      const run = await runNode(node, { timeoutMs: delay });
      for (const line of `${run.stdout}\n${run.stderr}`.split("\n")) {
        const m = line.match(/"(?:msg|message)":"([^"]+)"/);
        if (m) last = m[1];
      }
      report.runs++;
      const killed = run.signal === "SIGKILL";
      bump(report.byPoint, killed ? last : "ended before the kill");
      const label = `run ${i} (seed ${options.seed}, delay ${delay} ms)`;
      const check = async (r: typeof run, whole: boolean) => {
        if (r.files.includes("outputs.pb")) {
          const sd = r.outputs?.literals?.results?.scalar?.structuredDataset;
          if (!sd?.uri) return `${label}: outputs.pb without a dataset`;
          const objects = await storage.list(sd.uri);
          if (!objects.length) return `${label}: outputs.pb names ${sd.uri}, which is empty`;
          let rows = 0;
          for (const o of objects) {
            const local = `${work}/read-${i}.parquet`;
            await storage.download(o, local);
            rows += Number((await readParquet(local, "select count(*) as n from t")).rows[0][0]);
          }
          if (rows !== ROWS) return `${label}: ${rows} rows read back, expected ${ROWS}`;
          return "outputs.pb (whole)";
        }
        if (whole) {
          return `${label}: the rerun wrote no outputs.pb: ${r.error?.message ?? r.stderr}`;
        }
        // No outputs.pb: any object under the raw prefix must still be a whole parquet file.
        const raw = await storage.list(node.paths.rawOutputPrefix).catch(() => [] as string[]);
        const partial = await partialObjects(storage, raw, `${work}/raw-${i}.parquet`);
        if (partial.length) return `${label}: partial objects under a final name: ${partial}`;
        return raw.length ? "raw data only" : r.files.length ? r.files.join(",") : "nothing";
      };
      const left = await check(run, false);
      if (left.startsWith("run ")) report.problems.push(left);
      else bump(report.left, killed ? left : "ended before the kill");
      const again = await runNode(node, { timeoutMs: 120_000 });
      wholeRunMs = again.ms;
      const rerun = await check(again, true);
      if (rerun === "outputs.pb (whole)") report.rerunsOk++;
      else report.problems.push(`rerun: ${rerun}`);
      if (!s3) await Deno.remove(`${work}/run-${i}`, { recursive: true }).catch(() => {});
    }
  } finally {
    await s3?.stop();
    await pg?.stop();
    await Deno.remove(work, { recursive: true });
  }
  return report;
}
