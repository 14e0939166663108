/**
 * Classification of database failures into flyteshim errors.
 *
 * - connection refused, reset or lost; server shutting down or starting; too many connections;
 *   out of resources; deadlock or serialization failure: `SYSTEM:DatabaseUnavailable`
 *   (recoverable)
 * - the running statement was cancelled because the task was aborted (SIGTERM): `SYSTEM:Aborted`
 *   (recoverable)
 * - authentication failed (wrong user or password): `USER:AuthenticationFailed`
 * - permission denied: `USER:AccessDenied`
 * - the statement ran longer than `statement_timeout`: `USER:StatementTimeout`
 * - any other SQL error (syntax, missing table, bad value, constraint): `USER:SqlError`
 * - the server refuses the client's TLS certificate (unknown CA, bad, expired; TLS alert):
 *   `USER:AuthenticationFailed`
 * - the server's TLS certificate fails verification (`sslmode=verify-*`, `sslrootcert`):
 *   `USER:InvalidConfig`
 * - TLS is required (`sslmode=require`/`verify-*`, MySQL `ssl_mode=REQUIRED` or stricter) and the
 *   server has none: `USER:InvalidConfig`
 * - the client cannot send a value (too many parameters, a value the driver refuses before
 *   sending): `USER:InvalidInput`
 *
 * `USER:` codes are not recoverable, `SYSTEM:` ones are (see `ERROR_CODES` in errors.ts).
 *
 * Messages carry the server's message, never a password: {@linkcode scrubSecrets} removes
 * every known secret value from a message before it leaves the executor.
 *
 * @module
 */

import { FlyteshimError, SystemError, UserError } from "../../errors.ts";

/** Error codes introduced by the SQL executor. */
export const SQL_ERROR_CODES = {
  unavailable: "SYSTEM:DatabaseUnavailable",
  aborted: "SYSTEM:Aborted",
  authentication: "USER:AuthenticationFailed",
  accessDenied: "USER:AccessDenied",
  statementTimeout: "USER:StatementTimeout",
  sql: "USER:SqlError",
} as const;

/** What went on when a failure happened, for the message. */
export interface FailureContext {
  /** `connect` or `query`. */
  phase: "connect" | "query";
  /** `host:port/database`, without credentials. */
  target: string;
  /** The task's signal: when aborted, a cancelled statement is reported as `SYSTEM:Aborted`. */
  signal?: AbortSignal;
  /** Set when the client-side statement timer fired. */
  timedOut?: boolean;
}

/** Network-level failures of a socket (Node error codes), all transient. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
]);

function head(ctx: FailureContext): string {
  if (ctx.timedOut) return `Cannot run query on "${ctx.target}": statement_timeout exceeded`;
  return ctx.phase === "connect"
    ? `Cannot connect to "${ctx.target}"`
    : `Cannot run query on "${ctx.target}"`;
}

/** Readable text for the client-side connection codes of `npm:postgres`. */
const CLIENT_CODES: Record<string, string> = {
  CONNECTION_CLOSED: "the server closed the connection",
  CONNECTION_ENDED: "the connection was ended",
  CONNECTION_DESTROYED: "the connection was destroyed",
  CONNECT_TIMEOUT: "timed out while connecting",
  EPIPE: "the server closed the connection",
  ECONNRESET: "the server reset the connection",
};

function describe(error: unknown): string {
  const code = String((error as { code?: unknown })?.code ?? "");
  if (CLIENT_CODES[code]) return `${CLIENT_CODES[code]} (${code})`;
  if (error instanceof Error) return error.message.replace(/\s+/g, " ").trim().replace(/\.$/, "");
  return String(error);
}

/** Node's certificate verification failures (`sslmode` verify-ca/verify-full, `sslrootcert`). */
const TLS_VERIFY = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT/;

/**
 * TLS alerts a server sends when it refuses the client's certificate: signed by a CA it does not
 * trust, bad, expired, revoked, missing (Node's error codes, which Deno's TLS also sets).
 */
const TLS_CLIENT_CERT_REFUSED =
  /_ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|UNSUPPORTED_CERTIFICATE|CERTIFICATE_[A-Z]+|ACCESS_DENIED)$/;

function clientCertRefused(ctx: FailureContext, cause: unknown): UserError {
  return new UserError(
    `${head(ctx)}: the server refused the client certificate: ${describe(cause)}`,
    { code: SQL_ERROR_CODES.authentication, cause },
  );
}

function tlsError(ctx: FailureContext, cause: unknown): UserError {
  return new UserError(
    `${head(ctx)}: the server's TLS certificate was not accepted: ${describe(cause)}`,
    { code: "USER:InvalidConfig", cause },
  );
}

