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

import type { ConnectOptions } from "./connect_options.ts";
import type { QueryOptions, ResultSink, SqlConnection, SqlDriver } from "./driver.ts";
import { classifyMysqlError, type FailureContext } from "./errors.ts";
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
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    timezone: "Z",
    multipleStatements: false,
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

/** MySQL binds JavaScript numbers as DOUBLE, which `LIMIT ?` refuses: whole numbers go as BIGINT. */
function bindable(value: unknown): unknown {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  return value;
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
    params: readonly unknown[],
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
        const cmd = conn.execute({ sql: text, values: params.map(bindable), rowsAsArray: true });
        cmd.on("error", fail);
        // A lost connection is reported on the connection, not on a command without callback.
        conn.once("error", fail);
        cmd.on("fields", (fields: MysqlField[]) => announce(fields));
        cmd.on("result", (row: unknown) => {
          if (!sink || !Array.isArray(row)) return;
          const out = new Array(row.length);
          for (let c = 0; c < row.length; c++) {
            out[c] = row[c] === null ? null : decoders[c](row[c]);
          }
          batch.push(out);
          if (batch.length >= batchRows) flush();
        });
        cmd.on("end", () => {
          conn.removeListener("error", fail);
          if (failed) return;
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

  query(text: string, params: readonly unknown[], sink: ResultSink, options: QueryOptions = {}) {
    return this.#stream(text, params, sink, options);
  }

  execute(text: string, params: readonly unknown[], options: QueryOptions = {}) {
    return this.#stream(text, params, undefined, options);
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
