/**
 * The PostgreSQL driver, on `npm:postgres` (imported only when a PostgreSQL URL is used).
 *
 * Into a sink that takes encoded slices, results stream through `COPY (query) TO STDOUT (FORMAT
 * binary)`, decoded column by column by `postgres_binary.ts`, with inputs as the literals of
 * `postgres_literal.ts`, wherever that gives exactly what the row path gives (see
 * `#copyQuery`); on a connection without TLS the COPY data is read from the socket by the tap of
 * `postgres_copy.ts`, straight into the decoder. Otherwise they stream through an unnamed portal
 * fetched `batchRows` rows at a time (a server-side cursor, so memory stays bounded), values
 * arrive in their text form and are decoded per column by `postgres_types.ts`. Aborting the
 * signal sends PostgreSQL's cancel request for the running statement; `statement_timeout` is set
 * as a server parameter at start-up.
 *
 * @module
 */

import { SystemError } from "../../errors.ts";
import type { ConnectOptions } from "./connect_options.ts";
import type {
  QueryOptions,
  QueryReport,
  ResultSink,
  SqlColumn,
  SqlConnection,
  SqlDriver,
} from "./driver.ts";
import {
  classifyPostgresError,
  type FailureContext,
  scriptWithoutRows,
  sslNotSupported,
} from "./errors.ts";
import type { SqlParam, SqlParamKind } from "./params.ts";
import { postgresClientTypes, postgresType } from "./postgres_types.ts";
import { BinaryCopyDecoder, binaryDecodable } from "./postgres_binary.ts";
import { withLiterals } from "./postgres_literal.ts";
import { type CopyReceiver, CopyTap } from "./postgres_copy.ts";
import { readTlsFiles } from "./tls.ts";

/** How often a cancel request is repeated while an aborted statement has not ended. */
const CANCEL_REPEAT_MS = 300;
const DEFAULT_BATCH_ROWS = 10_000;
/** How long a failed COPY waits for its cancel request to be delivered. */
const CANCEL_WAIT_MS = 5_000;

/** The type OID each parameter kind is sent with; 0 lets the server infer it (text). */
const PARAM_OIDS: Record<SqlParamKind, number> = {
  text: 0,
  int32: 23,
  int64: 20,
  decimal: 1700,
  float: 701,
  boolean: 16,
  bytes: 17,
  timestamptz: 1184,
  interval: 1186,
};

function hex(bytes: Uint8Array): string {
  let out = "\\x";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

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

/** The `sslmode` values under which libpq refuses a server without TLS. */
const REQUIRED_TLS = new Set(["require", "verify-ca", "verify-full"]);

function isServerError(error: unknown): boolean {
  return (error as { name?: string })?.name === "PostgresError";
}

/**
 * Whether the server answers PostgreSQL's SSLRequest with "N" (no TLS), asked on a connection
 * of its own that sends nothing else; `false` when it cannot tell (no answer within 5 s).
 */
async function declinesTls(host: string, port: number): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  let timedOut = false;
  const close = () => {
    try {
      conn?.close();
    } catch {
      // already closed
    }
  };
  const probe = (async () => {
    conn = await Deno.connect({ hostname: host, port });
    if (timedOut) close();
    // Length 8, then the SSLRequest code 80877103 (1234 << 16 | 5679).
    await conn.write(new Uint8Array([0, 0, 0, 8, 4, 210, 22, 47]));
    const answer = new Uint8Array(1);
    const n = await conn.read(answer);
    return n === 1 && answer[0] === 0x4e; // "N"
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      close();
      resolve(false);
    }, 5_000);
  });
  try {
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    probe.catch(() => {});
    close();
  }
}

class PostgresConnection implements SqlConnection {
  #sql: Sql;
  #target: string;
  /** The cancel request sent for a COPY whose sink failed, until it has been delivered. */
  #cancelling: Promise<unknown> | undefined;
  /** The tap on the connection's socket (none over TLS): COPY data is read from it directly. */
  #taps: { tap?: CopyTap };

  constructor(sql: Sql, target: string, taps: { tap?: CopyTap } = {}) {
    this.#sql = sql;
    this.#target = target;
    this.#taps = taps;
  }

  #context(options: QueryOptions): FailureContext {
    return { phase: "query", target: this.#target, signal: options.signal };
  }