/**
 * Builds the error for a connection that requires TLS to a server without it, in libpq's words
 * for PostgreSQL.
 *
 * @example The PostgreSQL message
 * ```ts
 * import { sslNotSupported } from "./errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const error = sslNotSupported(
 *   { phase: "connect", target: "db:5432/app" },
 *   "server does not support SSL, but SSL was required",
 * );
 * assertEquals([error.code, error.recoverable], ["USER:InvalidConfig", false]);
 * ```
 */
export function sslNotSupported(ctx: FailureContext, reason: string, cause?: unknown): UserError {
  return new UserError(
    `${
      head(ctx)
    }: ${reason}; the server accepts only unencrypted connections: enable TLS on the server, or lower the TLS mode of the connection`,
    { code: "USER:InvalidConfig", cause },
  );
}

/**
 * Builds the error for a script of several statements, none of which returns rows, in a task
 * that declares an output.
 *
 * @example The message
 * ```ts
 * import { scriptWithoutRows } from "./errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const error = scriptWithoutRows({ phase: "query", target: "db:5432/app" }, "last");
 * assertEquals(error.code, "USER:InvalidTemplate");
 * ```
 */
export function scriptWithoutRows(ctx: FailureContext, which: "first" | "last"): UserError {
  return new UserError(
    `${
      head(ctx)
    }: no statement of the script returns rows, and the task declares an output (the ${which} statement that returns rows becomes the output): end the script with a query, or declare no output`,
    { code: "USER:InvalidTemplate" },
  );
}

/** `npm:postgres`'s codes for a query it refuses to send. */
const PG_CLIENT_REFUSALS = new Set(["MAX_PARAMETERS_EXCEEDED", "UNDEFINED_VALUE"]);

/**
 * A failure of the client while encoding the query before anything was sent: a driver's own
 * refusal, or a `TypeError`/`RangeError` without a network code from its value encoders.
 */
function clientRefusal(ctx: FailureContext, error: unknown): UserError | undefined {
  const code = (error as { code?: unknown })?.code;
  const refused = PG_CLIENT_REFUSALS.has(String(code ?? "")) ||
    (code === undefined && (error instanceof TypeError || error instanceof RangeError));
  if (!refused || ctx.phase !== "query") return undefined;
  return new UserError(`${head(ctx)}: the client cannot send a value: ${describe(error)}`, {
    code: "USER:InvalidInput",
    cause: error,
  });
}

/** Builds the error for an abort of the task's signal. */
export function abortedError(ctx: FailureContext, cause?: unknown): SystemError {
  return new SystemError(`${head(ctx)}: the task was aborted and the statement cancelled`, {
    code: SQL_ERROR_CODES.aborted,
    cause,
  });
}

/**
 * Classifies a PostgreSQL failure (a server error with a SQLSTATE, or a socket failure).
 *
 * @example A wrong password
 * ```ts
 * import { classifyPostgresError } from "./errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const err = Object.assign(new Error('password authentication failed for user "bob"'), {
 *   code: "28P01",
 * });
 * const out = classifyPostgresError(err, { phase: "connect", target: "db:5432/app" });
 * assertEquals([out.code, out.recoverable], ["USER:AuthenticationFailed", false]);
 * ```
 */
export function classifyPostgresError(error: unknown, ctx: FailureContext): FlyteshimError {
  if (error instanceof FlyteshimError) return error;
  const code = String((error as { code?: unknown })?.code ?? "");
  const message = describe(error);
  const detail = `${head(ctx)}: ${message}`;
  const isServer = (error as { name?: string })?.name === "PostgresError";
  if (code === "57014") {
    if (ctx.signal?.aborted) return abortedError(ctx, error);
    if (ctx.timedOut || /statement timeout/.test(message)) {
      return new UserError(detail, { code: SQL_ERROR_CODES.statementTimeout, cause: error });
    }
    return new SystemError(detail, { code: SQL_ERROR_CODES.unavailable, cause: error });
  }
  if (ctx.signal?.aborted) return abortedError(ctx, error);
  if (code === "28P01" || code === "28000" || code === "SASL_SIGNATURE_MISMATCH") {
    return new UserError(detail, { code: SQL_ERROR_CODES.authentication, cause: error });
  }
  if (TLS_CLIENT_CERT_REFUSED.test(code)) return clientCertRefused(ctx, error);
  if (TLS_VERIFY.test(code)) return tlsError(ctx, error);
  const refusal = clientRefusal(ctx, error);
  if (refusal) return refusal;
  if (NETWORK_CODES.has(code) || (!isServer && !/^[0-9A-Z]{5}$/.test(code))) {
    return new SystemError(detail, { code: SQL_ERROR_CODES.unavailable, cause: error });
  }
  if (code === "42501") {
    return new UserError(detail, { code: SQL_ERROR_CODES.accessDenied, cause: error });
  }
  // 08 connection exception, 53 insufficient resources, 57P0x shutdown/starting/crash,
  // 58 system error, 40001/40P01 serialization failure and deadlock, XX internal error.
  if (/^(08|53|57P|58|XX)/.test(code) || code === "40001" || code === "40P01") {
    return new SystemError(detail, { code: SQL_ERROR_CODES.unavailable, cause: error });
  }
  return new UserError(detail, { code: SQL_ERROR_CODES.sql, cause: error });
}

