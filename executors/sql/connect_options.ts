/**
 * Connection options from a SQLAlchemy URL, `connect_args` and `secret_connect_args`.
 *
 * Precedence is psycopg2's: the URL first, then its query parameters, then `connect_args`, then
 * the resolved secrets (flytekit stores each secret into `connect_args[name]`). Names are the
 * libpq/psycopg2 ones, with the aliases SQLAlchemy and PyMySQL users write (`username`,
 * `database`, `db`, `passwd`); numbers may arrive as doubles (`5432.0`) from the protobuf Struct
 * or as strings from secrets.
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import type { JsonValue } from "../../idl/mod.ts";
import type { SqlDialect, SqlUrl } from "./url.ts";

/** libpq's `sslmode` values (MySQL's `ssl_mode` values are mapped onto them). */
export type SslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

/** Everything a driver needs to open a connection. */
export interface ConnectOptions {
  /** The database family. */
  dialect: SqlDialect;
  /** Host name or address. @default "localhost" */
  host: string;
  /** TCP port. @default 5432 for PostgreSQL, 3306 for MySQL */
  port: number;
  /** User name. */
  user?: string;
  /** Password (never logged). */
  password?: string;
  /** Database name. */
  database?: string;
  /**
   * TLS mode. @default "prefer" for PostgreSQL; for MySQL "disable", or with TLS files
   * "verify-ca" (a CA given) or "require", as MySQL's clients
   */
  sslmode: SslMode;
  /** CA certificate for `verify-ca` / `verify-full`: a PEM file path or PEM text (see `tls.ts`). */
  sslrootcert?: string;
  /** Client certificate: a PEM file path or PEM text. */
  sslcert?: string;
  /** Client key: a PEM file path or PEM text (never logged). */
  sslkey?: string;
  /** Seconds to wait for the connection; 0 waits as long as it takes (libpq). @default {30} */
  connectTimeoutSeconds?: number;
  /** Milliseconds a statement may run before it is cancelled (`statement_timeout`). */
  statementTimeoutMs?: number;
  /** PostgreSQL `application_name`. */
  applicationName?: string;
  /** PostgreSQL startup `options` (for example `-c search_path=app`). */
  options?: string;
  /** MySQL connection character set. @default "utf8mb4" */
  charset?: string;
}

/** The option names both dialects accept, after aliases. */
const COMMON: readonly string[] = [
  "user",
  "password",
  "host",
  "port",
  "dbname",
  "sslmode",
  "sslrootcert",
  "sslcert",
  "sslkey",
  "connect_timeout",
  "statement_timeout",
];

/** The option names accepted per dialect, after aliases. */
const ACCEPTED: Record<SqlDialect, readonly string[]> = {
  postgresql: [...COMMON, "application_name", "options"],
  mysql: [...COMMON, "charset"],
};

const ALIASES: Record<string, string> = {
  username: "user",
  passwd: "password",
  database: "dbname",
  db: "dbname",
  ssl_mode: "sslmode",
  ssl_ca: "sslrootcert",
  ssl_cert: "sslcert",
  ssl_key: "sslkey",
};

const MYSQL_SSL_MODES: Record<string, SslMode> = {
  disabled: "disable",
  preferred: "prefer",
  required: "require",
  verify_ca: "verify-ca",
  verify_identity: "verify-full",
};

const SSL_MODES: readonly SslMode[] = [
  "disable",
  "allow",
  "prefer",
  "require",
  "verify-ca",
  "verify-full",
];

function invalid(name: string, detail: string): UserError {
  return new UserError(`Cannot use connection option "${name}": ${detail}`, {
    code: "USER:InvalidConfig",
  });
}

function asText(name: string, value: JsonValue, secret: boolean): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw invalid(
    name,
    secret ? "expected a string" : `expected a string, got ${JSON.stringify(value)}`,
  );
}

/** Whole numbers, also when they arrive as doubles (`5432.0`) or strings (`"5432"`, `"5.0"`). */
function asNumber(name: string, value: JsonValue, secret: boolean, integer: boolean): number {
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && value.trim() !== ""
    ? Number(value.trim())
    : NaN;
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    const shown = secret ? "the secret's value" : JSON.stringify(value);
    throw invalid(name, `${shown} is not a ${integer ? "whole " : ""}non-negative number`);
  }
  return n;
}

