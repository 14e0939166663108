/**
 * The MySQL/MariaDB driver, on `npm:mysql2` (imported only when a MySQL URL is used).
 *
 * Statements run as server-side prepared statements with bound `?` parameters; rows stream
 * from the socket (the connection is paused while a batch is written, so memory stays bounded).
 * Aborting the signal, or the `statement_timeout` timer, runs `KILL QUERY` for the connection's
 * thread from a second connection.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { ConnectOptions } from "./connect_options.ts";
import type { QueryOptions, QueryReport, ResultSink, SqlConnection, SqlDriver } from "./driver.ts";
import { classifyMysqlError, type FailureContext, scriptWithoutRows } from "./errors.ts";
import type { SqlParam } from "./params.ts";
import { type MysqlDecoder, type MysqlField, mysqlType } from "./mysql_types.ts";
import { readTlsFiles } from "./tls.ts";

const DEFAULT_BATCH_ROWS = 10_000;

// deno-lint-ignore no-explicit-any
type Mysql = any;

function target(options: ConnectOptions): string {
  return `${options.host}:${options.port}/${options.database ?? ""}`;
}

async function clientOptions(options: ConnectOptions): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    ...(options.host.startsWith("/")
      ? { socketPath: options.host }
      : { host: options.host, port: options.port }),
    user: options.user,
    password: options.password,
    database: options.database,
    charset: options.charset ?? "utf8mb4",
    connectTimeout: (options.connectTimeoutSeconds ?? 30) * 1000, // 0: no timer (mysql2)
    // BIGINT values come as numbers where exact, as text beyond 2^53 (not as text always: making
    // that text cost a MariaDB result of 1M rows about 0.2 s).
    supportBigNumbers: true,
    bigNumberStrings: false,
    dateStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    timezone: "Z",
    // Scripts of several statements run as one text-protocol query (see `script`); prepared
    // statements, which carry every bound input, take one statement whatever this says.
    multipleStatements: true,
  };
  if (
    options.sslmode !== "disable" && options.sslmode !== "allow" && options.sslmode !== "prefer"
  ) {
    const ssl: Record<string, unknown> = {
      rejectUnauthorized: options.sslmode === "verify-ca" || options.sslmode === "verify-full",
      ...await readTlsFiles(options),
    };
    if (options.sslmode !== "verify-full") ssl.checkServerIdentity = () => undefined;
    out.ssl = ssl;
  }
  return out;
}

function open(mysql: Mysql, config: Record<string, unknown>): Promise<Mysql> {
  return new Promise((resolve, reject) => {
    const conn = mysql.createConnection(config);
    conn.connect((error: unknown) => error ? reject(error) : resolve(conn));
  });
}

function run(conn: Mysql, sql: string, values: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.query(sql, values, (error: unknown) => error ? reject(error) : resolve());
  });
}

function scalar(conn: Mysql, sql: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    conn.query(
      { sql, rowsAsArray: true },
      (error: unknown, rows: unknown[][]) => error ? reject(error) : resolve(rows?.[0]?.[0]),
    );
  });
}

/**
 * Each parameter with an explicit wire type (`mysql2`'s typed parameters), so the client never
 * picks one from the JavaScript value (its `Date` and JSON paths) or from the server's hints:
 * integers as BIGINT (which `LIMIT ?` accepts), floats as DOUBLE, bytes as a binary string,
 * everything else as the exact text.
 */
function bindable(mysql: Mysql, p: SqlParam): unknown {
  const typed = mysql.TypedParameter;
  if (p.value === null) return typed.NULL();
  if (p.value instanceof Uint8Array) return typed.BLOB(Buffer.from(p.value));
  switch (p.kind) {
    case "int32":
    case "int64":
      return typed.LONGLONG(BigInt(p.value));
    case "float":
    case "decimal":
      return typed.DOUBLE(Number(p.value));
    default:
      return typed.VAR_STRING(p.value);
  }
}

class MysqlConnection implements SqlConnection {
  #mysql: Mysql;
  #conn: Mysql;
  #config: Record<string, unknown>;
  #target: string;
  #statementTimeoutMs?: number;

  constructor(mysql: Mysql, conn: Mysql, config: Record<string, unknown>, options: ConnectOptions) {
    this.#mysql = mysql;
    this.#conn = conn;
    this.#config = config;
    this.#target = target(options);
    this.#statementTimeoutMs = options.statementTimeoutMs;
  }

  /** Kills the running statement of this connection from a second connection. */
  async #killQuery(): Promise<void> {
    const killer = await open(this.#mysql, this.#config);
    try {
      await run(killer, `KILL QUERY ${Number(this.#conn.threadId)}`);
    } finally {
      killer.destroy();
    }
  }

