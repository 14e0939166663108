/**
 * Lays out one column chunk of a row group as pages: a dictionary page and RLE_DICTIONARY data
 * pages when the dictionary pays (it stays under the dictionary size limit and dictionary plus
 * indices are smaller than the PLAIN values), PLAIN data pages otherwise. Data pages hold about
 * `pageBytes` of values each (pyarrow's 1 MiB), and the chunk's statistics (null count, minimum,
 * maximum) are computed on the way.
 *
 * @example A repetitive text column is dictionary-encoded
 * ```ts
 * import { ColumnChunkBuilder } from "./parquet.ts";
 * import { writeColumnChunk } from "./column_chunk.ts";
 * import { PHYSICAL } from "./statistics.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const builder = new ColumnChunkBuilder({ name: "s", kind: "string" });
 * for (let i = 0; i < 1000; i++) builder.append(i % 3 === 0 ? null : `label-${i % 4}`);
 * const pages: Uint8Array[] = [];
 * const meta = writeColumnChunk(builder.finish(), {
 *   physical: PHYSICAL.BYTE_ARRAY, utf8: true, offset: 4, write: (b) => pages.push(b.slice()),
 *   compress: (b) => b, pageBytes: 1 << 20, dictionaryBytes: 1 << 20,
 * });
 * assertEquals([meta.dictionary, meta.statistics.nulls], [true, 334]);
 * assertEquals(new TextDecoder().decode(meta.statistics.min), "label-0");
 * ```
 *
 * @module
 */

import { bitWidth, ByteSink, encodeHybrid } from "./rle.ts";
import { buildDictionary, type Dictionary } from "./dictionary.ts";
import { type MinMax, minMax, PHYSICAL } from "./statistics.ts";
import { encodeStruct, T } from "./thrift.ts";
import type { EncodedColumn } from "./parquet.ts";

/** How {@linkcode writeColumnChunk} encodes pages, and where they go. */
export interface ChunkOptions {
  /** The column's physical type ({@linkcode PHYSICAL}). */
  physical: number;
  /** Whether byte arrays are UTF-8 text (statistics are then cut between characters). */
  utf8: boolean;
  /** File offset of the chunk's first page. */
  offset: number;
  /** Receives the pages' bytes, valid only during the call. */
  write: (bytes: Uint8Array) => void;
  /** Compresses a page body; the result may be scratch space reused by the next call. */
  compress: (body: Uint8Array) => Uint8Array;
  /** Bytes of values per data page (before compression). */
  pageBytes: number;
  /** Largest dictionary (its PLAIN bytes) before falling back to PLAIN; 0 disables dictionaries. */
  dictionaryBytes: number;
}

/** Statistics of a column chunk. */
export interface ChunkStatistics extends Partial<MinMax> {
  /** Null rows. */
  nulls: number;
}

/** Where a column chunk went and what it holds (for the footer). */
export interface WrittenChunk {
  /** File offset of the dictionary page, when there is one. */
  dictionaryOffset?: number;
  /** File offset of the first data page. */
  dataOffset: number;
  /** Bytes written (page headers included). */
  compressed: number;
  /** Bytes before compression (page headers included). */
  uncompressed: number;
  /** Rows. */
  count: number;
  /** Whether the data pages are dictionary-encoded. */
  dictionary: boolean;
  /** Data pages written. */
  dataPages: number;
  /** Null count, minimum and maximum. */
  statistics: ChunkStatistics;
}

const ENCODING = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;

const levels = new ByteSink(1 << 16);
const values = new ByteSink(1 << 16);
const body = new ByteSink(1 << 20);

