/**
 * A streaming parquet encoder for flat tables of query results: values are PLAIN-encoded into
 * per-column buffers as rows arrive ({@linkcode ColumnChunkBuilder}), and each full row group is
 * turned into snappy-compressed data pages ({@linkcode ParquetAssembler}), so memory holds one
 * row group at a time. Every column is optional (nullable); the files read in pyarrow, pandas,
 * DuckDB and hyparquet.
 *
 * @example Write two rows and a footer
 * ```ts
 * import { ColumnChunkBuilder, ParquetAssembler } from "./parquet.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const columns = [{ name: "id", kind: "int64" as const }, {
 *   name: "name",
 *   kind: "string" as const,
 * }];
 * const builders = columns.map((c) => new ColumnChunkBuilder(c));
 * builders[0].append(1n);
 * builders[1].append("a");
 * builders[0].append(2n);
 * builders[1].append(null);
 * const assembler = new ParquetAssembler(columns);
 * let size = assembler.header().length;
 * assembler.rowGroup(builders.map((b) => b.finish()), (bytes) => size += bytes.length);
 * const footer = assembler.footer();
 * assertEquals(new TextDecoder().decode(footer.subarray(-4)), "PAR1");
 * assertEquals(assembler.rows, 2);
 * ```
 *
 * @module
 */

import { UserError } from "../errors.ts";
import { pyFloat } from "../types/py_str.ts";
import { maxCompressedLength, snappyCompressInto } from "./_snappy.ts";
import { PHYSICAL } from "./_statistics.ts";
import { type ChunkStatistics, ColumnChunkEncoder, type WrittenChunk } from "./_column_chunk.ts";
import { encodeStruct, T, type ThriftStruct } from "./_thrift.ts";
import type { ColumnKind, EncodedColumn, ParquetCodec, ParquetColumn, ValueKind } from "./types.ts";

export type { ColumnKind, EncodedColumn, ParquetCodec, ParquetColumn, ValueKind } from "./types.ts";

const encoder = new TextEncoder();

/**
 * Collects the values of one column for one row group, PLAIN-encoded. Values that do not fit
 * the column's kind are converted where it loses nothing (integers in a double column, numbers
 * in a string column as text, text in a binary column as UTF-8) and refused otherwise.
 *
 * @example Conversions
 * ```ts
 * import { ColumnChunkBuilder } from "./parquet.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const b = new ColumnChunkBuilder({ name: "x", kind: "double" });
 * b.append(1.5); b.append(2n); b.append(null);
 * const encoded = b.finish();
 * assertEquals([encoded.count, encoded.nulls, encoded.values.length], [3, 1, 16]);
 * ```
 */
export class ColumnChunkBuilder {
  /** The column. */
  readonly column: ParquetColumn;
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  #bits: Uint8Array;
  #count = 0;
  #nulls = 0;
  #booleans = 0;
  #spare: Uint8Array | undefined;
  /** Index of the first row of this chunk in the whole result (for messages). */
  rowOffset = 0;

  /** Creates an empty builder. */
  constructor(column: ParquetColumn, initialBytes = 4096) {
    this.column = column;
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
    this.#bits = new Uint8Array(1024);
  }

  /** Rows appended so far. */
  get count(): number {
    return this.#count;
  }

  /** Encoded bytes held so far. */
  get byteLength(): number {
    return this.#pos + (this.#count >> 3);
  }