  async #stream(
    text: string,
    params: readonly SqlParam[] | undefined,
    sink: ResultSink | undefined,
    options: QueryOptions,
  ): Promise<void> {
    const ctx: FailureContext = { phase: "query", target: this.#target, signal: options.signal };
    options.signal?.throwIfAborted();
    const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    const conn = this.#conn;
    let killing: Promise<void> | undefined;
    const kill = () => {
      killing ??= this.#killQuery().catch(() => {});
    };
    const onAbort = () => kill();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = this.#statementTimeoutMs
      ? setTimeout(() => {
        ctx.timedOut = true;
        kill();
      }, this.#statementTimeoutMs)
      : undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        let decoders: MysqlDecoder[] = [];
        let announced = false;
        let batch: unknown[][] = [];
        let chain: Promise<void> = Promise.resolve();
        let failed = false;
        const fail = (error: unknown) => {
          if (failed) return;
          failed = true;
          reject(error);
        };
        const announce = (fields: MysqlField[] | undefined) => {
          if (announced || !sink) return;
          announced = true;
          const types = (fields ?? []).map(mysqlType);
          decoders = types.map((t) => t.decode);
          const columns = (fields ?? []).map((f, i) => ({
            name: f.name,
            kind: types[i].kind,
            serverType: types[i].name,
          }));
          chain = chain.then(() => sink.columns(columns));
        };
        const flush = () => {
          if (!sink || batch.length === 0) return;
          const full = batch;
          batch = [];
          conn.pause();
          chain = chain.then(() => sink.rows(full)).then(() => conn.resume(), (error) => {
            conn.resume();
            throw error;
          });
          chain.catch(fail);
        };
        // With parameters, a prepared statement (one statement); without (a script), the text
        // protocol, whose result sets are numbered: the first one with columns is the output.
        const cmd = params
          ? conn.execute({
            sql: text,
            values: params.map((p) => bindable(this.#mysql, p)),
            rowsAsArray: true,
          })
          : conn.query({ sql: text, rowsAsArray: true });
        let chosen: number | undefined;
        cmd.on("error", fail);
        // A lost connection is reported on the connection, not on a command without callback.
        conn.once("error", fail);
        cmd.on("fields", (fields: MysqlField[] | undefined, index?: number) => {
          // A statement without a result set (OK packet) reports no fields.
          if (chosen !== undefined || (!params && !fields?.length)) return;
          // The text protocol's command reports the result set's index on itself only.
          chosen = index ?? cmd._resultIndex ?? 0;
          announce(fields);
        });
        cmd.on("result", (row: unknown, index?: number) => {
          if (!sink || !Array.isArray(row) || (index ?? 0) !== chosen) return;
          // mysql2 makes a new array per row: its values are replaced in place.
          for (let c = 0; c < row.length; c++) {
            if (row[c] !== null) row[c] = decoders[c](row[c]);
          }
          batch.push(row);
          if (batch.length >= batchRows) flush();
        });
        cmd.on("end", () => {
          conn.removeListener("error", fail);
          if (failed) return;
          if (!params && sink && chosen === undefined) return fail(scriptWithoutRows(ctx, "first"));
          announce(undefined);
          flush();
          chain.then(resolve, fail);
        });
      });
    } catch (error) {
      await killing;
      throw classifyMysqlError(error, ctx);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  async query(
    text: string,
    params: readonly SqlParam[],
    sink: ResultSink,
    options: QueryOptions = {},
  ): Promise<QueryReport> {
    await this.#stream(text, params, sink, options);
    return { via: "rows" };
  }

  execute(text: string, params: readonly SqlParam[], options: QueryOptions = {}) {
    return this.#stream(text, params, undefined, options);
  }

  async script(text: string, sink: ResultSink | undefined, options: QueryOptions = {}) {
    // As SQLAlchemy's engine.begin(). MySQL commits implicitly around DDL statements, so those
    // stay done whatever follows them (the server's rule, the same under flytekit).
    await this.#simple("START TRANSACTION", options);
    try {
      await this.#stream(text, undefined, sink, options);
      await this.#simple("COMMIT", options);
    } catch (error) {
      await run(this.#conn, "ROLLBACK").catch(() => {});
      throw error;
    }
  }

  async #simple(text: string, options: QueryOptions): Promise<void> {
    const ctx: FailureContext = { phase: "query", target: this.#target, signal: options.signal };
    try {
      await run(this.#conn, text);
    } catch (error) {
      throw classifyMysqlError(error, ctx);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#conn.end(() => {
        this.#conn.destroy();
        resolve();
      });
    });
  }
}

/**
 * The MySQL/MariaDB driver.
 *
 * @example Placeholders
 * ```ts
 * import { mysqlDriver } from "./mysql.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(mysqlDriver.placeholder, "question");
 * ```
 */
export const mysqlDriver: SqlDriver = {
  placeholder: "question",
  async connect(options, signal) {
    const ctx: FailureContext = { phase: "connect", target: target(options), signal };
    signal?.throwIfAborted();
    const { default: mysql } = await import("mysql2");
    const config = await clientOptions(options);
    let conn: Mysql;
    try {
      conn = await open(mysql, config);
      conn.on("error", () => {}); // failures reach the running command; avoid an unhandled event
      await run(conn, "SET time_zone = '+00:00'");
      // The query templating escapes strings for MySQL's default lexing: backslash escapes on,
      // double quotes delimiting strings. Keep it so whatever the server's default sql_mode.
      const mode = await scalar(conn, "SELECT @@SESSION.sql_mode");
      const kept = String(mode ?? "").split(",").filter((m) =>
        m && m !== "ANSI_QUOTES" && m !== "NO_BACKSLASH_ESCAPES" && m !== "ANSI"
      );
      if (kept.join(",") !== String(mode ?? "")) {
        await run(conn, "SET SESSION sql_mode = ?", [kept.join(",")]);
      }
    } catch (error) {
      conn?.destroy();
      throw classifyMysqlError(error, ctx);
    }
    return new MysqlConnection(mysql, conn, config, options);
  },
};