/** Writes the pages of one column chunk and returns its metadata. */
export function writeColumnChunk(chunk: EncodedColumn, options: ChunkOptions): WrittenChunk {
  const { physical, write } = options;
  let offset = options.offset;
  const width = physical === PHYSICAL.BYTE_ARRAY
    ? 0
    : physical === PHYSICAL.INT32
    ? 4
    : physical === PHYSICAL.BOOLEAN
    ? -1
    : 8;
  const present = chunk.count - chunk.nulls;
  let dict: Dictionary | undefined;
  if (width >= 0 && options.dictionaryBytes > 0 && present > 0) {
    dict = buildDictionary(chunk.values, present, width, options.dictionaryBytes);
    if (dict && dict.plain.length + (present * bitWidth(dict.size)) / 8 >= chunk.values.length) {
      dict = undefined; // no smaller than PLAIN
    }
  }
  const utf8 = options.utf8;
  const statistics: ChunkStatistics = {
    nulls: chunk.nulls,
    ...(dict
      ? minMax(physical, dict.plain, dict.size, utf8)
      : minMax(physical, chunk.values, present, utf8)),
  };
  const meta: WrittenChunk = {
    dataOffset: offset,
    compressed: 0,
    uncompressed: 0,
    count: chunk.count,
    dictionary: dict !== undefined,
    dataPages: 0,
    statistics,
  };
  const page = (header: (size: number, compressedSize: number) => Uint8Array, raw: Uint8Array) => {
    const packed = options.compress(raw);
    const headerBytes = header(raw.length, packed.length);
    write(headerBytes);
    write(packed);
    meta.compressed += headerBytes.length + packed.length;
    meta.uncompressed += headerBytes.length + raw.length;
    offset += headerBytes.length + packed.length;
  };
  if (dict) {
    meta.dictionaryOffset = offset;
    const size = dict.size;
    page((raw, packed) =>
      encodeStruct([
        [1, T.I32, PAGE.DICTIONARY],
        [2, T.I32, raw],
        [3, T.I32, packed],
        [7, T.STRUCT, [[1, T.I32, size], [2, T.I32, ENCODING.PLAIN]]],
      ]), dict.plain);
    meta.dataOffset = offset;
  }
  // Value start offsets of BYTE_ARRAY values, to cut pages.
  let starts: Int32Array | undefined;
  if (width === 0 && !dict) {
    starts = new Int32Array(present + 1);
    const v = chunk.values;
    let pos = 0;
    for (let i = 0; i < present; i++) {
      starts[i] = pos;
      pos += 4 + (v[pos] | (v[pos + 1] << 8) | (v[pos + 2] << 16) | (v[pos + 3] << 24));
    }
    starts[present] = pos;
  }
  const valueBytes = dict ? (present * bitWidth(dict.size)) / 8 : chunk.values.length;
  // Whole bytes of the presence bitmap per page (a multiple of 8 rows); booleans in one page.
  const rowsPerPage = width < 0 ? chunk.count : Math.max(
    8,
    Math.floor((chunk.count * options.pageBytes) / Math.max(1, valueBytes) / 8) * 8,
  );
  const bits = chunk.present;
  let v0 = 0;
  for (let r0 = 0; r0 < chunk.count || (r0 === 0 && chunk.count === 0); r0 += rowsPerPage) {
    const r1 = Math.min(r0 + rowsPerPage, chunk.count);
    const rows = r1 - r0;
    let v1 = v0;
    if (chunk.nulls === 0) v1 = v0 + rows;
    else for (let b = r0 >> 3; b < (r1 + 7) >> 3; b++) v1 += POPCOUNT[bits[b]];
    levels.reset();
    if (v1 - v0 === rows) {
      levels.varint(rows * 2);
      levels.byte(1);
    } else {
      const groups = (rows + 7) >> 3;
      levels.varint(groups * 2 + 1);
      levels.write(bits.subarray(r0 >> 3, (r0 >> 3) + groups));
    }
    values.reset();
    if (dict) {
      const w = bitWidth(dict.size);
      values.byte(w);
      encodeHybrid(dict.indices, v0, v1, w, values);
    } else if (width > 0) {
      values.write(chunk.values.subarray(v0 * width, v1 * width));
    } else if (width === 0) {
      values.write(chunk.values.subarray(starts![v0], starts![v1]));
    } else {
      values.write(chunk.values); // booleans: the whole chunk is one page
    }
    body.reset();
    body.ensure(4);
    body.buf[0] = levels.length & 0xff;
    body.buf[1] = (levels.length >>> 8) & 0xff;
    body.buf[2] = (levels.length >>> 16) & 0xff;
    body.buf[3] = levels.length >>> 24;
    body.length = 4;
    body.write(levels.bytes());
    body.write(values.bytes());
    const encoding = dict ? ENCODING.RLE_DICTIONARY : ENCODING.PLAIN;
    page((raw, packed) =>
      encodeStruct([
        [1, T.I32, PAGE.DATA],
        [2, T.I32, raw],
        [3, T.I32, packed],
        [5, T.STRUCT, [
          [1, T.I32, rows],
          [2, T.I32, encoding],
          [3, T.I32, ENCODING.RLE],
          [4, T.I32, ENCODING.RLE],
        ]],
      ]), body.bytes());
    meta.dataPages++;
    v0 = v1;
    if (chunk.count === 0) break;
  }
  return meta;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  return n;
});
