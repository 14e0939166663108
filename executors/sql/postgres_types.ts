/**
 * PostgreSQL result types: which column kind each server type becomes, and how its text form
 * (with `DateStyle=ISO`, `TimeZone=UTC`, `bytea_output=hex`, as the driver sets them) is decoded.
 *
 * | PostgreSQL | column kind | note |
 * | --- | --- | --- |
 * | `bool` | boolean | |
 * | `int2`, `int4` | int32 | |
 * | `int8`, `oid` | int64 | |
 * | `float4` | float32 | |
 * | `float8` | float64 | |
 * | `numeric` | float64 | as pandas/flytekit do; more than ~15 significant digits are rounded |
 * | `text`, `varchar`, `bpchar`, `char`, `name` | string | |
 * | `json`, `jsonb` | string | the JSON text |
 * | `uuid` | string | canonical lower-case form |
 * | `bytea` | bytes | |
 * | `date` | date | `infinity` as 2^31-1 days, `-infinity` as -(2^31-1), as DuckDB |
 * | `timestamp` | timestamp | microseconds, no zone; infinities as ±(2^63-1) |
 * | `timestamptz` | timestamptz | microseconds, UTC |
 * | `time` | time | microseconds since midnight (as pyarrow's `time64[us]`) |
 * | anything else (`timetz`, `interval`, arrays, enums, ...) | string | the server's text form |
 *
 * Parameters are never re-serialized by the client: every type's serializer passes the text the
 * executor bound (see `params.ts`) through unchanged, so `npm:postgres`'s own serializers
 * (JavaScript `Date` for dates and timestamps, `JSON.stringify` for json, `'t'`/`'f'` for
 * booleans, chosen by the type the server infers) never run.
 *
 * @module
 */

import { daysFromCivil } from "../../types/civil.ts";
import type { ColumnKind } from "./driver.ts";

/** A decoder from a value's text form to the column kind's JavaScript value. */
export type PgDecoder = (text: string) => unknown;

interface PgType {
  name: string;
  kind: ColumnKind;
  decode: PgDecoder;
}

const DAY_US = 86_400_000_000n;
const DATE_INFINITY = 2_147_483_647;
const TIMESTAMP_INFINITY = 9_223_372_036_854_775_807n;

const PATTERN =
  /^(\d{4,})-(\d\d)-(\d\d)(?: (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

function parts(text: string, what: string) {
  const m = PATTERN.exec(text);
  if (!m) throw new SyntaxError(`Cannot parse PostgreSQL ${what} "${text}"`);
  let year = Number(m[1]);
  if (m[12]) year = 1 - year; // 1 BC is year 0
  const days = Number(daysFromCivil(year, Number(m[2]), Number(m[3])));
  const seconds = Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0);
  const micros = Number((m[7] ?? "").padEnd(6, "0"));
  let offset = 0;
  if (m[8]) {
    offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) *
      (m[8] === "-" ? -1 : 1);
  }
  return { days, seconds, micros, offset };
}

/**
 * Decodes a `date` text to days since 1970-01-01.
 *
 * @example Days since the epoch
 * ```ts
 * import { decodeDate } from "./postgres_types.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(decodeDate("1970-01-02"), 1);
 * assertEquals(decodeDate("0001-01-01 BC"), -719528);
 * ```
 */
export function decodeDate(text: string): number {
  if (text === "infinity") return DATE_INFINITY;
  if (text === "-infinity") return -DATE_INFINITY;
  return parts(text, "date").days;
}

/**
 * Decodes a `timestamp` or `timestamptz` text to microseconds since 1970-01-01 (UTC for
 * `timestamptz`: the offset is applied).
 *
 * @example Microseconds since the epoch
 * ```ts
 * import { decodeTimestamp } from "./postgres_types.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(decodeTimestamp("1970-01-01 00:00:01.5"), 1_500_000n);
 * assertEquals(decodeTimestamp("1970-01-01 01:00:00+01"), 0n);
 * ```
 */
export function decodeTimestamp(text: string): bigint {
  if (text === "infinity") return TIMESTAMP_INFINITY;
  if (text === "-infinity") return -TIMESTAMP_INFINITY;
  const p = parts(text, "timestamp");
  return BigInt(p.days) * DAY_US + BigInt(p.seconds - p.offset) * 1_000_000n + BigInt(p.micros);
}