/** MySQL/MariaDB server error numbers that mean a transient failure. */
const MYSQL_TRANSIENT = new Set([
  1040, // too many connections
  1041, // out of memory
  1053, // server shutdown in progress
  1077, // normal shutdown
  1078, // got signal
  1079, // shutdown complete
  1152, // aborted connection
  1184, // aborted new connection
  1205, // lock wait timeout
  1213, // deadlock
  1927, // connection was killed (MariaDB)
  2002, // can't connect through socket
  2003, // can't connect to server
  2006, // server has gone away
  2013, // lost connection during query
]);
const MYSQL_AUTH = new Set([1045, 1698, 1251, 1862]);
const MYSQL_DENIED = new Set([1044, 1142, 1143, 1227, 1370]);
/** MySQL `max_execution_time` (3024) and MariaDB `max_statement_time` (1969) exceeded. */
const MYSQL_TIMEOUT = new Set([3024, 1969]);

/**
 * Classifies a MySQL/MariaDB failure (`mysql2` errors carry `errno` and `code`).
 *
 * @example A missing table
 * ```ts
 * import { classifyMysqlError } from "./errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const err = Object.assign(new Error("Table 'app.nope' doesn't exist"), {
 *   errno: 1146,
 *   code: "ER_NO_SUCH_TABLE",
 * });
 * assertEquals(
 *   classifyMysqlError(err, { phase: "query", target: "db:3306/app" }).code,
 *   "USER:SqlError",
 * );
 * ```
 */
export function classifyMysqlError(error: unknown, ctx: FailureContext): FlyteshimError {
  if (error instanceof FlyteshimError) return error;
  const { errno, code } = error as { errno?: number; code?: string };
  const detail = `${head(ctx)}: ${describe(error)}`;
  if (ctx.signal?.aborted) return abortedError(ctx, error);
  if (errno === 1317 || MYSQL_TIMEOUT.has(errno ?? 0)) {
    if (ctx.timedOut || MYSQL_TIMEOUT.has(errno ?? 0)) {
      return new UserError(detail, { code: SQL_ERROR_CODES.statementTimeout, cause: error });
    }
    return new SystemError(detail, { code: SQL_ERROR_CODES.unavailable, cause: error });
  }
  if (ctx.timedOut) {
    return new UserError(detail, { code: SQL_ERROR_CODES.statementTimeout, cause: error });
  }
  if (TLS_CLIENT_CERT_REFUSED.test(code ?? "")) return clientCertRefused(ctx, error);
  if (TLS_VERIFY.test(code ?? "")) return tlsError(ctx, error);
  if (code === "HANDSHAKE_NO_SSL_SUPPORT") {
    return sslNotSupported(ctx, "server does not support SSL, but SSL was required", error);
  }
  const refusal = clientRefusal(ctx, error);
  if (refusal) return refusal;
  if (NETWORK_CODES.has(code ?? "") || MYSQL_TRANSIENT.has(errno ?? 0) || errno === undefined) {
    return new SystemError(detail, { code: SQL_ERROR_CODES.unavailable, cause: error });
  }
  if (MYSQL_AUTH.has(errno)) {
    return new UserError(detail, { code: SQL_ERROR_CODES.authentication, cause: error });
  }
  if (MYSQL_DENIED.has(errno)) {
    return new UserError(detail, { code: SQL_ERROR_CODES.accessDenied, cause: error });
  }
  return new UserError(detail, { code: SQL_ERROR_CODES.sql, cause: error });
}

/**
 * Replaces every occurrence of the given secret values (and their percent-encoded forms) in a
 * text by `***`. Values shorter than 3 characters are left alone to keep messages readable.
 *
 * @example A password in a message
 * ```ts
 * import { scrubSecrets } from "./errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(scrubSecrets("bad dsn password=hunter2", ["hunter2"]), "bad dsn password=***");
 * ```
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      out = out.split(form).join("***");
    }
  }
  return out;
}