  #ensure(extra: number): void {
    const need = this.#pos + extra;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #present(): void {
    const i = this.#count++;
    const byte = i >> 3;
    if (byte >= this.#bits.length) {
      const next = new Uint8Array(this.#bits.length * 2);
      next.set(this.#bits);
      this.#bits = next;
    }
    this.#bits[byte] |= 1 << (i & 7);
  }

  /** Appends a value (`null` or `undefined` for a null). */
  append(value: unknown): void {
    if (value === null || value === undefined) {
      const i = this.#count++;
      if (i >> 3 >= this.#bits.length) {
        const next = new Uint8Array(this.#bits.length * 2);
        next.set(this.#bits);
        this.#bits = next;
      }
      this.#nulls++;
      return;
    }
    switch (this.column.kind) {
      case "int64":
        if (typeof value === "bigint") {
          this.#ensure(8);
          this.#view.setBigInt64(this.#pos, value, true);
          this.#pos += 8;
        } else if (typeof value === "number" && Number.isSafeInteger(value)) {
          this.#ensure(8);
          this.#view.setBigInt64(this.#pos, BigInt(value), true);
          this.#pos += 8;
        } else throw this.#mismatch(value);
        break;
      case "double":
        if (typeof value === "number" || typeof value === "bigint") {
          this.#ensure(8);
          this.#view.setFloat64(this.#pos, Number(value), true);
          this.#pos += 8;
        } else throw this.#mismatch(value);
        break;
      case "string":
        if (typeof value === "string") this.#appendText(value);
        else if (typeof value === "bigint") this.#appendText(value.toString());
        else if (typeof value === "number") this.#appendText(pyFloat(value));
        else if (typeof value === "boolean") this.#appendText(value ? "True" : "False");
        else throw this.#mismatch(value);
        break;
      case "binary":
        if (value instanceof Uint8Array) {
          this.#ensure(4 + value.length);
          this.#view.setUint32(this.#pos, value.length, true);
          this.#buf.set(value, this.#pos + 4);
          this.#pos += 4 + value.length;
        } else if (typeof value === "string") this.#appendText(value);
        else if (typeof value === "bigint") this.#appendText(value.toString());
        else if (typeof value === "number") this.#appendText(pyFloat(value));
        else throw this.#mismatch(value);
        break;
      case "boolean": {
        const b = typeof value === "boolean"
          ? value
          : (value === 0 || value === 1 || value === 0n || value === 1n)
          ? Boolean(value)
          : undefined;
        if (b === undefined) throw this.#mismatch(value);
        const i = this.#booleans++;
        if ((i & 7) === 0) {
          this.#ensure(1);
          this.#buf[this.#pos++] = 0;
        }
        if (b) this.#buf[this.#pos - 1] |= 1 << (i & 7);
        break;
      }
      case "date": {
        const days = typeof value === "number" && Number.isInteger(value)
          ? value
          : value instanceof Date
          ? Math.floor(value.getTime() / 86_400_000)
          : undefined;
        if (days === undefined) throw this.#mismatch(value);
        this.#ensure(4);
        this.#view.setInt32(this.#pos, days, true);
        this.#pos += 4;
        break;
      }
      case "time":
      case "timestamp_ntz":
      case "timestamp": {
        const micros = this.column.kind === "time"
          ? (typeof value === "bigint" ? value : undefined)
          : toMicros(value);
        if (micros === undefined) throw this.#mismatch(value);
        this.#ensure(8);
        this.#view.setBigInt64(this.#pos, micros, true);
        this.#pos += 8;
        break;
      }
    }
    this.#present();
  }

  #appendText(text: string): void {
    const n = text.length;
    this.#ensure(4 + n * 3);
    const buf = this.#buf;
    const start = this.#pos + 4;
    let j = start;
    // ASCII fast path; the encoder takes over at the first other character.
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        j += encoder.encodeInto(text.slice(i), buf.subarray(j)).written;
        break;
      }
      buf[j++] = c;
    }
    this.#view.setUint32(this.#pos, j - start, true);
    this.#pos = j;
  }

  #mismatch(value: unknown): MixedTypesError {
    return new MixedTypesError(this.column, valueKind(value), this.rowOffset + this.#count + 1);
  }

  /**
   * Returns the encoded chunk and resets the builder for the next row group. The chunk's
   * `values` view the builder's buffer, which the builder gives away: hand it back with
   * {@linkcode ColumnChunkBuilder.recycle} once written, to avoid allocating a new one.
   */
  finish(): EncodedColumn {
    const count = this.#count;
    const out: EncodedColumn = {
      count,
      nulls: this.#nulls,
      present: this.#bits.slice(0, (count + 7) >> 3),
      values: this.#buf.subarray(0, this.#pos),
    };
    const size = this.#buf.length;
    this.#buf = this.#spare && this.#spare.length >= size ? this.#spare : new Uint8Array(size);
    this.#spare = undefined;
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    this.rowOffset += count;
    this.#pos = 0;
    this.#count = 0;
    this.#nulls = 0;
    this.#booleans = 0;
    this.#bits.fill(0, 0, (count >> 3) + 1);
    return out;
  }

  /**
   * Gives back the buffer of a written chunk (its `values.buffer`) for the next row group.
   */
  recycle(buffer: ArrayBufferLike): void {
    if (!this.#spare || this.#spare.byteLength < buffer.byteLength) {
      this.#spare = new Uint8Array(buffer);
    }
  }
}

function valueKind(value: unknown): ValueKind {
  if (value instanceof Uint8Array) return "blob";
  switch (typeof value) {
    case "bigint":
      return "integer";
    case "number":
      return "real";
    case "string":
      return "text";
    case "boolean":
      return "boolean";
    default:
      return "other";
  }
}

