/**
 * PostgreSQL's binary COPY format decoded column by column, straight from the wire bytes into
 * the PLAIN-encoded buffers the parquet writer takes (no JavaScript value per field): text is
 * copied as the UTF-8 bytes the server sent, integers and timestamps are byte-swapped and
 * shifted to the Unix epoch, `numeric` becomes the double that `Number()` of its text gives.
 *
 * Only types whose binary form gives exactly what the text decoders of `postgres_types.ts` give
 * are decoded here ({@linkcode binaryDecodable}); a result with any other column (`float4`,
 * `interval`, arrays, ...) takes the text path.
 *
 * @example Two rows of an `int8` and a `text` column
 * ```ts
 * import { BinaryCopyDecoder } from "./postgres_binary.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const decoder = new BinaryCopyDecoder([20, 25]);
 * const signature = [..."PGCOPY\n\xff\r\n\0"].map((c) => c.charCodeAt(0));
 * const header = signature.concat([0, 0, 0, 0, 0, 0, 0, 0]);
 * const row1 = [0, 2, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, 104, 105]; // 7, "hi"
 * const row2 = [0, 2, 255, 255, 255, 255, 255, 255, 255, 255]; // null, null
 * decoder.add(new Uint8Array([...header, ...row1]));
 * decoder.add(new Uint8Array(row2));
 * const [ids, names] = decoder.take();
 * assertEquals([ids.count, ids.nulls, [...ids.values]], [2, 1, [7, 0, 0, 0, 0, 0, 0, 0]]);
 * assertEquals([...names.values], [2, 0, 0, 0, 104, 105]);
 * ```
 *
 * @module
 */

import type { EncodedColumn } from "../../parquet/types.ts";

/** Settings of the session that decide what the text path would have produced. */
export interface BinarySessionSettings {
  /**
   * `extra_float_digits`: from PostgreSQL 12 on, at 1 or more `float8` text is the shortest exact
   * decimal; before, only at 3 (17 digits).
   */
  extraFloatDigits: number;
  /** The server's major version (`server_version`). */
  serverMajor: number;
}

const enum K {
  Int8,
  Int4,
  Int2,
  Oid,
  Float8,
  Numeric,
  Bool,
  Bytes,
  Jsonb,
  Uuid,
  Date,
  Time,
  Timestamp,
}

/** Binary decoders by type OID (`float8` only with exact text, see {@linkcode binaryDecodable}). */
const KINDS: Record<number, K> = {
  16: K.Bool,
  17: K.Bytes, // bytea
  19: K.Bytes, // name
  20: K.Int8,
  21: K.Int2,
  23: K.Int4,
  25: K.Bytes, // text
  26: K.Oid,
  114: K.Bytes, // json: its text
  701: K.Float8,
  1042: K.Bytes, // bpchar, padded as its text
  1043: K.Bytes, // varchar
  1082: K.Date,
  1083: K.Time,
  1114: K.Timestamp,
  1184: K.Timestamp, // timestamptz: UTC microseconds, as the text path after the offset
  1700: K.Numeric,
  2950: K.Uuid,
  3802: K.Jsonb,
};

/**
 * Whether a column of this type OID decodes from the binary format to exactly what the text path
 * gives. `float4` never does (its text is the shortest decimal of the single, which `Number()`
 * reads as a different double), `float8` only while its text is exact (see
 * {@linkcode BinarySessionSettings}). Timestamps are taken as 64-bit integers: the caller checks
 * the server's `integer_datetimes`.
 *
 * @example Which types take the binary path
 * ```ts
 * import { binaryDecodable } from "./postgres_binary.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const session = { extraFloatDigits: 1, serverMajor: 18 };
 * const oids = [20, 1184, 700, 1186];
 * assertEquals(oids.map((oid) => binaryDecodable(oid, session)), [true, true, false, false]);
 * assertEquals(binaryDecodable(701, { extraFloatDigits: 0, serverMajor: 18 }), false);
 * assertEquals(binaryDecodable(701, { extraFloatDigits: 1, serverMajor: 11 }), false);
 * ```
 */