  /**
   * Runs a client query with the task's signal cancelling it on the server; a failure of the
   * sink (recorded in `state.sinkFailure`) wins over the query's own error.
   */
  async #run(
    query: { cancel(): unknown },
    options: QueryOptions,
    body: (state: { sinkFailure?: unknown }) => Promise<void>,
  ): Promise<void> {
    const state: { sinkFailure?: unknown } = {};
    let repeat: ReturnType<typeof setInterval> | undefined;
    const onAbort = () => {
      // The client's own cancel runs once; its canceller sends a new cancel request each call.
      const again = (query as { canceller?: (q: unknown) => unknown }).canceller;
      query.cancel();
      // The server ignores a cancel request that reaches it before it starts the statement (the
      // query may still be in flight): repeat it until the query settles.
      if (typeof again === "function") {
        repeat = setInterval(() => {
          Promise.resolve(again(query)).catch(() => {});
        }, CANCEL_REPEAT_MS);
      }
    };
    // An abort between two statements (while the COPY path describes, say) has no statement to
    // cancel: the next one must not start, as no abort event would reach it.
    options.signal?.throwIfAborted();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await body(state);
    } catch (error) {
      if (state.sinkFailure !== undefined) throw state.sinkFailure;
      throw classifyPostgresError(error, this.#context(options));
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      clearInterval(repeat);
    }
  }

  async query(
    text: string,
    params: readonly SqlParam[],
    sink: ResultSink,
    options: QueryOptions = {},
  ): Promise<QueryReport> {
    // No check of the signal here: every statement starts through #run, which makes it.
    if (sink.encoded && sink.sliceLimit && await this.#copyQuery(text, params, sink, options)) {
      return { via: "copy" };
    }
    let announced = false;
    const announce = async (columns: PgColumn[]) => {
      announced = true;
      await sink.columns(sqlColumns(columns));
    };
    const query = this.#sql.unsafe(text, this.#bind(params), { prepare: false }).values();
    await this.#run(query, options, async (state) => {
      // The client awaits the batch callback only when it suspends the portal; the last batch's
      // callback runs unawaited, so the work is chained here and awaited after the query.
      let work: Promise<void> = Promise.resolve();
      const result = await query.cursor(
        options.batchRows ?? DEFAULT_BATCH_ROWS,
        (rows: unknown[][] & { statement: { columns: PgColumn[] } }) => {
          work = work.then(async () => {
            if (!announced) await announce(rows.statement.columns);
            await sink.rows(rows);
          }).catch((error) => {
            state.sinkFailure ??= error;
            throw error;
          });
          work.catch(() => {}); // handled below, after the query
          return work;
        },
      );
      await work;
      if (!announced) await announce(result?.columns ?? result?.statement?.columns ?? []);
    });
    return { via: "rows" };
  }

  /** The result columns of a statement (none for one that returns no rows). */
  async #describe(text: string, bound: unknown[], options: QueryOptions): Promise<PgColumn[]> {
    const query = this.#sql.unsafe(text, bound, { prepare: false }).describe();
    let columns: PgColumn[] = [];
    await this.#run(query, options, async () => {
      columns = (await query).columns ?? [];
    });
    return columns;
  }

  /**
   * Streams the result through `COPY (query) TO STDOUT (FORMAT binary)`, decoded column by
   * column into the sink; `false` (nothing sent to the sink) when the result must take the text
   * path instead: a column type without an exact binary decoder, a parameter without a literal
   * form, a session not in UTF8, a statement that describes differently with literals, or a
   * server that refuses the COPY before it starts. COPY takes no bound parameters: with
   * parameters the statement runs with the literals of `postgres_literal.ts`.
   */
  async #copyQuery(
    text: string,
    params: readonly SqlParam[],
    sink: ResultSink,
    options: QueryOptions,
  ): Promise<boolean> {
    const server: Record<string, string> = this.#sql.parameters ?? {};
    // Timestamps as 64-bit integers (not the doubles of servers built before PostgreSQL 10).
    if (server.integer_datetimes !== "on") return false;
    if (params.length > 0 && (!options.markers || server.client_encoding !== "UTF8")) return false;
    // In one transaction: the locks taken by describing the statement hold until the COPY has
    // run, so no column can change its type in between.
    await this.#simple("begin", options);
    let copied = false;
    try {
      copied = await this.#copyInTransaction(text, params, sink, options);
      await this.#simple(copied ? "commit" : "rollback", options);
    } catch (error) {
      // A cancel request sent for the COPY must have reached the server before the next
      // statement starts, or it would cancel that one.
      const cancelling = this.#cancelling;
      this.#cancelling = undefined;
      if (cancelling) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, CANCEL_WAIT_MS));
        await Promise.race([cancelling.catch(() => {}), timeout]);
        clearTimeout(timer);
      }
      // Not awaited: after an abort the cancelled COPY may still be ending; closing the
      // connection rolls back as well.
      this.#simple("rollback", {}).catch(() => {});
      throw error;
    }
    return copied;
  }

  async #copyInTransaction(
    text: string,
    params: readonly SqlParam[],
    sink: ResultSink,
    options: QueryOptions,
  ): Promise<boolean> {
    const server: Record<string, string> = this.#sql.parameters ?? {};
    const columns = await this.#describe(text, this.#bind(params), options);
    if (columns.length === 0) return false;
    const session = {
      extraFloatDigits: 1,
      serverMajor: Number.parseInt(server.server_version ?? "0", 10) || 0,
    };
    if (columns.some((c) => c.type === 701)) {
      session.extraFloatDigits = await this.#extraFloatDigits(options);
    }
    if (!columns.every((c) => binaryDecodable(c.type, session))) return false;
    let sql = text;
    if (params.length > 0) {
      const literal = withLiterals(text, options.markers!, params);
      if (literal === undefined) return false;
      const again = await this.#describe(literal, [], options);
      if (
        again.length !== columns.length ||
        again.some((c, j) => c.name !== columns[j].name || c.type !== columns[j].type)
      ) {
        return false;
      }
      sql = literal;
    }
    // On lines of their own: a trailing line comment cannot swallow the closing parenthesis.
    const query = this.#sql.unsafe(`COPY (\n${sql}\n) TO STDOUT (FORMAT binary)`);
    const decoder = new BinaryCopyDecoder(columns.map((c) => c.type));
    // Armed before the statement is sent: the rows that arrive with the COPY's start already go
    // to the decoder rather than to the client's stream.
    const tap = this.#taps.tap?.framed ? this.#taps.tap : undefined;
    const direct = tap ? new DirectCopy(tap, decoder) : undefined;
    if (direct) tap!.arm(direct);
    let refused = false;
    let opened: CopyStream | undefined;
    try {
      await this.#run(query, options, async (state) => {
        refused = await this.#copyRun(query, decoder, direct, sink, columns, state, (s) => {
          opened = s;
        });
      });
    } catch (error) {
      // What still arrives for the cancelled COPY is drained by the client's stream.
      tap?.disarm();
      opened?.resume();
      tap?.resume();
      throw error;
    }
    tap?.disarm();
    return !refused;
  }

  /** Opens the COPY and pumps its rows into the sink; `true` when the server refused it. */
  async #copyRun(
    // deno-lint-ignore no-explicit-any
    query: any,
    decoder: BinaryCopyDecoder,
    direct: DirectCopy | undefined,
    sink: ResultSink,
    columns: PgColumn[],
    state: { sinkFailure?: unknown },
    onOpen: (stream: CopyStream) => void,
  ): Promise<boolean> {
    let stream: CopyStream;
    try {
      stream = await query.readable();
      onOpen(stream);
      direct?.opened(stream);
    } catch (error) {
      // Refused before a row was produced: COPY of this statement is not supported here.
      const code = (error as { code?: string }).code;
      if (isServerError(error) && (code === "0A000" || code === "42601")) return true;
      throw error;
    }
    // The client settles the query once the stream opens; while it streams, the query is the
    // server's running statement, which its canceller cancels only while marked active.
    query.active = true;
    const cancel = () => {
      const canceller = query.canceller;
      query.canceller = null;
      if (typeof canceller === "function") this.#cancelling = Promise.resolve(canceller(query));
    };
    try {
      await sink.columns(sqlColumns(columns));
    } catch (error) {
      state.sinkFailure = error; // two columns of one name, say
      cancel();
      throw error;
    }
    const onSinkFailure = (error: unknown) => {
      state.sinkFailure ??= error;
      cancel();
    };
    if (direct) await direct.pump(sink, onSinkFailure);
    else await pumpCopy(stream, decoder, sink, onSinkFailure);
    return false;
  }

  /** The session's `extra_float_digits` (0, as text that rounds, when it cannot be read). */
  async #extraFloatDigits(options: QueryOptions): Promise<number> {
    const query = this.#sql.unsafe("select current_setting('extra_float_digits')", [], {
      prepare: false,
    }).values();
    let value = 0;
    try {
      await this.#run(query, options, async () => {
        value = Number((await query)[0]?.[0]);
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
    }
    return Number.isInteger(value) ? value : 0;
  }

  /**
   * Each parameter as its exact text with the type OID of its kind; the client's serializers
   * pass the text through unchanged (see `postgres_types.ts`).
   */
  #bind(params: readonly SqlParam[]): unknown[] {
    return params.map((p) => {
      if (p.value === null) return null;
      const text = p.value instanceof Uint8Array ? hex(p.value) : p.value;
      const oid = PARAM_OIDS[p.kind];
      return oid === 0 ? text : this.#sql.typed(text, oid);
    });
  }

  async execute(text: string, params: readonly SqlParam[], options: QueryOptions = {}) {
    // Before the query is made: forEach sends it, before #run could check the signal.
    options.signal?.throwIfAborted();
    // Rows, if any, are dropped as they arrive (forEach), never collected.
    const query = this.#sql.unsafe(text, this.#bind(params), { prepare: false }).forEach(() => {});
    await this.#run(query, options, async () => {
      await query;
    });
  }

  async script(text: string, sink: ResultSink | undefined, options: QueryOptions = {}) {
    // The simple query protocol runs a script of several statements, as psycopg2 does. The
    // client opens a new result at each statement that returns rows after another statement,
    // so its last result is the last statement that returned rows. Rows arrive one by one with
    // their result; only the current result's rows are kept, in memory (as psycopg2 keeps them).
    await this.#simple("begin", options);
    try {
      let owner: unknown;
      let kept: unknown[][] = [];
      const query = this.#sql.unsafe(text).simple().values().forEach(
        (row: unknown[], result: unknown) => {
          if (!sink) return;
          if (result !== owner) [owner, kept] = [result, []];
          kept.push(row);
        },
      );
      let results: unknown;
      await this.#run(query, options, async () => {
        results = await query;
      });
      if (sink) {
        // One result, or an array of results when several statements returned rows.
        const isResult = (r: unknown) => Array.isArray(r) && "command" in r;
        const list = (Array.isArray(results) && results.length > 0 && isResult(results[0])
          ? results
          : [results]) as { columns?: PgColumn[] }[];
        const last = list[list.length - 1];
        const columns = last?.columns;
        if (!columns?.length) {
          throw scriptWithoutRows(this.#context(options), "last");
        }
        const rows = owner === last ? kept : []; // the last result may have no rows
        // Written before the commit: as in flytekit, a failure here rolls the script back.
        await sink.columns(sqlColumns(columns));
        const batch = options.batchRows ?? DEFAULT_BATCH_ROWS;
        for (let i = 0; i < rows.length; i += batch) {
          await sink.rows(rows.slice(i, i + batch));
        }
      }
      await this.#simple("commit", options);
    } catch (error) {
      await this.#simple("rollback", {}).catch(() => {});
      throw error;
    }
  }

  async #simple(text: string, options: QueryOptions): Promise<void> {
    const query = this.#sql.unsafe(text).simple();
    await this.#run(query, options, async () => {
      await query;
    });
  }

  async close() {
    await this.#sql.end({ timeout: 0 });
  }
}

