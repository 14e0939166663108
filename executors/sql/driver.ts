/**
 * The interface every database driver of the SQL executor implements (PostgreSQL, MySQL).
 *
 * A driver opens one connection, runs one statement with bound parameters and streams the
 * result in batches of rows whose values are already converted to the column kinds below, so
 * the parquet side never sees a driver's own value types.
 *
 * @module
 */

import type { ConnectOptions } from "./connect_options.ts";
import type { SqlParam } from "./params.ts";
import type { EncodedColumn } from "../../parquet/types.ts";

/**
 * How a result column is stored, and the JavaScript value a driver produces for it:
 * `boolean` boolean; `int32` number; `int64` bigint; `float32`/`float64` number;
 * `string` string; `bytes` Uint8Array; `date` number of days since 1970-01-01;
 * `timestamp` (no zone) and `timestamptz` (UTC) bigint microseconds since 1970-01-01;
 * `time` bigint microseconds since midnight.
 * `null` stands for SQL NULL in every kind.
 */
export type ColumnKind =
  | "boolean"
  | "int32"
  | "int64"
  | "float32"
  | "float64"
  | "string"
  | "bytes"
  | "date"
  | "timestamp"
  | "timestamptz"
  | "time";

/** A result column. */
export interface SqlColumn {
  /** Column name as the server reports it. */
  name: string;
  /** How values are stored. */
  kind: ColumnKind;
  /** The server's type name (`int8`, `numeric`, `LONGLONG`), for messages and docs. */
  serverType: string;
}

/**
 * Receives a result: the columns once, then batches of rows (arrays in column order), or, from a
 * driver that decodes column by column and a sink that takes it, slices of encoded columns.
 */
export interface ResultSink {
  /** Called once, before the first batch (or alone for an empty result). */
  columns(columns: readonly SqlColumn[]): void | Promise<void>;
  /** Called per batch; the driver waits for it before fetching more (backpressure). */
  rows(batch: readonly unknown[][]): void | Promise<void>;
  /**
   * The most rows and PLAIN bytes the next {@linkcode ResultSink.encoded} slice may hold; a sink
   * without it takes rows only.
   */
  sliceLimit?(): { rows: number; bytes: number };
  /**
   * Called per slice instead of `rows`: one PLAIN-encoded chunk per column, of the parquet kind
   * the column's kind is stored as (see `parquet_sink.ts`); `last` for the result's last slice.
   * The driver waits for it.
   */
  encoded?(chunks: EncodedColumn[], last: boolean): Promise<void>;
}

/** Options of {@linkcode SqlConnection.query}. */
export interface QueryOptions {
  /** Rows fetched per round trip and handed to the sink per batch. @default 10000 */
  batchRows?: number;
  /** Cancels the running statement on the server when aborted. */
  signal?: AbortSignal;
  /**
   * Where each parameter marker starts in the statement (from the templating), so that a driver
   * may put literals in their place; without them it binds parameters only.
   */
  markers?: readonly number[];
}

/** How a driver fetched a result, for logs and tests. */
export interface QueryReport {
  /** `copy` (PostgreSQL's binary COPY, decoded column by column) or `rows` (row batches). */
  via: "copy" | "rows";
}

/** One open connection. */
export interface SqlConnection {
  /** Runs a statement and streams its rows into `sink`; resolves when the result has ended. */
  query(
    sql: string,
    params: readonly SqlParam[],
    sink: ResultSink,
    options?: QueryOptions,
  ): Promise<QueryReport>;
  /** Runs a statement and discards any rows. */
  execute(sql: string, params: readonly SqlParam[], options?: QueryOptions): Promise<void>;
  /**
   * Runs a script of several statements, without parameters, in one transaction (committed when
   * every statement succeeded, rolled back as a whole otherwise). With a sink, the rows of one
   * statement go to it: PostgreSQL's last statement that returns rows (psycopg2 keeps the last
   * result), MySQL's first (PyMySQL's cursor holds the first); a script in which no statement
   * returns rows is then a `USER:InvalidTemplate` error.
   */
  script(sql: string, sink: ResultSink | undefined, options?: QueryOptions): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** A database driver. */
export interface SqlDriver {
  /** Bound-parameter style of its SQL: `$1` (PostgreSQL) or `?` (MySQL). */
  readonly placeholder: "dollar" | "question";
  /** Opens a connection; failures are classified errors (see `errors.ts`). */
  connect(options: ConnectOptions, signal?: AbortSignal): Promise<SqlConnection>;
}
