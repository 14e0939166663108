/**
 * flyteshim's SQLite3 executor, a drop-in for flytekit's `SQLite3Task` (task type `sqlite`,
 * executor path `flytekit.extras.sqlite3.task.SQLite3TaskExecutor`): it fetches the database
 * named by `custom.uri` into the work folder (unpacking it when `custom.compressed`), renders
 * `custom.query_template` with the inputs without pasting any into SQL text unescaped, runs it
 * read-only on the local copy, and streams the rows into a parquet structured dataset.
 *
 * @example Run a query on a local database
 * ```ts
 * import { sqlite3Executor } from "@flyteshim/flyteshim/executors/sqlite3";
 * import { createStorage } from "../../storage/mod.ts";
 * import { DatabaseSync } from "node:sqlite";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * const db = new DatabaseSync(`${dir}/t.db`);
 * db.exec("create table t(id integer, name text); insert into t values (1, 'a'), (2, 'b')");
 * db.close();
 * const template = {
 *   type: "sqlite",
 *   interface: { outputs: { variables: { results: { type: { schema: {} } } } } },
 * };
 * const config = sqlite3Executor.parseConfig(
 *   {
 *     query_template: "select * from t where id > {{ .inputs.min }}",
 *     uri: `${dir}/t.db`,
 *     compressed: false,
 *   },
 *   template,
 * );
 * const outputs = await sqlite3Executor.execute(config, { min: 1n }, {
 *   template,
 *   execution: {
 *     project: "",
 *     domain: "",
 *     name: "",
 *     workflow: "",
 *     launchPlan: "",
 *     attempt: 0,
 *     task: { project: "", domain: "", name: "", version: "" },
 *   },
 *   rawOutputPrefix: `${dir}/raw`,
 *   newRawOutputUri: () => `${dir}/raw/0123456789abcdef0123456789abcdef`,
 *   storage: createStorage(),
 *   secrets: { get: () => Promise.reject(new Error("no secrets")) },
 *   logger: { debug() {}, info() {}, warn() {}, error() {} },
 *   signal: new AbortController().signal,
 *   workDir: dir,
 * }) as Record<string, { uri: string }>;
 * assertEquals(outputs.results.uri, `${dir}/raw/0123456789abcdef0123456789abcdef`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { SystemError, UserError } from "../../errors.ts";
import { joinUri, schemeOf } from "../../storage/storage.ts";
import { redactUri } from "../../storage/redact.ts";
import { declaredColumns } from "../../types/dataset.ts";
import { StructuredDataset } from "../../types/values.ts";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { widenKind } from "../../parquet/columns.ts";
import { DatasetWriter, PARQUET_FILE } from "../../parquet/dataset_writer.ts";
import { type ColumnKind, MixedTypesError, type ParquetCodec } from "../../parquet/parquet.ts";
import { datasetOutputOf } from "../_sql/output.ts";
import { renderQuery, sqliteParam } from "../_sql/render.ts";
import { defineExecutor, type Executor, type ExecutorContext } from "../mod.ts";
import { parseSqlite3Config, type Sqlite3Config } from "./config.ts";

export type { Sqlite3Config } from "./config.ts";
export type { ParquetCodec } from "../../parquet/types.ts";

/** Options of {@linkcode createSqlite3Executor}. */
export interface Sqlite3ExecutorOptions {
  /**
   * The most bytes a compressed database may unpack to; when absent, the runtime's limit
   * (`FLYTESHIM_MAX_UNPACKED_MB`), else 8 GiB.
   */
  maxUnpackedBytes?: number;
  /** Rows per parquet row group. @default {1048576} */
  rowGroupRows?: number;
  /** PLAIN-encoded bytes that close a parquet row group early. @default {134217728} */
  rowGroupBytes?: number;
  /** Parquet page compression. @default {"SNAPPY"} */
  codec?: ParquetCodec;
  /** Encode parquet pages on a worker thread for large results. @default {true} */
  worker?: boolean;
}

