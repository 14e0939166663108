/**
 * Task input values as bound query parameters.
 *
 * @module
 */

import { Duration, Timestamp } from "../../types/values.ts";
import { pyStr } from "../_sql/py_str.ts";
import type { SqlDialect } from "./url.ts";

function micros(seconds: bigint, nanos: number): bigint {
  return seconds * 1_000_000n + BigInt(Math.trunc(nanos / 1000));
}

/**
 * Converts an input value to what the driver binds. Integers (bigint), floats, strings, booleans
 * and nulls bind as themselves (MySQL gets booleans as 1/0); bytes as bytes; datetimes as UTC
 * text the server parses (`2024-01-02 03:04:05.000000+00:00` for PostgreSQL, without the offset
 * for MySQL, whose session runs in UTC); durations as `<seconds> seconds` (a PostgreSQL
 * interval) or seconds (MySQL); anything else as the text Python's `str()` gives, as flytekit
 * would paste it.
 *
 * @example Timestamps and booleans
 * ```ts
 * import { queryParam } from "./params.ts";
 * import { Timestamp } from "../../types/values.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const t = Timestamp.parse("2024-01-02T03:04:05Z");
 * assertEquals(queryParam(t, "postgresql"), "2024-01-02 03:04:05.000000+00:00");
 * assertEquals(queryParam(t, "mysql"), "2024-01-02 03:04:05.000000");
 * assertEquals(queryParam(true, "mysql"), 1n);
 * ```
 */
export function queryParam(value: unknown, dialect: SqlDialect): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "boolean") return dialect === "mysql" ? (value ? 1n : 0n) : value;
  if (value instanceof Uint8Array) return value;
  if (value instanceof Timestamp) {
    const us = micros(value.seconds, value.nanos);
    const frac = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n;
    const seconds = (us - frac) / 1_000_000n; // floor, also before 1970
    const iso = new Date(Number(seconds) * 1000).toISOString();
    const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(frac).padStart(6, "0")}`;
    return dialect === "postgresql" ? `${text}+00:00` : text;
  }
  if (value instanceof Duration) {
    const us = micros(value.seconds, value.nanos);
    const negative = us < 0n;
    const abs = negative ? -us : us;
    const text = `${negative ? "-" : ""}${abs / 1_000_000n}.${
      String(abs % 1_000_000n).padStart(6, "0")
    }`;
    return dialect === "postgresql" ? `${text} seconds` : text;
  }
  return pyStr(value);
}
