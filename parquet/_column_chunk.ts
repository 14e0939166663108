/**
 * Encodes one column chunk of a row group as pages, slice by slice, as rows arrive: while the
 * chunk's dictionary stays under its size limit, slices become RLE_DICTIONARY data pages; past it
 * (or when the first slice holds only distinct values, or too few values for a dictionary to
 * pay), PLAIN data pages, as pyarrow falls back.
 * Data pages hold about `pageBytes` of values each (pyarrow's 1 MiB) and are kept compressed
 * until the row group ends, when the dictionary page and the data pages are written in order.
 * The chunk's statistics (null count, minimum, maximum) are gathered on the way.
 *
 * @example A repetitive text column is dictionary-encoded
 * ```ts
 * import { ColumnChunkBuilder } from "./parquet.ts";
 * import { ColumnChunkEncoder } from "./_column_chunk.ts";
 * import { PHYSICAL } from "./_statistics.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const builder = new ColumnChunkBuilder({ name: "s", kind: "string" });
 * for (let i = 0; i < 1000; i++) builder.append(i % 3 === 0 ? null : `label-${i % 4}`);
 * const encoder = new ColumnChunkEncoder({
 *   physical: PHYSICAL.BYTE_ARRAY,
 *   utf8: true,
 *   compress: (b) => b,
 *   pageBytes: 1 << 20,
 *   dictionaryBytes: 1 << 20,
 * });
 * encoder.add(builder.finish());
 * const pages: Uint8Array[] = [];
 * const meta = encoder.finish(4, (b) => pages.push(b.slice()));
 * assertEquals([meta.dictionaryOffset, meta.dictionaryPages > 0, meta.statistics.nulls], [
 *   4,
 *   true,
 *   334,
 * ]);
 * assertEquals(new TextDecoder().decode(meta.statistics.min), "label-0");
 * ```
 *
 * @module
 */

import { bitWidth, ByteSink, encodeHybrid } from "./_rle.ts";
import { DictionaryBuilder } from "./_dictionary.ts";
import { finishMinMax, mergeMinMax, type MinMax, minMax, PHYSICAL } from "./_statistics.ts";
import { encodeStruct, T } from "./_thrift.ts";
import type { EncodedColumn } from "./types.ts";

/** How a {@linkcode ColumnChunkEncoder} encodes pages. */
export interface ChunkOptions {
  /** The column's physical type ({@linkcode PHYSICAL}). */
  physical: number;
  /** Whether byte arrays are UTF-8 text (statistics are then cut between characters). */
  utf8: boolean;
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
  /** Dictionary-encoded data pages. */
  dictionaryPages: number;
  /** PLAIN data pages. */
  plainPages: number;
  /** Null count, minimum and maximum. */
  statistics: ChunkStatistics;
}

const ENCODING = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;

/** A chunk whose first slice holds fewer values is written PLAIN (no dictionary). */
const DICTIONARY_MIN_VALUES = 64;
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;

const levels = new ByteSink(1 << 16);
const values = new ByteSink(1 << 16);
const body = new ByteSink(1 << 16);

/** Encodes the slices of one column chunk after another; see the module documentation. */
export class ColumnChunkEncoder {
  #options: ChunkOptions;
  #width: number;
  #dict: DictionaryBuilder | undefined;
  #plainOnly = false;
  #slices = 0;
  #pages: { bytes: Uint8Array; raw: number; dict: boolean }[] = [];
  #count = 0;
  #nulls = 0;
  #minMax: MinMax | undefined;

  /** Creates an encoder for one column. */
  constructor(options: ChunkOptions) {
    this.#options = options;
    const p = options.physical;
    this.#width = p === PHYSICAL.BYTE_ARRAY
      ? 0
      : p === PHYSICAL.INT32
      ? 4
      : p === PHYSICAL.BOOLEAN
      ? -1
      : 8;
    this.#reset();
  }