export { PARQUET_FILE } from "../../parquet/dataset_writer.ts";

// SQLite result codes that come from the machine, not the query or the database file:
// BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN (of temporary files).
const SYSTEM_CODES = new Set([5, 6, 7, 10, 13, 14]);

/** SQLite errors as `USER:SqlError` with SQLite's message (machine failures: `SYSTEM:SqlError`). */
function sqlError(cause: unknown, doing: string): unknown {
  if (cause instanceof UserError || cause instanceof SystemError) return cause;
  const e = cause as { code?: string; errcode?: number; message?: string };
  if (typeof e?.code === "string" && e.code.startsWith("ERR_SQLITE")) {
    const message = `Cannot ${doing}: ${e.message}`;
    return SYSTEM_CODES.has((e.errcode ?? 0) & 0xff)
      ? new SystemError(message, { code: "SYSTEM:SqlError", cause })
      : new UserError(message, { code: "USER:SqlError", cause });
  }
  return cause;
}

function baseName(uri: string): string {
  const path = uri.replace(/[?#].*$/, "").replace(/\/+$/, "");
  let name = path.slice(path.lastIndexOf("/") + 1);
  try {
    name = decodeURIComponent(name);
  } catch { /* keep it encoded */ }
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== "." && name !== ".." ? name : "database";
}

const RESULT_TABLE = "flyteshim_result";
const CHUNK_ROWS = 8192;

type Row = unknown[];

/** Writes every row of the result into a dataset writer; may run again (widened columns). */
type RowSource = (writer: DatasetWriter) => Promise<void>;

const SELECT = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*(select|with)\b/i;

/**
 * How the result rows reach the writer. A SELECT (or WITH) streams: its rows go to the writer
 * from inside the statement ({@linkcode streamRows}); when the statement cannot be wrapped for
 * that, it runs into a temporary table read back in chunks ({@linkcode tableRows}). Other
 * statements that return rows (PRAGMA, VALUES, EXPLAIN) are small and read at once.
 */
function openRows(
  db: DatabaseSync,
  stmt: StatementSync,
  sql: string,
  params: SQLInputValue[],
  logger: ExecutorContext["logger"],
): RowSource {
  if (!SELECT.test(sql)) {
    let rows: Row[];
    try {
      rows = arrays(stmt).all(...params) as unknown as Row[];
    } catch (cause) {
      throw sqlError(cause, "run the query");
    }
    return async (writer) => {
      for (const row of rows) if (writer.push(row)) await writer.flush();
    };
  }
  const streamed = streamRows(db, stmt, params);
  if (streamed) return streamed;
  logger.debug("Reading the rows through a temporary table", { columns: stmt.columns().length });
  return tableRows(db, sql, params);
}

function arrays(s: StatementSync): StatementSync {
  // setReturnArrays exists in Deno 2.9's node:sqlite, not yet in its type declarations.
  (s as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
  s.setReadBigInts(true);
  return s;
}

/**
 * Rows handed over from inside the statement: the query becomes the body of a common table
 * expression whose rows are the arguments of a function of ours,
 * `with r(c0, ..., cN) as (<query>) select count(f(c0, ..., cN)) from r`. The rows come in the
 * query's own order: SQLite keeps a subquery's ORDER BY under an outer query that has none and
 * joins nothing, and it merges into the aggregate only a query without ORDER BY, LIMIT,
 * DISTINCT, aggregates or windows, whose FROM and WHERE it then plans as it would alone (the
 * same columns are read). SQLite hands each row's values over as they are (integers as bigint),
 * with no row object or iterator step per row and no copy of the result: 0.5 s of CPU for the
 * 1M rows of `bench/sqlite3.ts`, where filling a temporary table and reading it back with `all()`
 * took 0.4 + 1.1 s. The writer encodes each row as it comes and hands full slices to its worker
 * from inside the statement (`flushSync`). An error while stepping ends the statement with
 * SQLite's message, as does one thrown by the writer. Returns `undefined` when the statement
 * cannot be wrapped (more columns than a function takes, a query text that does not nest).
 */
function streamRows(
  db: DatabaseSync,
  stmt: StatementSync,
  params: SQLInputValue[],
): RowSource | undefined {
  const width = stmt.columns().length;
  const id = crypto.randomUUID().replaceAll("-", "");
  const fn = `flyteshim_row_${id}`;
  const alias = `flyteshim_result_${id}`;
  const names = Array.from({ length: width }, (_, j) => `c${j}`).join(", ");
  let onRow: (row: Row) => void = () => {};
  let wrapped: StatementSync;
  try {
    db.function(fn, { varargs: true, useBigIntArguments: true, directOnly: true }, (...row) => {
      onRow(row);
      return null;
    });
    // sourceSQL is the first statement of the text, up to its semicolon.
    const query = stmt.sourceSQL.replace(/;$/, "");
    wrapped = db.prepare(
      `with ${alias}(${names}) as (\n${query}\n) ` +
        `select count(${fn}(${names})) from ${alias}`,
    );
  } catch {
    return undefined;
  }
  return async (writer) => {
    await writer.ready();
    onRow = (row) => {
      if (writer.push(row)) writer.flushSync();
    };
    try {
      wrapped.get(...params);
    } catch (cause) {
      throw sqlError(cause, "run the query");
    } finally {
      onRow = () => {};
    }
  };
}

/**
 * Rows read back in chunks from a temporary table the query runs into (the path for statements
 * {@linkcode streamRows} cannot wrap). Chunked reads with `all()`, not `iterate()`: Deno 2.9's
 * `StatementSync.iterate()` ends silently on an error, truncating the result.
 */
function tableRows(db: DatabaseSync, sql: string, params: SQLInputValue[]): RowSource {
  let chunk: StatementSync;
  try {
    db.exec(`drop table if exists temp.${RESULT_TABLE}`);
    db.prepare(`create temp table ${RESULT_TABLE} as ${sql}`).run(...params);
    chunk = arrays(db.prepare(`select * from temp.${RESULT_TABLE} where rowid > ? and rowid <= ?`));
  } catch (cause) {
    throw sqlError(cause, "run the query");
  }
  return async (writer) => {
    for (let from = 0;; from += CHUNK_ROWS) {
      const rows = chunk.all(from, from + CHUNK_ROWS) as unknown as Row[];
      if (rows.length === 0) return;
      for (const row of rows) if (writer.push(row)) await writer.flush();
    }
  };
}

/**
 * A local database is not copied (a 174 MB copy costs more than the whole query): the work
 * folder gets a hard link to it, which the executor only ever opens read-only, so the file is
 * never written. Returns `false` (then the database is copied) for remote URIs, WAL-mode
 * databases, or when a link cannot be made (another file system, no permission).
 */
function linkLocal(uri: string, local: string): boolean {
  if (schemeOf(uri) !== "file") return false;
  const source = uri.startsWith("file://") ? decodeURIComponent(new URL(uri).pathname) : uri;
  try {
    // Synchronous calls: four small ones, each a fraction of an asynchronous call's cost.
    if (!Deno.statSync(source).isFile || isWalDatabase(source)) return false;
    Deno.linkSync(source, local);
    return true;
  } catch {
    return false; // the download reports a missing file as the storage error it is
  }
}

/**
 * Whether a database is in WAL mode (header bytes 18-19). Those are copied, not linked: SQLite
 * shares locks per file (inode), so a link would meet a writer of the original in this process.
 */
function isWalDatabase(path: string): boolean {
  const file = Deno.openSync(path);
  try {
    const head = new Uint8Array(20);
    let n = 0;
    while (n < head.length) {
      const r = file.readSync(head.subarray(n));
      if (r === null) break;
      n += r;
    }
    return n === 20 && (head[18] === 2 || head[19] === 2);
  } finally {
    file.close();
  }
}

/**
 * Fetches the database into the work folder and returns the local path of a private copy. A
 * local file is linked, not copied, unless the copy is to be written.
 */
async function fetchDatabase(
  config: Sqlite3Config,
  ctx: ExecutorContext,
  options: Sqlite3ExecutorOptions,
  writable: boolean,
): Promise<string> {
  const dir = Deno.makeTempDirSync({ dir: ctx.workDir, prefix: "sqlite3-" });
  const local = `${dir}/${baseName(config.uri)}`;
  ctx.logger.info("Fetching the database", { uri: redactUri(config.uri) });
  if (config.compressed || writable || !linkLocal(config.uri, local)) {
    await ctx.storage.download(config.uri, local, { signal: ctx.signal });
  }
  if (!config.compressed) return local;
  const { extractSingleFile } = await import("./archive.ts");
  try {
    return await extractSingleFile(local, `${dir}/unpacked`, {
      maxBytes: options.maxUnpackedBytes ?? ctx.limits?.maxUnpackedBytes,
      signal: ctx.signal,
      name: redactUri(config.uri),
    });
  } finally {
    await Deno.remove(local).catch(() => {});
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch { /* already gone */ }
}

/**
 * Opens the private copy. Double-quoted string literals are on, as in Python's `sqlite3` (which
 * flytekit's image runs): SQLite reads `"x"` as a column, table or alias when one of that name
 * is in scope and as the string `'x'` otherwise. Deno's SQLite is built with that legacy
 * behaviour off, which turned `where name = "O'Brien"` into "no such column".
 */
function openDatabase(path: string, writable: boolean): DatabaseSync {
  try {
    return new DatabaseSync(path, { readOnly: !writable, enableDoubleQuotedStringLiterals: true });
  } catch (cause) {
    throw sqlError(cause, "open the database");
  }
}

async function runQuery(
  config: Sqlite3Config,
  inputs: Record<string, unknown>,
  ctx: ExecutorContext,
  options: Sqlite3ExecutorOptions,
): Promise<Record<string, unknown>> {
  const output = datasetOutputOf(ctx.template, "SQLite3");
  const query = renderQuery(config.queryTemplate, inputs, { dialect: "sqlite" });
  const params = query.params.map(sqliteParam);
  // Without an output the statement may write (as in flytekit, to a private copy that is then
  // thrown away); with one, the database is only read, from a link when it is local.
  const path = await fetchDatabase(config, ctx, options, !output);
  const db = openDatabase(path, !output);
  try {
    ctx.logger.info("Running the query", {
      database: redactUri(config.uri),
      query: query.sql,
      params: params.length,
    });
    let stmt;
    try {
      stmt = db.prepare(query.sql);
    } catch (cause) {
      throw sqlError(cause, "run the query");
    }
    if (!output) {
      try {
        stmt.run(...params);
      } catch (cause) {
        throw sqlError(cause, "run the query");
      }
      return {};
    }
    const columns = stmt.columns();
    if (columns.length === 0) {
      throw new UserError(
        `Cannot return the query result as output "${output.name}": the statement returns no columns`,
        { code: "USER:SqlError" },
      );
    }
    const localFile = `${path}.parquet`;
    const rows = openRows(db, stmt, query.sql, params, ctx.logger);
    // Kinds are decided by the first rows; a later value that does not fit widens its
    // column (int64 -> double -> string -> binary) and the rows are written again.
    let kinds: (ColumnKind | undefined)[] = columns.map(() => undefined);
    for (let attempt = 0;; attempt++) {
      const writer = new DatasetWriter({
        path: localFile,
        columns: columns.map((c, j) => ({ name: c.name, declaredType: c.type, kind: kinds[j] })),
        rowGroupRows: options.rowGroupRows ?? ctx.limits?.parquet?.rowGroupRows,
        rowGroupBytes: options.rowGroupBytes ?? ctx.limits?.parquet?.rowGroupBytes,
        codec: options.codec ?? ctx.limits?.parquet?.codec,
        worker: options.worker,
        signal: ctx.signal,
      });
      try {
        await rows(writer);
        const result = await writer.close();
        ctx.logger.info("Query done", { rows: result.rows });
        break;
      } catch (error) {
        writer.abort();
        if (!(error instanceof MixedTypesError)) throw error;
        const j = columns.findIndex((c) => c.name === error.column.name);
        const wider = widenKind(error.column.kind, error.found);
        if (j < 0 || !wider || attempt >= 3 * columns.length) throw error;
        kinds = writer.columns.map((c) => c.kind);
        kinds[j] = wider;
        ctx.logger.warn("Widening a column that holds mixed values; writing again", {
          column: columns[j].name,
          kind: wider,
        });
      }
    }
    const uri = ctx.newRawOutputUri();
    await ctx.storage.upload(localFile, joinUri(uri, PARQUET_FILE), {
      signal: ctx.signal,
      move: true,
    });
    removeQuietly(localFile); // when it was copied, not moved
    return {
      [output.name]: new StructuredDataset({
        uri,
        format: "parquet",
        columns: declaredColumns(output.type),
      }),
    };
  } catch (error) {
    throw await explainNotADatabase(error, path, config);
  } finally {
    db.close();
    removeQuietly(path);
  }
}

const SQLITE_NOTADB = 26;

/**
 * SQLite's "file is not a database" names no file; say which one and, when it is an archive
 * given with `compressed: false`, what to change.
 */
async function explainNotADatabase(
  error: unknown,
  path: string,
  config: Sqlite3Config,
): Promise<unknown> {
  const errcode = ((error as { cause?: { errcode?: number } })?.cause?.errcode ?? 0) & 0xff;
  if (!(error instanceof UserError) || errcode !== SQLITE_NOTADB) return error;
  let hint = "";
  if (!config.compressed) {
    const { detectArchiveFormat } = await import("./archive.ts");
    const format = detectArchiveFormat(headOf(path));
    if (format) {
      hint = `; it looks like a ${
        format === "tar.gz" ? "gzip-compressed (tar.gz)" : format
      } archive: set compressed to true to unpack it`;
    }
  }
  return new UserError(
    `Cannot open "${redactUri(config.uri)}" as a SQLite database: file is not a database${hint}`,
    { code: error.code, cause: error.cause },
  );
}

/** The first 512 bytes of a file (fewer when it is shorter or unreadable). */
function headOf(path: string): Uint8Array {
  const head = new Uint8Array(512);
  let n = 0;
  try {
    using file = Deno.openSync(path);
    while (n < head.length) {
      const r = file.readSync(head.subarray(n));
      if (r === null) break;
      n += r;
    }
  } catch { /* unreadable: no hint */ }
  return head.subarray(0, n);
}

/**
 * Creates a SQLite3 executor with its limits.
 *
 * @example With a smaller unpacking limit
 * ```ts
 * import { createSqlite3Executor } from "@flyteshim/flyteshim/executors/sqlite3";
 * import { assertEquals } from "@std/assert";
 *
 * const executor = createSqlite3Executor({ maxUnpackedBytes: 1024 ** 3 });
 * assertEquals(executor.taskTypes, ["sqlite"]);
 * ```
 */
export function createSqlite3Executor(
  options: Sqlite3ExecutorOptions = {},
): Executor<Sqlite3Config> {
  return defineExecutor<Sqlite3Config>({
    id: "flyteshim.sqlite3",
    taskTypes: ["sqlite"],
    aliases: ["flytekit.extras.sqlite3.task.SQLite3TaskExecutor"],
    description: "Runs a SQL query on a SQLite database file and returns a structured dataset",
    parseConfig: (custom) => parseSqlite3Config(custom),
    // Failed downloads surface as the storage error they are; SQL errors as USER:SqlError.
    execute: (config, inputs, ctx) => runQuery(config, inputs, ctx, options),
  });
}

/** The SQLite3 executor with default limits (what `executors/builtin.ts` loads). */
export const sqlite3Executor: Executor<Sqlite3Config> = createSqlite3Executor();