const TIME_PATTERN = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;

/**
 * Decodes a `time` text to microseconds since midnight (`24:00:00` is a whole day).
 *
 * @example Microseconds since midnight
 * ```ts
 * import { decodeTime } from "./postgres_types.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(decodeTime("00:00:01.000002"), 1_000_002n);
 * ```
 */
export function decodeTime(text: string): bigint {
  const m = TIME_PATTERN.exec(text);
  if (!m) throw new SyntaxError(`Cannot parse PostgreSQL time "${text}"`);
  const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return BigInt(seconds) * 1_000_000n + BigInt((m[4] ?? "").padEnd(6, "0"));
}

function decodeBytea(text: string): Uint8Array {
  // bytea_output=hex: "\x0a0b"
  const hex = text.startsWith("\\x") ? text.slice(2) : text;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

const identity: PgDecoder = (text) => text;
const toNumber: PgDecoder = (text) => Number(text);

const TYPES: Record<number, PgType> = {
  16: { name: "bool", kind: "boolean", decode: (t) => t === "t" },
  17: { name: "bytea", kind: "bytes", decode: decodeBytea },
  18: { name: "char", kind: "string", decode: identity },
  19: { name: "name", kind: "string", decode: identity },
  20: { name: "int8", kind: "int64", decode: (t) => BigInt(t) },
  21: { name: "int2", kind: "int32", decode: toNumber },
  23: { name: "int4", kind: "int32", decode: toNumber },
  25: { name: "text", kind: "string", decode: identity },
  26: { name: "oid", kind: "int64", decode: (t) => BigInt(t) },
  114: { name: "json", kind: "string", decode: identity },
  700: { name: "float4", kind: "float32", decode: toNumber },
  701: { name: "float8", kind: "float64", decode: toNumber },
  1042: { name: "bpchar", kind: "string", decode: identity },
  1043: { name: "varchar", kind: "string", decode: identity },
  1082: { name: "date", kind: "date", decode: decodeDate },
  1083: { name: "time", kind: "time", decode: decodeTime },
  1114: { name: "timestamp", kind: "timestamp", decode: decodeTimestamp },
  1184: { name: "timestamptz", kind: "timestamptz", decode: decodeTimestamp },
  1700: { name: "numeric", kind: "float64", decode: toNumber },
  2950: { name: "uuid", kind: "string", decode: identity },
  3802: { name: "jsonb", kind: "string", decode: identity },
};

/** Parameters pass as the text bound; nothing else reaches this (see `params.ts`). */
const passText = (value: unknown): string => String(value);

/**
 * The decoders of every mapped OID, in the shape of `npm:postgres`'s `types` option, with a
 * serializer that passes a parameter's text through unchanged for each of them and for every
 * type the client would otherwise serialize itself.
 *
 * @example 64-bit integers stay exact
 * ```ts
 * import { postgresClientTypes } from "./postgres_types.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(postgresClientTypes().flyteshim_int8.parse("9007199254740993"), 9007199254740993n);
 * ```
 */
export function postgresClientTypes(): Record<
  string,
  { to: number; from: number[]; parse: PgDecoder; serialize: (value: unknown) => string }
> {
  const out: Record<
    string,
    { to: number; from: number[]; parse: PgDecoder; serialize: (value: unknown) => string }
  > = {};
  for (const [oid, type] of Object.entries(TYPES)) {
    out[`flyteshim_${type.name}`] = {
      to: Number(oid),
      from: [Number(oid)],
      parse: type.decode,
      serialize: passText,
    };
  }
  // The client's own serializers beyond the mapped types: unknown (0).
  out.flyteshim_unknown = { to: 0, from: [], parse: identity, serialize: passText };
  return out;
}

/**
 * The column kind, server type name and decoder of a PostgreSQL type OID; unknown OIDs are
 * strings in the server's text form.
 *
 * @example Column kinds by OID
 * ```ts
 * import { postgresType } from "./postgres_types.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(postgresType(20).kind, "int64");
 * assertEquals(postgresType(1186).kind, "string"); // interval
 * ```
 */
export function postgresType(oid: number): PgType {
  return TYPES[oid] ?? { name: `oid ${oid}`, kind: "string", decode: identity };
}