const ARTICLE: Record<ValueKind, string> = {
  integer: "an INTEGER",
  real: "a REAL",
  text: "a TEXT",
  blob: "a BLOB",
  boolean: "a BOOLEAN",
  other: "an unsupported",
};

/**
 * A value that its column's kind cannot hold (code `USER:MixedTypes`), with the column and the
 * kind of value found, so that a writer can widen the column and write again.
 *
 * @example The column and the value kind
 * ```ts
 * import { ColumnChunkBuilder, MixedTypesError } from "./parquet.ts";
 * import { assertThrows } from "@std/assert";
 *
 * const b = new ColumnChunkBuilder({ name: "x", kind: "int64" });
 * const err = assertThrows(() => b.append(1.5), MixedTypesError);
 * if (err.found !== "real") throw new Error(err.found);
 * ```
 */
export class MixedTypesError extends UserError {
  /** The column. */
  readonly column: ParquetColumn;
  /** The kind of the value that did not fit. */
  readonly found: ValueKind;
  /** The row (1-based, in the whole result). */
  readonly row: number;

  /** Creates the error. */
  constructor(column: ParquetColumn, found: ValueKind, row: number) {
    super(
      `Cannot write column "${column.name}": row ${row} holds ${
        ARTICLE[found]
      } value in a column of ${column.kind} values; cast the column in the query (for example CAST(x AS TEXT))`,
      { code: "USER:MixedTypes" },
    );
    this.name = "MixedTypesError";
    this.column = column;
    this.found = found;
    this.row = row;
  }
}

function toMicros(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  if (typeof value === "object" && value !== null && "seconds" in value && "nanos" in value) {
    const { seconds, nanos } = value as { seconds: bigint; nanos: number };
    return BigInt(seconds) * 1_000_000n + BigInt(Math.floor(nanos / 1000));
  }
  return undefined;
}

// parquet.thrift enums and unions.
const CONVERTED = { UTF8: 0, DATE: 6, TIMESTAMP_MICROS: 10 } as const;
const OPTIONAL = 1;
const EMPTY: ThriftStruct = [];
const STRING_TYPE: ThriftStruct = [[1, T.STRUCT, EMPTY]];
const DATE_TYPE: ThriftStruct = [[6, T.STRUCT, EMPTY]];
const timestampType = (utc: boolean): ThriftStruct => [
  [8, T.STRUCT, [[1, T.BOOL, utc], [2, T.STRUCT, [[2, T.STRUCT, EMPTY]]]]], // MICROS
];
const TIME_TYPE: ThriftStruct = [
  [7, T.STRUCT, [[1, T.BOOL, false], [2, T.STRUCT, [[2, T.STRUCT, EMPTY]]]]], // MICROS, local
];

/** Physical type, converted type and logical type of a column kind. */
function typeOf(kind: ColumnKind): [number, number | undefined, ThriftStruct | undefined] {
  switch (kind) {
    case "int64":
      return [PHYSICAL.INT64, undefined, undefined];
    case "double":
      return [PHYSICAL.DOUBLE, undefined, undefined];
    case "string":
      return [PHYSICAL.BYTE_ARRAY, CONVERTED.UTF8, STRING_TYPE];
    case "binary":
      return [PHYSICAL.BYTE_ARRAY, undefined, undefined];
    case "boolean":
      return [PHYSICAL.BOOLEAN, undefined, undefined];
    case "timestamp":
      return [PHYSICAL.INT64, CONVERTED.TIMESTAMP_MICROS, timestampType(true)];
    case "timestamp_ntz":
      // No converted type: TIMESTAMP_MICROS implies UTC-adjusted values.
      return [PHYSICAL.INT64, undefined, timestampType(false)];
    case "date":
      return [PHYSICAL.INT32, CONVERTED.DATE, DATE_TYPE];
    case "time":
      // No converted type: TIME_MICROS implies UTC-adjusted values.
      return [PHYSICAL.INT64, undefined, TIME_TYPE];
  }
}

function schemaElement(column: ParquetColumn): ThriftStruct {
  const [physical, converted, logical] = typeOf(column.kind);
  return [
    [1, T.I32, physical],
    [3, T.I32, OPTIONAL],
    [4, T.BINARY, column.name],
    [6, T.I32, converted],
    [10, T.STRUCT, logical],
  ];
}