interface PgColumn {
  name: string;
  type: number;
}

/** The client's COPY TO stream (a Node.js readable of CopyData payloads). */
interface CopyStream {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
  off(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/**
 * Feeds a COPY stream through the decoder into the sink, a slice at a time; the stream pauses
 * while the sink writes a slice (the client then stops reading the socket: the server waits).
 * A failure of the sink is reported through `onSinkFailure` (which cancels the statement), and
 * rejects; a server error or a lost connection destroys the stream, and rejects.
 */
function pumpCopy(
  stream: CopyStream,
  decoder: BinaryCopyDecoder,
  sink: ResultSink,
  onSinkFailure: (error: unknown) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let writing = false;
    let ended = false;
    let limit = sink.sliceLimit!();
    const fail = (error: unknown, fromSink: boolean) => {
      if (settled) return;
      settled = true;
      stream.off("data", onData);
      stream.resume(); // drain: the server's answer to the cancel must get through
      if (fromSink) onSinkFailure(error);
      reject(error);
    };
    const write = (last: boolean) => {
      writing = true;
      stream.pause();
      sink.encoded!(decoder.take(), last).then(() => {
        writing = false;
        if (last) return finish();
        limit = sink.sliceLimit!();
        if (ended) finish();
        else stream.resume();
      }, (error) => fail(error, true));
    };
    const finish = () => {
      if (settled) return;
      if (!decoder.ended) {
        return fail(
          new SystemError("Cannot read the query result: the COPY data ends without its trailer", {
            code: "SYSTEM:DatabaseUnavailable",
          }),
          true,
        );
      }
      if (decoder.rows > 0) return write(true);
      settled = true;
      resolve();
    };
    const onData = (chunk: Uint8Array) => {
      try {
        decoder.add(chunk);
      } catch (error) {
        return fail(
          new SystemError(`Cannot read the query result: ${(error as Error).message}`, {
            code: "SYSTEM:DatabaseUnavailable",
            cause: error,
          }),
          true,
        );
      }
      const rows = decoder.rows;
      if (rows >= limit.rows || ((rows & 63) === 0 && decoder.byteLength >= limit.bytes)) {
        write(false);
      }
    };
    stream.on("data", onData);
    stream.on("error", (error) => fail(error, false));
    stream.on("end", () => {
      ended = true;
      if (!writing) finish();
    });
  });
}

