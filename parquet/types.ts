/**
 * The types the parquet writer's modules share: column kinds, columns, encoded column chunks and
 * page codecs (in a module of their own, so the encoder's parts import them without a cycle).
 *
 * @module
 */

/**
 * The column types the writer produces: `int64` (INT64), `double` (DOUBLE), `string` (UTF-8
 * BYTE_ARRAY), `binary` (BYTE_ARRAY), `boolean` (BOOLEAN), `timestamp` (INT64 microseconds, UTC),
 * `timestamp_ntz` (INT64 microseconds, no time zone), `date` (INT32 days since 1970-01-01) and
 * `time` (INT64 microseconds since midnight, no time zone); the last three serve database servers
 * whose columns carry those types.
 */
export type ColumnKind =
  | "int64"
  | "double"
  | "string"
  | "binary"
  | "boolean"
  | "timestamp"
  | "timestamp_ntz"
  | "date"
  | "time";

/** A column of a parquet file. */
export interface ParquetColumn {
  /** Column name. */
  name: string;
  /** Column type. */
  kind: ColumnKind;
}

/** One column of one row group, PLAIN-encoded, ready for a data page. */
export interface EncodedColumn {
  /** Rows (values and nulls). */
  count: number;
  /** Null rows. */
  nulls: number;
  /** Which rows hold a value: bit `i % 8` of byte `i >> 3` is set for row `i` (a copy). */
  present: Uint8Array;
  /** PLAIN-encoded non-null values. */
  values: Uint8Array;
}

/** Compression of pages. */
export type ParquetCodec = "SNAPPY" | "ZSTD" | "UNCOMPRESSED";

/** What kind of value a database returned: `integer` (bigint), `real`, `text`, `blob`, ... */
export type ValueKind = "integer" | "real" | "text" | "blob" | "boolean" | "other";
