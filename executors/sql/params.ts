/**
 * Task input values as bound query parameters: the exact text each value is sent as, and the
 * type the server is told, chosen per value kind as psycopg2 and PyMySQL send literals (no
 * JavaScript `Date`, no client-side time-zone conversion, microseconds kept).
 *
 * | value | PostgreSQL | MySQL/MariaDB |
 * | --- | --- | --- |
 * | string | text, type left to the server (as a quoted literal) | string |
 * | integer | `int4`, or `int8` beyond 32 bits (as an integer literal) | `BIGINT` |
 * | float | `numeric` in Python's `repr` digits; `NaN`, `±Infinity` as `float8` | `DOUBLE` (1) |
 * | boolean | `bool` | `1` / `0` |
 * | bytes | `bytea` | binary string |
 * | datetime (UTC) | `timestamptz`, `2024-01-02 03:04:05.123456+00` (2) | string (3) |
 * | duration | `interval`, `1 days 3600.000000 seconds` | string `[-]H:MM:SS.ffffff` |
 * | null | NULL | NULL |
 * | anything else | text, as Python's `str()` | string |
 *
 * (1) NaN and infinities are refused. (2) BC and years past 9999 too.
 * (3) `2024-01-02 03:04:05.123456`; the session runs in UTC.
 *
 * @example A string and an integer for PostgreSQL
 * ```ts
 * import { queryParam } from "./params.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(queryParam("infinity", "postgresql"), { kind: "text", value: "infinity" });
 * assertEquals(queryParam(5n, "postgresql"), { kind: "int32", value: "5" });
 * ```
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { Duration, Timestamp } from "../../types/values.ts";
import { civilFromMicros, splitDays, toMicros } from "../../types/civil.ts";
import { pyFloat, pyStr } from "../../types/py_str.ts";
import type { SqlDialect } from "./url.ts";

/**
 * How a parameter is typed on the wire: `text` (a string; PostgreSQL infers the type from where
 * it stands), `int32`, `int64`, `decimal` (an exact decimal text), `float` (a double),
 * `boolean`, `bytes` (a `Uint8Array`), `timestamptz`, `interval`.
 */
export type SqlParamKind =
  | "text"
  | "int32"
  | "int64"
  | "decimal"
  | "float"
  | "boolean"
  | "bytes"
  | "timestamptz"
  | "interval";

/** A bound parameter: its wire kind and its exact value (`null` for SQL NULL). */
export interface SqlParam {
  /** How the driver types it. */
  kind: SqlParamKind;
  /** The text sent (bytes for `bytes`), or `null`. */
  value: string | Uint8Array | null;
}

/** Options of {@linkcode queryParam}. */
export interface QueryParamOptions {
  /** The input the value comes from, for error messages. */
  input?: string;
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

function pad(value: number | bigint, width = 2): string {
  return String(value).padStart(width, "0");
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` of a UTC timestamp, and its astronomical year. */
function dateTimeText(value: Timestamp): { text: string; year: number } {
  const t = civilFromMicros(toMicros(value));
  const year = t.year > 0 ? t.year : 1 - t.year; // PostgreSQL writes 1 BC as "0001 ... BC"
  const text = `${pad(year, 4)}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${
    pad(t.second)
  }.${pad(t.micro, 6)}`;
  return { text, year: t.year };
}

/** psycopg2's form of a timedelta: whole days, then non-negative seconds with microseconds. */
function postgresInterval(us: bigint): string {
  const { days, rest } = splitDays(us);
  return `${days} days ${rest / 1_000_000n}.${pad(rest % 1_000_000n, 6)} seconds`;
}

/** MySQL's TIME text: `[-]H:MM:SS.ffffff`, hours unbounded. */
function mysqlTime(us: bigint): string {
  const sign = us < 0n ? "-" : "";
  const abs = us < 0n ? -us : us;
  const seconds = abs / 1_000_000n;
  return `${sign}${seconds / 3600n}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}.${
    pad(abs % 1_000_000n, 6)
  }`;
}

/**
 * Converts an input value to the parameter the driver binds (see the module documentation for
 * the table).
 *
 * @throws {UserError} `USER:InvalidInput` naming the input, for a value the engine cannot take
 * (a NaN or infinite float on MySQL).
 * @example Datetimes keep their microseconds and stay in UTC
 * ```ts
 * import { queryParam } from "./params.ts";
 * import { Timestamp } from "../../types/values.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const t = Timestamp.parse("2024-01-02T03:04:05.123456Z");
 * assertEquals(queryParam(t, "postgresql"), {
 *   kind: "timestamptz",
 *   value: "2024-01-02 03:04:05.123456+00",
 * });
 * assertEquals(queryParam(t, "mysql"), { kind: "text", value: "2024-01-02 03:04:05.123456" });
 * assertEquals(queryParam("2024-01-02", "postgresql"), { kind: "text", value: "2024-01-02" });
 * ```
 */
export function queryParam(
  value: unknown,
  dialect: SqlDialect,
  options: QueryParamOptions = {},
): SqlParam {
  const pg = dialect === "postgresql";
  if (value === null || value === undefined) return { kind: "text", value: null };
  switch (typeof value) {
    case "string":
      return { kind: "text", value };
    case "bigint":
      return {
        kind: pg && value >= INT32_MIN && value <= INT32_MAX ? "int32" : "int64",
        value: value.toString(),
      };
    case "boolean":
      return pg
        ? { kind: "boolean", value: value ? "true" : "false" }
        : { kind: "int64", value: value ? "1" : "0" };
    case "number":
      if (Number.isFinite(value)) {
        return pg
          ? { kind: "decimal", value: pyFloat(value) }
          : { kind: "float", value: pyFloat(value) };
      }
      if (pg) {
        return {
          kind: "float",
          value: Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity",
        };
      }
      throw new UserError(
        `Cannot bind ${
          options.input ? `input "${options.input}"` : "a value"
        } for MySQL: its value ${pyFloat(value)} is not a number MySQL can store`,
        { code: "USER:InvalidInput" },
      );
  }
  if (value instanceof Uint8Array) return { kind: "bytes", value };
  if (value instanceof Timestamp) {
    const { text, year } = dateTimeText(value);
    return pg
      ? { kind: "timestamptz", value: `${text}+00${year > 0 ? "" : " BC"}` }
      : { kind: "text", value: text };
  }
  if (value instanceof Duration) {
    const us = toMicros(value);
    return pg
      ? { kind: "interval", value: postgresInterval(us) }
      : { kind: "text", value: mysqlTime(us) };
  }
  return { kind: "text", value: pyStr(value) };
}

/**
 * The input each bound value came from, for messages: the first input whose value is that
 * very value, if any.
 *
 * @example Names by identity
 * ```ts
 * import { paramInputs } from "./params.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const inputs = { a: 1.5, b: "x" };
 * assertEquals(paramInputs(["x", 1.5, 2n], inputs), ["b", "a", undefined]);
 * ```
 */
export function paramInputs(
  params: readonly unknown[],
  inputs: Readonly<Record<string, unknown>>,
): (string | undefined)[] {
  const entries = Object.entries(inputs);
  return params.map((v) => entries.find(([, x]) => Object.is(x, v))?.[0]);
}
