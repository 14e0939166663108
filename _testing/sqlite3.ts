// Shared pieces of the SQLite3 suites: a real executor context on a temp folder, sample
// databases, and running the executor the way the runtime does (template -> config -> execute).
import { DatabaseSync } from "node:sqlite";
import { tempDir } from "./temp.ts";
import type { ExecutorContext, ExecutorLimits } from "../executors/mod.ts";
import { createSqlite3Executor, type Sqlite3ExecutorOptions } from "../executors/sqlite3/mod.ts";
import { type flyteidl, jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import type { StructuredDataset } from "../types/values.ts";
import { type ParquetTable, readParquet } from "./duckdb.ts";

/** flytekit's database and result parquet (testdata/sqlite3/). */
export const FIXTURE_DIR = new URL("../testdata/sqlite3/", import.meta.url).pathname;
/** flytekit's task template and inputs (testdata/idl/flytekit-sqlite3/). */
export const TEMPLATE_DIR = new URL("../testdata/idl/flytekit-sqlite3/", import.meta.url).pathname;

/** A context like the runtime's: real storage, a temp work folder and raw output prefix. */
export async function makeContext(
  template: TaskTemplate,
  options: {
    storage?: Storage;
    signal?: AbortSignal;
    rawOutputPrefix?: string;
    limits?: ExecutorLimits;
  } = {},
): Promise<ExecutorContext & { logs: string[] }> {
  const root = await tempDir({ prefix: "flyteshim-sqlite3-" });
  const raw = options.rawOutputPrefix ?? `${root}/raw`;
  await Deno.mkdir(`${root}/work`);
  const logs: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return {
    template,
    execution: {
      project: "p",
      domain: "d",
      name: "n",
      workflow: "w",
      launchPlan: "l",
      attempt: 0,
      task: { project: "p", domain: "d", name: "t", version: "v" },
    },
    rawOutputPrefix: raw,
    newRawOutputUri: () => `${raw}/${crypto.randomUUID().replaceAll("-", "")}`,
    storage: options.storage ?? createStorage(),
    secrets: { get: () => Promise.reject(new Error("no secrets here")) },
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    signal: options.signal ?? new AbortController().signal,
    workDir: `${root}/work`,
    limits: options.limits,
    logs,
  };
}

/** A `sqlite` task template with one `schema` output named `results` (as flytekit declares). */
export function sqliteTemplate(
  custom: { query_template: string; uri: string; compressed?: boolean },
  options: {
    inputs?: Record<string, flyteidl.core.ILiteralType>;
    output?: flyteidl.core.ILiteralType | null;
  } = {},
): TaskTemplate {
  const inputs = Object.fromEntries(
    Object.entries(options.inputs ?? {}).map(([k, type]) => [k, { type, description: k }]),
  );
  const outputs: Record<string, flyteidl.core.IVariable> = options.output === null
    ? {}
    : { results: { type: options.output ?? { schema: {} }, description: "results" } };
  return {
    type: "sqlite",
    interface: { inputs: { variables: inputs }, outputs: { variables: outputs } },
    custom: jsonToStruct(custom),
  };
}

/** What a run returned: the dataset and its table as DuckDB reads it. */
export interface Sqlite3Run {
  dataset?: StructuredDataset;
  table?: ParquetTable;
  outputs: Record<string, unknown>;
  context: ExecutorContext & { logs: string[] };
}

/** Parses `custom` and runs the executor, as the runtime does; reads the parquet back. */
export async function runSqlite3(
  custom: { query_template: string; uri: string; compressed?: boolean },
  inputs: Record<string, unknown> = {},
  options: {
    template?: TaskTemplate;
    executor?: Sqlite3ExecutorOptions;
    storage?: Storage;
    signal?: AbortSignal;
    rawOutputPrefix?: string;
    limits?: ExecutorLimits;
    query?: string;
  } = {},
): Promise<Sqlite3Run> {
  const template = options.template ?? sqliteTemplate(custom);
  const executor = createSqlite3Executor(options.executor);
  const config = executor.parseConfig({ compressed: false, ...custom }, template);
  const context = await makeContext(template, options);
  const outputs = (await executor.execute(config, inputs, context) ?? {}) as Record<
    string,
    unknown
  >;
  const dataset = outputs.results as StructuredDataset | undefined;
  let table: ParquetTable | undefined;
  if (dataset) {
    const local = `${context.workDir}/check.parquet`;
    await context.storage.download(`${dataset.uri}/00000`, local);
    table = await readParquet(local, options.query);
  }
  return { dataset, table, outputs, context };
}

/** A database with one table `t` of the given SQL rows; returns its path. */
export async function makeDatabase(sql: string, name = "sample.db"): Promise<string> {
  const dir = await tempDir({ prefix: "flyteshim-db-" });
  const path = `${dir}/${name}`;
  const db = new DatabaseSync(path);
  db.exec(sql);
  db.close();
  return path;
}

/** SHA-256 of a file, hex. */
export async function fileHash(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
