/**
 * SQLAlchemy database URLs:
 * `dialect[+driver]://[user[:password]@]host[:port][/database][?k=v&...]`.
 *
 * @module
 */

import { UserError } from "../../errors.ts";

/** The database families this executor talks to. */
export type SqlDialect = "postgresql" | "mysql";

/** A parsed SQLAlchemy URL. */
export interface SqlUrl {
  /** The database family. */
  dialect: SqlDialect;
  /** The scheme as written (`postgresql+psycopg2`), for messages. */
  scheme: string;
  /** The SQLAlchemy driver suffix, if any (`psycopg2`, `pymysql`). */
  driver?: string;
  /** User name, percent-decoded. */
  username?: string;
  /** Password, percent-decoded. */
  password?: string;
  /** Host name or IP address (without IPv6 brackets). */
  host?: string;
  /** TCP port. */
  port?: number;
  /** Database name, percent-decoded. */
  database?: string;
  /** Query parameters (connection options such as `sslmode`), last value wins. */
  query: Record<string, string>;
}

/** SQLAlchemy dialect names and the driver suffixes each accepts. */
export const SUPPORTED_URL_SCHEMES: Readonly<
  Record<string, { dialect: SqlDialect; drivers: readonly string[] }>
> = {
  postgresql: {
    dialect: "postgresql",
    drivers: ["psycopg2", "psycopg", "psycopg2cffi", "pg8000", "asyncpg", "pygresql"],
  },
  postgres: { dialect: "postgresql", drivers: [] },
  mysql: {
    dialect: "mysql",
    drivers: ["pymysql", "mysqldb", "mysqlconnector", "asyncmy", "aiomysql", "cymysql"],
  },
  mariadb: {
    dialect: "mysql",
    drivers: ["pymysql", "mysqldb", "mysqlconnector", "asyncmy", "aiomysql", "mariadbconnector"],
  },
};

/** Splits `scheme://[userinfo@]rest`; userinfo ends at the last `@` before the query. */
function splitUserinfo(uri: string): { head: string; userinfo?: string; rest: string } | undefined {
  const m = /^([\w+.-]+:\/\/)(.*)$/s.exec(uri);
  if (!m) return undefined;
  const body = m[2];
  const query = body.indexOf("?");
  const at = body.lastIndexOf("@", query < 0 ? body.length : query);
  if (at < 0) return { head: m[1], rest: body };
  return { head: m[1], userinfo: body.slice(0, at), rest: body.slice(at + 1) };
}

/**
 * Replaces the password of a URL by `***`, for messages and logs.
 *
 * @example Hide the password
 * ```ts
 * import { redactUrl } from "./url.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(redactUrl("postgresql://bob:s3cret@db/app"), "postgresql://bob:***@db/app");
 * ```
 */
export function redactUrl(uri: string): string {
  const parts = splitUserinfo(uri);
  if (!parts?.userinfo) return parts ? uri : uri.replace(/:[^:@/]*@/, ":***@");
  const colon = parts.userinfo.indexOf(":");
  if (colon < 0) return uri;
  return `${parts.head}${parts.userinfo.slice(0, colon)}:***@${parts.rest}`;
}

const REST_PATTERN =
  /^(?:\[(?<ipv6>[^\]/?]+)\]|(?<host>[^/:?]+))?(?::(?<port>[^/?]*))?(?:\/(?<database>[^?]*))?(?:\?(?<query>.*))?$/s;

function decode(part: string, what: string, uri: string): string {
  try {
    return decodeURIComponent(part);
  } catch (cause) {
    throw new UserError(
      `Cannot parse database URL "${redactUrl(uri)}": ${what} is not valid percent-encoding`,
      { code: "USER:InvalidConfig", cause },
    );
  }
}

function supportedList(): string {
  return Object.entries(SUPPORTED_URL_SCHEMES).map(([name, { drivers }]) =>
    drivers.length ? `${name}[+${drivers.join("|")}]` : name
  ).join(", ");
}

/**
 * Parses a SQLAlchemy URL as flytekit's `SQLAlchemyConfig.uri` holds it.
 *
 * @throws {UserError} With code `USER:InvalidConfig` for an unparsable URL or an unsupported
 *   dialect or driver; the message never holds the password.
 * @example PostgreSQL through psycopg2
 * ```ts
 * import { parseSqlUrl } from "./url.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const url = parseSqlUrl("postgresql+psycopg2://bob:p%40ss@db.local:5433/app?sslmode=require");
 * assertEquals(url.dialect, "postgresql");
 * assertEquals([url.username, url.password, url.host, url.port], [
 *   "bob",
 *   "p@ss",
 *   "db.local",
 *   5433,
 * ]);
 * assertEquals(url.query, { sslmode: "require" });
 * ```
 */
export function parseSqlUrl(uri: string): SqlUrl {
  const parts = splitUserinfo(uri.trim());
  const match = parts && REST_PATTERN.exec(parts.rest);
  if (!parts || !match?.groups) {
    throw new UserError(
      `Cannot parse database URL "${
        redactUrl(uri)
      }": expected dialect[+driver]://user:password@host:port/database`,
      { code: "USER:InvalidConfig" },
    );
  }
  const colon = parts.userinfo?.indexOf(":") ?? -1;
  const g: Record<string, string | undefined> = {
    ...match.groups,
    scheme: parts.head.slice(0, -3),
    username: colon < 0 ? parts.userinfo : parts.userinfo!.slice(0, colon),
    password: colon < 0 ? undefined : parts.userinfo!.slice(colon + 1),
  };
  const scheme = g.scheme!.toLowerCase();
  const [name, driver] = scheme.split("+", 2);
  const known = SUPPORTED_URL_SCHEMES[name];
  if (!known || (driver !== undefined && !known.drivers.includes(driver))) {
    const what = known ? `driver "${driver}" of "${name}"` : `database "${name}"`;
    throw new UserError(
      `Cannot connect to "${
        redactUrl(uri)
      }": unsupported ${what}; supported URL schemes are ${supportedList()}`,
      { code: "USER:InvalidConfig" },
    );
  }
  let port: number | undefined;
  if (g.port) {
    port = Number(g.port);
    if (!/^\d+$/.test(g.port) || port < 1 || port > 65535) {
      throw new UserError(
        `Cannot parse database URL "${
          redactUrl(uri)
        }": port "${g.port}" is not a number in 1-65535`,
        { code: "USER:InvalidConfig" },
      );
    }
  }
  const query: Record<string, string> = {};
  if (g.query) {
    for (const pair of g.query.split("&")) {
      if (!pair) continue;
      const eq = pair.indexOf("=");
      const key = decode(
        (eq < 0 ? pair : pair.slice(0, eq)).replaceAll("+", " "),
        "a query key",
        uri,
      );
      query[key] = decode(
        eq < 0 ? "" : pair.slice(eq + 1).replaceAll("+", " "),
        "a query value",
        uri,
      );
    }
  }
  const url: SqlUrl = { dialect: known.dialect, scheme, query };
  if (driver) url.driver = driver;
  if (g.username) url.username = decode(g.username, "the user name", uri);
  if (g.password !== undefined) url.password = decode(g.password, "the password", uri);
  const host = g.ipv6 ?? g.host;
  if (host) url.host = decode(host, "the host", uri);
  if (port !== undefined) url.port = port;
  if (g.database) url.database = decode(g.database, "the database name", uri);
  return url;
}
