/**
 * MySQL/MariaDB result types: which column kind each server type becomes, and how `mysql2`'s
 * value (with `bigNumberStrings`, `dateStrings`, `jsonStrings` and a `+00:00` session time zone,
 * as the driver sets them) is converted.
 *
 * | MySQL | column kind | note |
 * | --- | --- | --- |
 * | `TINYINT`, `SMALLINT`, `MEDIUMINT`, `INT`, `YEAR` | int32 | `INT UNSIGNED` is int64 |
 * | `BIGINT` | int64 | `BIGINT UNSIGNED` above 2^63-1 fails |
 * | `FLOAT` | float32 | |
 * | `DOUBLE` | float64 | |
 * | `DECIMAL` | float64 | as pandas/flytekit do |
 * | `CHAR`, `VARCHAR`, `TEXT`, `ENUM`, `SET`, `JSON`, `TIME` | string | |
 * | `BINARY`, `VARBINARY`, `BLOB`, `BIT`, `GEOMETRY` | bytes | |
 * | `DATE` | date | the zero date `0000-00-00` is NULL, as PyMySQL |
 * | `DATETIME` | timestamp | microseconds, no zone |
 * | `TIMESTAMP` | timestamptz | microseconds, UTC |
 *
 * @module
 */

import { daysFromCivil } from "../../types/civil.ts";
import type { ColumnKind } from "./driver.ts";
import { decodeDate, decodeTimestamp } from "./postgres_types.ts";

/** The parts of a `mysql2` field definition used here. */
export interface MysqlField {
  /** Column name. */
  name: string;
  /** Protocol type number (`mysql2/lib/constants/types.js`). */
  columnType?: number;
  /** Column flags (bit 32: unsigned). */
  flags?: number;
  /** Character set number; 63 is binary. */
  characterSet?: number;
}

/** A converter from `mysql2`'s value to the column kind's value. */
export type MysqlDecoder = (value: unknown) => unknown;

const UNSIGNED = 32;
const BINARY_CHARSET = 63;

const NAMES: Record<number, string> = {
  0: "DECIMAL",
  1: "TINYINT",
  2: "SMALLINT",
  3: "INT",
  4: "FLOAT",
  5: "DOUBLE",
  6: "NULL",
  7: "TIMESTAMP",
  8: "BIGINT",
  9: "MEDIUMINT",
  10: "DATE",
  11: "TIME",
  12: "DATETIME",
  13: "YEAR",
  14: "DATE",
  15: "VARCHAR",
  16: "BIT",
  245: "JSON",
  246: "DECIMAL",
  247: "ENUM",
  248: "SET",
  249: "TINYBLOB",
  250: "MEDIUMBLOB",
  251: "LONGBLOB",
  252: "BLOB",
  253: "VARCHAR",
  254: "CHAR",
  255: "GEOMETRY",
};

const toNumber: MysqlDecoder = (v) => typeof v === "number" ? v : Number(v);
const toBigInt: MysqlDecoder = (v) => BigInt(v as string | number | bigint);
const toText: MysqlDecoder = (v) =>
  typeof v === "string" ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
const toBytes: MysqlDecoder = (v) =>
  v instanceof Uint8Array
    ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
    : new TextEncoder().encode(String(v));
const toDate: MysqlDecoder = (v) => {
  const text = toText(v) as string;
  if (text.startsWith("0000-00-00")) return null;
  return civilDays(text) ?? decodeDate(text.slice(0, 10));
};
const toTimestamp: MysqlDecoder = (v) => {
  const text = toText(v) as string;
  if (text.startsWith("0000-00-00")) return null;
  return fastMicros(text) ?? decodeTimestamp(text);
};

/** The last date decoded (rows in a row mostly share it) and its days since 1970-01-01. */
let lastDate = "";
let lastDays = 0;

/** The value of `length` ASCII digits at `at`; -1 when one is not a digit. */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Days since 1970-01-01 of the `YYYY-MM-DD` that starts `text` (the form mysql2 gives dates in,
 * `dateStrings`), read by position; `undefined` for any other form (then the general parser).
 */
function civilDays(text: string): number | undefined {
  if (text.length >= 10 && lastDate !== "" && text.startsWith(lastDate)) return lastDays;
  if (text.length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  lastDays = Number(daysFromCivil(year, month, day));
  lastDate = text.slice(0, 10);
  return lastDays;
}

/**
 * Microseconds since 1970-01-01 of mysql2's `YYYY-MM-DD HH:MM:SS[.f...]` (up to 6 fraction
 * digits), read by position: the regular expression of the general parser was the largest single
 * cost of a MariaDB result with a timestamp column. `undefined` for any other form.
 */
function fastMicros(text: string): bigint | undefined {
  const n = text.length;
  if (n !== 19 && (n < 21 || n > 26 || text.charCodeAt(19) !== 46)) return undefined;
  if (text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return undefined;
  }
  const days = civilDays(text);
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  let micros = n === 19 ? 0 : digits(text, 20, n - 20);
  if (days === undefined || hours < 0 || minutes < 0 || seconds < 0 || micros < 0) return undefined;
  for (let k = n - 20; n > 19 && k < 6; k++) micros *= 10;
  const total = (days * 86_400 + hours * 3600 + minutes * 60 + seconds) * 1_000_000 + micros;
  return Number.isSafeInteger(total) ? BigInt(total) : undefined; // beyond: the exact parser
}

/**
 * The column kind, server type name and converter of a `mysql2` field.
 *
 * @example Integers and binary strings
 * ```ts
 * import { mysqlType } from "./mysql_types.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(mysqlType({ name: "id", columnType: 8 }).kind, "int64");
 * assertEquals(mysqlType({ name: "b", columnType: 252, characterSet: 63 }).kind, "bytes");
 * ```
 */
export function mysqlType(
  field: MysqlField,
): { kind: ColumnKind; name: string; decode: MysqlDecoder } {
  const type = field.columnType ?? 253;
  const unsigned = ((field.flags ?? 0) & UNSIGNED) !== 0;
  const binary = field.characterSet === BINARY_CHARSET;
  const integer = [1, 2, 3, 8, 9].includes(type);
  const name = (NAMES[type] ?? `type ${type}`) + (unsigned && integer ? " UNSIGNED" : "");
  switch (type) {
    case 1:
    case 2:
    case 9:
    case 13:
      return { kind: "int32", name, decode: toNumber };
    case 3:
      return unsigned
        ? { kind: "int64", name, decode: toBigInt }
        : { kind: "int32", name, decode: toNumber };
    case 8:
      return { kind: "int64", name, decode: toBigInt };
    case 4:
      return { kind: "float32", name, decode: toNumber };
    case 5:
    case 0:
    case 246:
      return { kind: "float64", name, decode: toNumber };
    case 10:
    case 14:
      return { kind: "date", name, decode: toDate };
    case 12:
      return { kind: "timestamp", name, decode: toTimestamp };
    case 7:
      return { kind: "timestamptz", name, decode: toTimestamp };
    case 16:
    case 255:
      return { kind: "bytes", name, decode: toBytes };
    case 245:
    case 247:
    case 248:
    case 11:
      return { kind: "string", name, decode: toText };
    default:
      return binary
        ? { kind: "bytes", name: name.replace("CHAR", "BINARY"), decode: toBytes }
        : { kind: "string", name, decode: toText };
  }
}