export function binaryDecodable(oid: number, session: BinarySessionSettings): boolean {
  if (oid === 701) {
    return session.extraFloatDigits >= (session.serverMajor >= 12 ? 1 : 3);
  }
  return KINDS[oid] !== undefined;
}

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];
const HEX = new Uint8Array([..."0123456789abcdef"].map((c) => c.charCodeAt(0)));
/** Days from 1970-01-01 to PostgreSQL's epoch 2000-01-01. */
const EPOCH_DAYS = 10_957;
/** 946,684,800,000,000 microseconds (1970 to 2000) as 32-bit halves. */
const EPOCH_US_HI = 0x00035d01;
const EPOCH_US_LO = 0x3b37e000;
const TWO_32 = 4_294_967_296;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** A column's output: PLAIN values and the presence bitmap of one slice. */
class Column {
  readonly kind: K;
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  bits: Uint8Array;
  nulls = 0;
  booleans = 0;

  constructor(kind: K) {
    this.kind = kind;
    this.buf = new Uint8Array(1 << 16);
    this.view = new DataView(this.buf.buffer);
    this.bits = new Uint8Array(1 << 10);
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

function protocolError(detail: string): SyntaxError {
  return new SyntaxError(`Cannot decode PostgreSQL binary COPY data: ${detail}`);
}

/**
 * Decodes binary COPY data (`COPY ... TO STDOUT (FORMAT binary)`) of a result with the given
 * column type OIDs into per-column PLAIN buffers, one slice at a time: {@linkcode add} each
 * CopyData payload (the server sends one row per message, the first one after the file header),
 * {@linkcode take} the slice when it is big enough.
 */
export class BinaryCopyDecoder {
  #columns: Column[];
  #rows = 0;
  #header = false;
  #ended = false;
  /** The length of every column's presence bitmap. */
  #bitsLength = 1 << 10;

  /** Creates a decoder for columns of these type OIDs (each {@linkcode binaryDecodable}). */
  constructor(oids: readonly number[]) {
    this.#columns = oids.map((oid) => {
      const kind = KINDS[oid];
      if (kind === undefined) throw new RangeError(`Cannot decode PostgreSQL type ${oid} binary`);
      return new Column(kind);
    });
  }

  /** Rows in the current slice. */
  get rows(): number {
    return this.#rows;
  }

  /** PLAIN bytes held in the current slice. */
  get byteLength(): number {
    let n = 0;
    for (const c of this.#columns) n += c.pos;
    return n;
  }

  /** Whether the trailer (end of data) was read. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Decodes one CopyData payload: the header, rows, or the trailer. */
  add(b: Uint8Array): void {
    this.addRange(b, 0, b.length);
  }

  /** Decodes one CopyData payload held in `b[start..end)` (see {@linkcode add}). */
  addRange(b: Uint8Array, start: number, end: number): void {
    let i = start;
    if (!this.#header) {
      if (end - i < 19 || SIGNATURE.some((c, k) => b[i + k] !== c)) {
        throw protocolError("no file header");
      }
      const extension = ((b[i + 15] << 24) | (b[i + 16] << 16) | (b[i + 17] << 8) | b[i + 18]) >>>
        0;
      i += 19 + extension;
      this.#header = true;
    }
    const columns = this.#columns;
    const n = columns.length;
    while (i < end) {
      if (i + 2 > end) throw protocolError("a row is cut short");
      const fields = (b[i] << 8) | b[i + 1];
      i += 2;
      if (fields === 0xffff) {
        this.#ended = true;
        return;
      }
      if (fields !== n) throw protocolError(`a row has ${fields} fields, not ${n}`);
      const row = this.#rows++;
      const byte = row >> 3;
      const bit = 1 << (row & 7);
      // Every column's bitmap has the same size: one check per row.
      if (byte >= this.#bitsLength) this.#growBits();
      for (let j = 0; j < n; j++) {
        if (i + 4 > end) throw protocolError("a row is cut short");
        const len = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
        i += 4;
        const c = columns[j];
        if (len === -1) {
          c.nulls++;
          continue;
        }
        if (len < 0 || i + len > end) throw protocolError("a value is cut short");
        c.bits[byte] |= bit;
        // Room for the widest output of `len` input bytes (a uuid's 40 from 16), checked once.
        if (c.pos + len + 40 > c.buf.length) c.ensure(len + 40);
        decodeValue(c, b, i, len);
        i += len;
      }
    }
  }

  #growBits(): void {
    this.#bitsLength *= 2;
    for (const c of this.#columns) {
      const next = new Uint8Array(this.#bitsLength);
      next.set(c.bits);
      c.bits = next;
    }
  }

  /**
   * Returns the slice decoded so far, one {@linkcode EncodedColumn} per column, and starts the
   * next one.
   */
  take(): EncodedColumn[] {
    const count = this.#rows;
    this.#rows = 0;
    return this.#columns.map((c) => {
      const out: EncodedColumn = {
        count,
        nulls: c.nulls,
        present: c.bits.slice(0, (count + 7) >> 3),
        values: c.buf.subarray(0, c.pos),
      };
      // The buffer goes with the slice (to the parquet worker); the next slice gets a new one.
      c.buf = new Uint8Array(c.buf.length);
      c.view = new DataView(c.buf.buffer);
      c.pos = 0;
      c.nulls = 0;
      c.booleans = 0;
      c.bits.fill(0, 0, (count >> 3) + 1);
      return out;
    });
  }
}