/**
 * Merges URL, `connect_args` and resolved secret arguments into driver options.
 *
 * @param url The parsed SQLAlchemy URL.
 * @param args `connect_args` from the template and the resolved `secret_connect_args`.
 * @throws {UserError} With code `USER:InvalidConfig` on an unknown option or a bad value; a
 *   secret's value is never quoted.
 * @example The flyte issue 6416 case: `username` from a secret, doubles from the Struct
 * ```ts
 * import { resolveConnectOptions } from "./connect_options.ts";
 * import { parseSqlUrl } from "./url.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const options = resolveConnectOptions(parseSqlUrl("postgresql://db.local/app"), {
 *   connectArgs: { port: 5433.0, connect_timeout: 5.0 },
 *   secretArgs: { username: "bob", password: "s3cret" },
 * });
 * assertEquals([options.user, options.port, options.connectTimeoutSeconds], ["bob", 5433, 5]);
 * ```
 */
export function resolveConnectOptions(
  url: SqlUrl,
  args: { connectArgs?: Record<string, JsonValue>; secretArgs?: Record<string, string> } = {},
): ConnectOptions {
  const dialect = url.dialect;
  const merged = new Map<string, { value: JsonValue; secret: boolean; given: string }>();
  const put = (given: string, value: JsonValue, secret: boolean) => {
    const name = ALIASES[given] ?? given;
    if (!ACCEPTED[dialect].includes(name)) {
      throw invalid(
        given,
        `unknown option for ${dialect}; accepted are ${ACCEPTED[dialect].join(", ")}` +
          ` (and the aliases ${Object.keys(ALIASES).join(", ")})`,
      );
    }
    if (value === null) merged.delete(name);
    else merged.set(name, { value, secret, given });
  };
  if (url.username !== undefined) put("user", url.username, false);
  if (url.password !== undefined) put("password", url.password, true);
  if (url.host !== undefined) put("host", url.host, false);
  if (url.port !== undefined) put("port", url.port, false);
  if (url.database !== undefined) put("dbname", url.database, false);
  for (const [k, v] of Object.entries(url.query)) put(k, v, false);
  for (const [k, v] of Object.entries(args.connectArgs ?? {})) put(k, v, false);
  for (const [k, v] of Object.entries(args.secretArgs ?? {})) put(k, v, true);

  const text = (name: string) => {
    const e = merged.get(name);
    return e === undefined ? undefined : asText(e.given, e.value, e.secret);
  };
  const num = (name: string, integer: boolean) => {
    const e = merged.get(name);
    return e === undefined ? undefined : asNumber(e.given, e.value, e.secret, integer);
  };

  const port = num("port", true) ?? (dialect === "postgresql" ? 5432 : 3306);
  if (port < 1 || port > 65535) throw invalid("port", `${port} is not in 1-65535`);
  const rawMode = text("sslmode")?.toLowerCase();
  let sslmode: SslMode = dialect === "postgresql" ? "prefer" : "disable";
  if (rawMode !== undefined) {
    const mapped = MYSQL_SSL_MODES[rawMode] ?? rawMode;
    if (!SSL_MODES.includes(mapped as SslMode)) {
      throw invalid("sslmode", `"${rawMode}" is not one of ${SSL_MODES.join(", ")}`);
    }
    sslmode = mapped as SslMode;
  } else if (
    dialect === "mysql" && ["sslrootcert", "sslcert", "sslkey"].some((n) => merged.has(n))
  ) {
    // As MySQL's clients: TLS files turn TLS on, and a CA alone means VERIFY_CA.
    sslmode = merged.has("sslrootcert") ? "verify-ca" : "require";
  }
  // libpq 16: sslrootcert=system trusts the system's CAs, and then only verify-full is allowed.
  if (dialect === "postgresql" && text("sslrootcert") === "system") {
    if (rawMode === undefined) sslmode = "verify-full";
    else if (sslmode !== "verify-full") {
      throw invalid(
        "sslmode",
        `"${rawMode}" is weaker than verify-full, which sslrootcert=system requires`,
      );
    }
  }
  const options: ConnectOptions = {
    dialect,
    host: text("host") || "localhost",
    port,
    sslmode,
  };
  const set = <K extends keyof ConnectOptions>(key: K, value: ConnectOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("user", text("user"));
  set("password", text("password"));
  set("database", text("dbname"));
  set("sslrootcert", text("sslrootcert"));
  set("sslcert", text("sslcert"));
  set("sslkey", text("sslkey"));
  const connectTimeout = num("connect_timeout", false);
  // libpq: 0 means wait forever; kept as 0, which both drivers read as no timer.
  if (connectTimeout !== undefined) set("connectTimeoutSeconds", connectTimeout);
  const statementTimeout = num("statement_timeout", true);
  if (statementTimeout) set("statementTimeoutMs", statementTimeout);
  set("applicationName", text("application_name"));
  set("options", text("options"));
  set("charset", text("charset"));
  return options;
}