/** Options of {@linkcode ParquetAssembler}. */
export interface ParquetAssemblerOptions {
  /** Page compression. @default {"SNAPPY"} */
  codec?: ParquetCodec;
  /**
   * The zstd compressor, required with `codec: "ZSTD"` (see `zstd.ts`, loaded on demand so that
   * other runs do not pay for it).
   */
  zstd?: (bytes: Uint8Array) => Uint8Array;
  /** Bytes of values per data page, before compression. @default {1048576} */
  pageBytes?: number;
  /**
   * Largest dictionary per column chunk (PLAIN bytes) before the chunk falls back to PLAIN
   * encoding, as pyarrow's `dictionary_pagesize_limit`; 0 writes no dictionaries.
   * @default {1048576}
   */
  dictionaryBytes?: number;
  /** Key-value metadata written in the footer. */
  metadata?: Record<string, string>;
}

const CODEC = { UNCOMPRESSED: 0, SNAPPY: 1, ZSTD: 6 } as const;

/**
 * Lays out a parquet file: the magic header, each row group's column chunks (a dictionary page
 * where it pays, then data pages of about 1 MiB), and the footer with every chunk's statistics.
 * It returns bytes to append and never touches files, so it runs on any thread.
 *
 * @example An empty table is a valid file
 * ```ts
 * import { ParquetAssembler } from "./parquet.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const a = new ParquetAssembler([{ name: "x", kind: "string" }]);
 * assertEquals(new TextDecoder().decode(a.header()), "PAR1");
 * assertEquals(a.footer().length > 8, true);
 * ```
 */
export class ParquetAssembler {
  /** The columns. */
  readonly columns: readonly ParquetColumn[];
  #codec: ParquetCodec;
  #compress: (body: Uint8Array) => Uint8Array;
  #pageBytes: number;
  #dictionaryBytes: number;
  #offset = 0;
  #rows = 0;
  #metadata?: Record<string, string>;
  #groups: { rows: number; chunks: WrittenChunk[]; start: number }[] = [];
  #compressed = new Uint8Array(0);
  #encoders: ColumnChunkEncoder[];

