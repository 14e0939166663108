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
  return text.startsWith("0000-00-00") ? null : decodeDate(text.slice(0, 10));
};
const toTimestamp: MysqlDecoder = (v) => {
  const text = toText(v) as string;
  return text.startsWith("0000-00-00") ? null : decodeTimestamp(text);
};

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