function fixed(len: number, want: number): void {
  if (len !== want) throw protocolError(`a ${want}-byte value has ${len} bytes`);
}

/** Appends one non-null value to its column's PLAIN buffer (the caller made room for it). */
function decodeValue(c: Column, b: Uint8Array, i: number, len: number): void {
  switch (c.kind) {
    case K.Bytes:
      writeBytes(c, b, i, len);
      return;
    case K.Jsonb:
      if (len < 1 || b[i] !== 1) throw protocolError("unknown jsonb version");
      writeBytes(c, b, i + 1, len - 1);
      return;
    case K.Int8:
    case K.Float8:
    case K.Time: {
      fixed(len, 8);
      const o = c.buf;
      const p = c.pos;
      o[p] = b[i + 7];
      o[p + 1] = b[i + 6];
      o[p + 2] = b[i + 5];
      o[p + 3] = b[i + 4];
      o[p + 4] = b[i + 3];
      o[p + 5] = b[i + 2];
      o[p + 6] = b[i + 1];
      o[p + 7] = b[i];
      c.pos = p + 8;
      return;
    }
    case K.Int4:
    case K.Oid: {
      fixed(len, 4);
      const v = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
      c.view.setInt32(c.pos, v, true);
      c.view.setInt32(c.pos + 4, c.kind === K.Oid ? 0 : v >> 31, true);
      c.pos += 8;
      return;
    }
    case K.Int2: {
      fixed(len, 2);
      const v = ((b[i] << 24) | (b[i + 1] << 16)) >> 16;
      c.view.setInt32(c.pos, v, true);
      c.view.setInt32(c.pos + 4, v >> 31, true);
      c.pos += 8;
      return;
    }
    case K.Bool: {
      fixed(len, 1);
      const k = c.booleans++;
      if ((k & 7) === 0) {
        c.buf[c.pos++] = 0;
      }
      if (b[i] !== 0) c.buf[c.pos - 1] |= 1 << (k & 7);
      return;
    }
    case K.Date: {
      fixed(len, 4);
      const v = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
      // ±infinity as the text path: ±(2^31 - 1) days.
      const days = v === 0x7fffffff ? v : v === -0x80000000 ? -0x7fffffff : v + EPOCH_DAYS;
      c.view.setInt32(c.pos, days, true);
      c.pos += 4;
      return;
    }
    case K.Timestamp: {
      fixed(len, 8);
      let hi = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
      let lo = ((b[i + 4] << 24) | (b[i + 5] << 16) | (b[i + 6] << 8) | b[i + 7]) >>> 0;
      if (hi === 0x7fffffff && lo === 0xffffffff) {
        // infinity: 2^63 - 1, as the text path
      } else if (hi === -0x80000000 && lo === 0) {
        lo = 1; // -infinity: -(2^63 - 1), as the text path
      } else {
        // To the Unix epoch, wrapping at 64 bits as the text path's writer does.
        lo += EPOCH_US_LO;
        const carry = lo >= TWO_32 ? 1 : 0;
        lo -= carry * TWO_32;
        hi = (hi + EPOCH_US_HI + carry) | 0;
      }
      c.view.setUint32(c.pos, lo, true);
      c.view.setInt32(c.pos + 4, hi, true);
      c.pos += 8;
      return;
    }
    case K.Numeric:
      c.view.setFloat64(c.pos, numericValue(b, i, len), true);
      c.pos += 8;
      return;
    case K.Uuid: {
      fixed(len, 16);
      const o = c.buf;
      c.view.setUint32(c.pos, 36, true);
      let p = c.pos + 4;
      for (let k = 0; k < 16; k++) {
        if (k === 4 || k === 6 || k === 8 || k === 10) o[p++] = 0x2d; // "-"
        const x = b[i + k];
        o[p++] = HEX[x >> 4];
        o[p++] = HEX[x & 15];
      }
      c.pos = p;
      return;
    }
  }
}

