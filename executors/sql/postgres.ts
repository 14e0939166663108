/**
 * The PostgreSQL driver, on `npm:postgres` (imported only when a PostgreSQL URL is used).
 *
 * Results stream through an unnamed portal fetched `batchRows` rows at a time (a server-side
 * cursor, so memory stays bounded), values arrive in their text form and are decoded per column
 * by `postgres_types.ts`. Aborting the signal sends PostgreSQL's cancel request for the running
 * statement; `statement_timeout` is set as a server parameter at start-up.
 *
 * @module
 */

import type { ConnectOptions } from "./connect_options.ts";
import type { QueryOptions, ResultSink, SqlConnection, SqlDriver } from "./driver.ts";
import { classifyPostgresError, type FailureContext } from "./errors.ts";
import { postgresClientTypes, postgresType } from "./postgres_types.ts";
import { readTlsFiles } from "./tls.ts";

const DEFAULT_BATCH_ROWS = 10_000;

function target(options: ConnectOptions): string {
  return `${options.host}:${options.port}/${options.database ?? options.user ?? ""}`;
}

async function sslOption(options: ConnectOptions): Promise<unknown> {
  const mode = options.sslmode;
  if (mode === "disable") return false;
  const files = { ca: options.sslrootcert, cert: options.sslcert, key: options.sslkey };
  if (!files.ca && !files.cert && !files.key) {
    if (mode === "verify-full") return "verify-full";
    if (mode === "verify-ca") {
      return {
        rejectUnauthorized: true,
        checkServerIdentity: () => undefined,
      };
    }
    return mode === "allow" ? "prefer" : mode;
  }
  const tls: Record<string, unknown> = {
    rejectUnauthorized: mode === "verify-ca" || mode === "verify-full" ||
      (files.ca !== undefined && mode === "require"),
    ...await readTlsFiles(options),
  };
  if (mode !== "verify-full") tls.checkServerIdentity = () => undefined;
  return tls;
}

// deno-lint-ignore no-explicit-any
type Sql = any;

class PostgresConnection implements SqlConnection {
  #sql: Sql;
  #target: string;

  constructor(sql: Sql, target: string) {
    this.#sql = sql;
    this.#target = target;
  }

  async query(
    text: string,
    params: readonly unknown[],
    sink: ResultSink,
    options: QueryOptions = {},
  ): Promise<void> {
    const ctx: FailureContext = { phase: "query", target: this.#target, signal: options.signal };
    options.signal?.throwIfAborted();
    let announced = false;
    const announce = async (columns: { name: string; type: number }[]) => {
      announced = true;
      await sink.columns(columns.map((column) => {
        const type = postgresType(column.type);
        return { name: column.name, kind: type.kind, serverType: type.name };
      }));
    };
    const query = this.#sql.unsafe(text, this.#bind(params), { prepare: false }).values();
    const onAbort = () => query.cancel();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    // The client awaits the batch callback only when it suspends the portal; the last batch's
    // callback runs unawaited, so the work is chained here and awaited after the query.
    let work: Promise<void> = Promise.resolve();
    let sinkFailure: unknown;
    try {
      const result = await query.cursor(
        options.batchRows ?? DEFAULT_BATCH_ROWS,
        (rows: unknown[][] & { statement: { columns: { name: string; type: number }[] } }) => {
          work = work.then(async () => {
            if (!announced) await announce(rows.statement.columns);
            await sink.rows(rows);
          }).catch((error) => {
            sinkFailure ??= error;
            throw error;
          });
          work.catch(() => {}); // handled below, after the query
          return work;
        },
      );
      await work;
      if (!announced) await announce(result?.columns ?? result?.statement?.columns ?? []);
    } catch (error) {
      if (sinkFailure !== undefined) throw sinkFailure;
      throw classifyPostgresError(error, ctx);
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Floats bind as float8 (an untyped `$1 * 2` would otherwise be read as an integer). */
  #bind(params: readonly unknown[]): unknown[] {
    return params.map((v) => typeof v === "number" ? this.#sql.typed(v, 701) : v);
  }

  async execute(text: string, params: readonly unknown[], options: QueryOptions = {}) {
    const ctx: FailureContext = { phase: "query", target: this.#target, signal: options.signal };
    options.signal?.throwIfAborted();
    // Without parameters the simple protocol runs scripts of several statements, as psycopg2.
    // Rows, if any, are dropped as they arrive (forEach), never collected.
    const query =
      (params.length === 0
        ? this.#sql.unsafe(text).simple()
        : this.#sql.unsafe(text, this.#bind(params), { prepare: false })).forEach(() => {});
    const onAbort = () => query.cancel();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await query;
    } catch (error) {
      throw classifyPostgresError(error, ctx);
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  async close() {
    await this.#sql.end({ timeout: 0 });
  }
}

/**
 * The PostgreSQL driver.
 *
 * @example Placeholders
 * ```ts
 * import { postgresDriver } from "./postgres.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(postgresDriver.placeholder, "dollar");
 * ```
 */
export const postgresDriver: SqlDriver = {
  placeholder: "dollar",
  async connect(options, signal) {
    const ctx: FailureContext = { phase: "connect", target: target(options), signal };
    signal?.throwIfAborted();
    const { default: postgres } = await import("postgres");
    const connection: Record<string, string> = {
      application_name: options.applicationName ?? "flyteshim",
      TimeZone: "UTC",
      DateStyle: "ISO, MDY",
      IntervalStyle: "postgres",
      bytea_output: "hex",
      client_encoding: "UTF8",
      // The query templating escapes strings for standard-conforming lexing.
      standard_conforming_strings: "on",
    };
    if (options.statementTimeoutMs) {
      connection.statement_timeout = String(options.statementTimeoutMs);
    }
    if (options.options) connection.options = options.options;
    const unixSocket = options.host.startsWith("/");
    const clientOptions: Record<string, unknown> = {
      ...(unixSocket
        ? { path: `${options.host}/.s.PGSQL.${options.port}` }
        : { host: [options.host], port: [options.port] }),
      user: options.user,
      password: options.password ?? "",
      database: options.database ?? options.user,
      ssl: await sslOption(options),
      max: 1,
      prepare: false,
      fetch_types: false,
      types: postgresClientTypes(),
      connect_timeout: options.connectTimeoutSeconds ?? 30, // 0: no timer (postgres.js)
      idle_timeout: 0,
      max_lifetime: null,
      onnotice: () => {},
      connection,
    };
    // The client's option types do not cover host/port arrays or parser-only custom types.
    const sql = postgres(clientOptions as never);
    const onAbort = () => sql.end({ timeout: 0 });
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Opens the connection now, so that connection failures are reported as such.
      await sql.unsafe("select 1", [], { prepare: false }).raw();
    } catch (error) {
      await sql.end({ timeout: 0 }).catch(() => {});
      throw classifyPostgresError(error, ctx);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    return new PostgresConnection(sql, ctx.target);
  },
};