/**
 * Takes the CopyData of a {@linkcode CopyTap} into the decoder and the decoder's slices into
 * the sink, exactly as many rows per slice as the sink allows: while the sink is not ready yet
 * or writes a slice, the receiver takes nothing, so the tap holds the rest and pauses the
 * socket (the server then waits). Errors of the server or the connection reach the client's
 * stream, which the pump listens to.
 */
class DirectCopy implements CopyReceiver {
  #tap: CopyTap;
  #decoder: BinaryCopyDecoder;
  #sink: ResultSink | undefined;
  #limit = { rows: 0, bytes: 0 };
  #writing = false;
  #ended = false;
  #settled = false;
  /** A failure before the pump started (a server error). */
  #early: { error: unknown; fromSink: boolean } | undefined;
  #stream: CopyStream | undefined;
  #resolve: (() => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #onSinkFailure: ((error: unknown) => void) | undefined;

  constructor(tap: CopyTap, decoder: BinaryCopyDecoder) {
    this.#tap = tap;
    this.#decoder = decoder;
  }

  rows(b: Uint8Array, start: number, end: number): boolean {
    if (this.#settled) return true; // dropped
    if (this.#sink === undefined || this.#writing) return false;
    const decoder = this.#decoder;
    try {
      decoder.addRange(b, start, end);
    } catch (error) {
      this.#fail(
        new SystemError(`Cannot read the query result: ${(error as Error).message}`, {
          code: "SYSTEM:DatabaseUnavailable",
          cause: error,
        }),
        true,
      );
      return true;
    }
    const rows = decoder.rows;
    if (
      rows >= this.#limit.rows || ((rows & 63) === 0 && decoder.byteLength >= this.#limit.bytes)
    ) {
      this.#write(false);
    }
    return true;
  }

  done(): void {
    this.#ended = true;
    if (this.#sink !== undefined && !this.#writing) this.#finish();
  }

  /** The client's stream of the COPY: only its errors are read (its data never comes). */
  opened(stream: CopyStream): void {
    this.#stream = stream;
    stream.on("error", (error) => this.#fail(error, false));
  }

  /** Writes the result into the sink; settles when the last slice is written or on failure. */
  pump(sink: ResultSink, onSinkFailure: (error: unknown) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#onSinkFailure = onSinkFailure;
      const early = this.#early;
      if (early) {
        this.#early = undefined;
        return this.#fail(early.error, early.fromSink);
      }
      this.#sink = sink;
      this.#limit = sink.sliceLimit!();
      if (this.#ended) return this.#finish();
      this.#tap.resume();
    });
  }

  #write(last: boolean): void {
    this.#writing = true;
    this.#tap.pause();
    this.#sink!.encoded!(this.#decoder.take(), last).then(() => {
      this.#writing = false;
      if (this.#settled) return;
      if (last) return this.#settle();
      this.#limit = this.#sink!.sliceLimit!();
      if (this.#ended) return this.#finish();
      this.#tap.resume();
    }, (error) => this.#fail(error, true));
  }

  #finish(): void {
    if (this.#settled) return;
    if (!this.#decoder.ended) {
      return this.#fail(
        new SystemError("Cannot read the query result: the COPY data ends without its trailer", {
          code: "SYSTEM:DatabaseUnavailable",
        }),
        true,
      );
    }
    if (this.#decoder.rows > 0) return this.#write(true);
    this.#settle();
  }

  #settle(): void {
    this.#settled = true;
    this.#tap.resume();
    this.#resolve!();
  }

  #fail(error: unknown, fromSink: boolean): void {
    if (this.#settled || this.#early) return;
    if (!this.#reject) {
      // Before the pump: kept until it starts.
      this.#early = { error, fromSink };
      return;
    }
    this.#settled = true;
    // What still arrives goes to the client's stream, which drops it: the server's answer to
    // the cancel must get through.
    this.#tap.disarm();
    this.#stream?.resume();
    this.#tap.resume();
    if (fromSink) this.#onSinkFailure!(error);
    this.#reject(error);
  }
}

function sqlColumns(columns: readonly PgColumn[]): SqlColumn[] {
  return columns.map((column) => {
    const type = postgresType(column.type);
    return { name: column.name, kind: type.kind, serverType: type.name };
  });
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
    const ssl = unixSocket ? false : await sslOption(options);
    const taps: { tap?: CopyTap } = {};
    const clientOptions: Record<string, unknown> = {
      ...(unixSocket
        ? { path: `${options.host}/.s.PGSQL.${options.port}` }
        : { host: [options.host], port: [options.port] }),
      user: options.user,
      password: options.password ?? "",
      database: options.database ?? options.user,
      // As libpq: sslmode does not apply to Unix sockets (the server offers no TLS there).
      ssl,
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
    if (!ssl || ssl === "prefer" || ssl === "allow") {
      // The socket is opened here, as the client opens its own, to put a tap on it that reads
      // COPY data directly (over TLS, once the server accepts it, the client's stream reads
      // it). Cancel requests open sockets of their own through this too: only the
      // connection's first socket gets the tap.
      const net = await import("node:net");
      const { Buffer } = await import("node:buffer");
      const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      clientOptions.socket = () => {
        const socket = unixSocket
          ? net.connect({ path: `${options.host}/.s.PGSQL.${options.port}` })
          : net.connect({ host: options.host, port: options.port });
        // Named in the client's connection errors.
        Object.assign(socket, { host: options.host, port: options.port });
        if (!taps.tap) {
          const tap = new CopyTap(socket, asBuffer);
          taps.tap = tap;
          socket.once("close", () => {
            if (taps.tap === tap) taps.tap = undefined;
          });
        }
        return socket;
      };
    }
    // The client's option types do not cover host/port arrays or parser-only custom types.
    const sql = postgres(clientOptions as never);
    const onAbort = () => sql.end({ timeout: 0 });
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      // Opens the connection now, so that connection failures are reported as such.
      await sql.unsafe("select 1", [], { prepare: false }).raw();
    } catch (error) {
      await sql.end({ timeout: 0 }).catch(() => {});
      // libpq asks first and stops when the server declines TLS; the client tries the handshake
      // anyway and the server drops it, which looks like a network failure. Ask, to tell them
      // apart.
      if (
        REQUIRED_TLS.has(options.sslmode ?? "") && !unixSocket && !signal?.aborted &&
        !isServerError(error) && await declinesTls(options.host, options.port)
      ) {
        throw sslNotSupported(ctx, "server does not support SSL, but SSL was required", error);
      }
      throw classifyPostgresError(error, ctx);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    return new PostgresConnection(sql, ctx.target, taps);
  },
};