function writeBytes(c: Column, b: Uint8Array, i: number, len: number): void {
  const o = c.buf;
  let p = c.pos;
  o[p] = len & 0xff;
  o[p + 1] = (len >>> 8) & 0xff;
  o[p + 2] = (len >>> 16) & 0xff;
  o[p + 3] = len >>> 24;
  p += 4;
  if (len < 48) {
    for (let k = 0; k < len; k++) o[p + k] = b[i + k];
  } else {
    o.set(b.subarray(i, i + len), p);
  }
  c.pos = p + len;
}

/**
 * The double of a binary `numeric` (base-10000 digits), equal to `Number()` of its text: exact
 * integer digits scaled by a power of ten both representable (one rounding, as `Number()`
 * rounds), else through the decimal text itself.
 */
export function numericValue(b: Uint8Array, i: number, len: number): number {
  if (len < 8) throw protocolError(`a numeric has ${len} bytes`);
  const ndigits = (b[i] << 8) | b[i + 1];
  const weight = ((b[i + 2] << 24) | (b[i + 3] << 16)) >> 16;
  const sign = (b[i + 4] << 8) | b[i + 5];
  if (sign === 0xc000) return NaN;
  if (sign === 0xd000) return Infinity;
  if (sign === 0xf000) return -Infinity;
  if (len !== 8 + 2 * ndigits) {
    throw protocolError(`a numeric of ${ndigits} digits has ${len} bytes`);
  }
  let n = ndigits;
  while (n > 0 && b[i + 6 + 2 * n] === 0 && b[i + 7 + 2 * n] === 0) n--;
  if (n === 0) return 0;
  let m = 0;
  let k = 0;
  for (; k < n; k++) {
    const next = m * 10_000 + ((b[i + 8 + 2 * k] << 8) | b[i + 9 + 2 * k]);
    if (next > Number.MAX_SAFE_INTEGER) break;
    m = next;
  }
  const negative = sign === 0x4000;
  if (k === n) {
    const e = 4 * (weight - n + 1);
    if (e >= 0 && e <= 22) return negative ? -(m * POW10[e]) : m * POW10[e];
    if (e < 0 && e >= -22) return negative ? -(m / POW10[-e]) : m / POW10[-e];
  }
  let text = negative ? "-0." : "0.";
  for (k = 0; k < n; k++) {
    text += String((b[i + 8 + 2 * k] << 8) | b[i + 9 + 2 * k]).padStart(4, "0");
  }
  return Number(`${text}e${4 * (weight + 1)}`);
}