  #reset(): void {
    this.#dict = undefined; // made by the first slice that takes one
    this.#plainOnly = this.#width < 0 || this.#options.dictionaryBytes <= 0;
    this.#slices = 0;
    this.#pages = [];
    this.#count = 0;
    this.#nulls = 0;
    this.#minMax = undefined;
  }

  /** Rows added since the last {@linkcode ColumnChunkEncoder.finish}. */
  get count(): number {
    return this.#count;
  }

  /** Encodes a slice of the chunk into compressed pages, held until `finish`. */
  add(chunk: EncodedColumn): void {
    const width = this.#width;
    const present = chunk.count - chunk.nulls;
    this.#count += chunk.count;
    this.#nulls += chunk.nulls;
    let indices: Int32Array | undefined;
    const sizeBefore = this.#dict?.size ?? 0;
    // A first slice this small means a small result (or very wide rows): a dictionary would
    // save next to nothing, and PLAIN spares its work on the way (statistics stay the same).
    if (this.#slices === 0 && present > 0 && present < DICTIONARY_MIN_VALUES) {
      this.#plainOnly = true;
    }
    if (!this.#plainOnly && present > 0) {
      this.#dict ??= new DictionaryBuilder(
        width,
        this.#options.dictionaryBytes,
        this.#options.physical === PHYSICAL.INT64 || this.#options.physical === PHYSICAL.INT32,
      );
      indices = this.#dict.add(chunk.values, present);
      // A first slice of nearly distinct values (ids, timestamps, measurements): the
      // dictionary would not pay (or would soon pass its limit), so the chunk is PLAIN.
      if (indices && this.#slices === 0 && present >= 1024 && this.#dict!.size > present * 0.9) {
        indices = undefined;
      }
      if (!indices) this.#plainOnly = true;
    }
    // Statistics: over the slice's new dictionary entries, else over its values.
    if (present > 0) {
      const mm = indices
        ? minMax(
          this.#options.physical,
          this.#dict!.plain(sizeBefore),
          this.#dict!.size - sizeBefore,
        )
        : minMax(this.#options.physical, chunk.values, present);
      if (mm) this.#minMax = mergeMinMax(this.#options.physical, this.#minMax, mm);
    }
    this.#slices++;
    // Value start offsets of BYTE_ARRAY values, to cut pages.
    let starts: Int32Array | undefined;
    if (width === 0 && !indices) {
      starts = new Int32Array(present + 1);
      const v = chunk.values;
      let pos = 0;
      for (let i = 0; i < present; i++) {
        starts[i] = pos;
        pos += 4 + (v[pos] | (v[pos + 1] << 8) | (v[pos + 2] << 16) | (v[pos + 3] << 24));
      }
      starts[present] = pos;
    }
    const indexWidth = indices ? bitWidth(Math.max(this.#dict!.size, 1)) : 0;
    const valueBytes = indices ? (present * indexWidth) / 8 : chunk.values.length;
    // Whole bytes of the presence bitmap per page (a multiple of 8 rows); booleans in one page.
    const rowsPerPage = width < 0 ? Math.max(chunk.count, 1) : Math.max(
      8,
      Math.floor((chunk.count * this.#options.pageBytes) / Math.max(1, valueBytes) / 8) * 8,
    );
    const bits = chunk.present;
    let v0 = 0;
    for (let r0 = 0; r0 < chunk.count; r0 += rowsPerPage) {
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
      if (indices) {
        values.byte(indexWidth);
        encodeHybrid(indices, v0, v1, indexWidth, values);
      } else if (width > 0) {
        values.write(chunk.values.subarray(v0 * width, v1 * width));
      } else if (width === 0) {
        values.write(chunk.values.subarray(starts![v0], starts![v1]));
      } else {
        values.write(chunk.values); // booleans: the whole slice is one page
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
      const raw = body.bytes();
      const packed = this.#options.compress(raw);
      const header = encodeStruct([
        [1, T.I32, PAGE.DATA],
        [2, T.I32, raw.length],
        [3, T.I32, packed.length],
        [5, T.STRUCT, [
          [1, T.I32, rows],
          [2, T.I32, indices ? ENCODING.RLE_DICTIONARY : ENCODING.PLAIN],
          [3, T.I32, ENCODING.RLE],
          [4, T.I32, ENCODING.RLE],
        ]],
      ]);
      const page = new Uint8Array(header.length + packed.length);
      page.set(header);
      page.set(packed, header.length);
      this.#pages.push({ bytes: page, raw: header.length + raw.length, dict: !!indices });
      v0 = v1;
    }
  }

  /**
   * Writes the chunk's pages from file `offset` on (dictionary page first) through `write`, and
   * returns its metadata; the encoder is then ready for the next row group.
   */
  finish(offset: number, write: (bytes: Uint8Array) => void): WrittenChunk {
    const meta: WrittenChunk = {
      dataOffset: offset,
      compressed: 0,
      uncompressed: 0,
      count: this.#count,
      dictionaryPages: 0,
      plainPages: 0,
      statistics: {
        nulls: this.#nulls,
        ...(this.#minMax && finishMinMax(this.#options.physical, this.#minMax, this.#options.utf8)),
      },
    };
    const emit = (bytes: Uint8Array, raw: number) => {
      write(bytes);
      meta.compressed += bytes.length;
      meta.uncompressed += raw;
    };
    if (this.#pages.some((p) => p.dict)) {
      // The dictionary as it stood at its last page: a slice that took it past its limit was
      // rolled back, and every page indexes entries that are there.
      const plain = this.#dict!.plain();
      const packed = this.#options.compress(plain);
      const header = encodeStruct([
        [1, T.I32, PAGE.DICTIONARY],
        [2, T.I32, plain.length],
        [3, T.I32, packed.length],
        [7, T.STRUCT, [[1, T.I32, this.#dict!.size], [2, T.I32, ENCODING.PLAIN]]],
      ]);
      meta.dictionaryOffset = offset;
      write(header);
      write(packed);
      meta.compressed += header.length + packed.length;
      meta.uncompressed += header.length + plain.length;
      meta.dataOffset = offset + header.length + packed.length;
    }
    for (const page of this.#pages) {
      emit(page.bytes, page.raw);
      if (page.dict) meta.dictionaryPages++;
      else meta.plainPages++;
    }
    this.#reset();
    return meta;
  }
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  return n;
});