  /** Creates an assembler for a table's columns. */
  constructor(columns: readonly ParquetColumn[], options: ParquetAssemblerOptions = {}) {
    this.columns = columns;
    this.#codec = options.codec ?? "SNAPPY";
    this.#metadata = options.metadata;
    this.#pageBytes = options.pageBytes ?? 1024 * 1024;
    this.#dictionaryBytes = options.dictionaryBytes ?? 1024 * 1024;
    switch (this.#codec) {
      case "SNAPPY":
        this.#compress = (body) => {
          const need = maxCompressedLength(body.length);
          if (this.#compressed.length < need) this.#compressed = new Uint8Array(need * 1.25);
          return this.#compressed.subarray(0, snappyCompressInto(body, this.#compressed));
        };
        break;
      case "ZSTD": {
        const zstd = options.zstd;
        if (!zstd) throw new TypeError("Cannot write ZSTD pages: no zstd compressor given");
        this.#compress = zstd;
        break;
      }
      case "UNCOMPRESSED":
        this.#compress = (body) => body;
        break;
      default:
        throw new RangeError(`Cannot write parquet: unknown codec "${this.#codec}"`);
    }
    this.#encoders = columns.map((column) =>
      new ColumnChunkEncoder({
        physical: typeOf(column.kind)[0],
        utf8: column.kind === "string",
        compress: this.#compress,
        pageBytes: this.#pageBytes,
        dictionaryBytes: this.#dictionaryBytes,
      })
    );
  }

  /** Rows written so far. */
  get rows(): number {
    return this.#rows;
  }

  /** The 4-byte magic that starts the file. */
  header(): Uint8Array {
    this.#offset += 4;
    return encoder.encode("PAR1");
  }

  /**
   * Encodes one row group (one encoded chunk per column), passing its bytes to `write` in
   * order: {@linkcode ParquetAssembler.add} then {@linkcode ParquetAssembler.endRowGroup}.
   */
  rowGroup(chunks: readonly EncodedColumn[], write: (bytes: Uint8Array) => void): void {
    this.add(chunks);
    this.endRowGroup(write);
  }

  /**
   * Encodes a slice of the current row group (one encoded chunk per column) into compressed
   * pages, held until {@linkcode ParquetAssembler.endRowGroup}. The chunks' buffers may be reused
   * as soon as this returns.
   */
  add(chunks: readonly EncodedColumn[]): void {
    if (chunks.length !== this.columns.length) {
      throw new RangeError(
        `Cannot write row group: ${chunks.length} columns for ${this.columns.length}`,
      );
    }
    const rows = chunks[0]?.count ?? 0;
    for (const chunk of chunks) {
      if (chunk.count !== rows) {
        throw new RangeError("Cannot write row group: columns differ in length");
      }
    }
    chunks.forEach((chunk, j) => this.#encoders[j].add(chunk));
  }

  /**
   * Writes the current row group's column chunks, passing its bytes to `write` in order (the
   * bytes are valid only during the call). Does nothing when the group holds no rows.
   */
  endRowGroup(write: (bytes: Uint8Array) => void): void {
    const rows = this.#encoders[0]?.count ?? 0;
    if (rows === 0) return;
    const start = this.#offset;
    const metas = this.#encoders.map((encoder) => {
      const meta = encoder.finish(this.#offset, write);
      this.#offset += meta.compressed;
      return meta;
    });
    this.#rows += rows;
    this.#groups.push({ rows, chunks: metas, start });
  }

  /** The footer (schema, row group metadata, length, magic). */
  footer(): Uint8Array {
    const schema: ThriftStruct[] = [
      [[4, T.BINARY, "schema"], [5, T.I32, this.columns.length]],
      ...this.columns.map(schemaElement),
    ];
    const codec = CODEC[this.#codec];
    const rowGroups: ThriftStruct[] = this.#groups.map((g) => {
      let uncompressed = 0;
      let compressed = 0;
      const columns: ThriftStruct[] = g.chunks.map((m, j) => {
        uncompressed += m.uncompressed;
        compressed += m.compressed;
        const column = this.columns[j];
        // Encodings and page counts (PageEncodingStats): PLAIN (0), RLE (3), RLE_DICTIONARY (8).
        const encodings = m.dictionaryPages > 0 ? [0, 3, 8] : [0, 3];
        const pageStats: ThriftStruct[] = [];
        if (m.dictionaryPages > 0) {
          pageStats.push([[1, T.I32, 2], [2, T.I32, 0], [3, T.I32, 1]]); // the dictionary page
          pageStats.push([[1, T.I32, 0], [2, T.I32, 8], [3, T.I32, m.dictionaryPages]]);
        }
        if (m.plainPages > 0) {
          pageStats.push([[1, T.I32, 0], [2, T.I32, 0], [3, T.I32, m.plainPages]]);
        }
        return [
          [2, T.I64, m.dictionaryOffset ?? m.dataOffset],
          [3, T.STRUCT, [
            [1, T.I32, typeOf(column.kind)[0]],
            [2, T.LIST, { type: T.I32, items: encodings }],
            [3, T.LIST, { type: T.BINARY, items: [column.name] }],
            [4, T.I32, codec],
            [5, T.I64, m.count],
            [6, T.I64, m.uncompressed],
            [7, T.I64, m.compressed],
            [9, T.I64, m.dataOffset],
            [11, T.I64, m.dictionaryOffset],
            [12, T.STRUCT, statisticsStruct(m.statistics)],
            [13, T.LIST, { type: T.STRUCT, items: pageStats }],
          ]],
        ];
      });
      return [
        [1, T.LIST, { type: T.STRUCT, items: columns }],
        [2, T.I64, uncompressed],
        [3, T.I64, g.rows],
        [5, T.I64, g.start],
        [6, T.I64, compressed],
      ];
    });
    const kv = this.#metadata
      ? Object.entries(this.#metadata).map((
        [k, v],
      ): ThriftStruct => [[1, T.BINARY, k], [2, T.BINARY, v]])
      : undefined;
    // Every column's statistics follow its type's defined order (TypeDefinedOrder).
    const orders = this.columns.map((): ThriftStruct => [[1, T.STRUCT, EMPTY]]);
    const meta = encodeStruct([
      [1, T.I32, 1],
      [2, T.LIST, { type: T.STRUCT, items: schema }],
      [3, T.I64, this.#rows],
      [4, T.LIST, { type: T.STRUCT, items: rowGroups }],
      [5, T.LIST, kv && { type: T.STRUCT, items: kv }],
      [6, T.BINARY, "flyteshim"],
      [7, T.LIST, { type: T.STRUCT, items: orders }],
    ]);
    const out = new Uint8Array(meta.length + 8);
    out.set(meta);
    const view = new DataView(out.buffer);
    view.setUint32(meta.length, meta.length, true);
    view.setUint32(meta.length + 4, 0x31524150, true);
    return out;
  }
}

/** parquet.thrift's Statistics: null count, and min_value / max_value with their exactness. */
function statisticsStruct(stats: ChunkStatistics): ThriftStruct {
  return [
    [3, T.I64, stats.nulls],
    [5, T.BINARY, stats.max],
    [6, T.BINARY, stats.min],
    [7, T.BOOL, stats.max ? stats.maxExact : undefined],
    [8, T.BOOL, stats.min ? stats.minExact : undefined],
  ];
}
