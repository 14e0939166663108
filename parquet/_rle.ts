/**
 * Parquet's RLE / bit-packing hybrid encoding of small unsigned integers (dictionary indices),
 * written into a growable {@linkcode ByteSink}: runs of 8 or more equal values become RLE runs,
 * everything else is bit-packed in groups of 8.
 *
 * @example Encode dictionary indices
 * ```ts
 * import { ByteSink, encodeHybrid } from "./_rle.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const sink = new ByteSink();
 * encodeHybrid(Int32Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), 0, 10, 1, sink);
 * assertEquals(sink.bytes(), Uint8Array.of(20, 1)); // one RLE run: 10 times the value 1
 * ```
 *
 * @module
 */

/**
 * A growable byte buffer.
 *
 * @example Bytes and varints
 * ```ts
 * import { ByteSink } from "./_rle.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const sink = new ByteSink();
 * sink.byte(7);
 * sink.varint(300);
 * assertEquals(sink.bytes(), Uint8Array.of(7, 0xac, 0x02));
 * ```
 */
export class ByteSink {
  /** The buffer; bytes `0..length` are written. */
  buf: Uint8Array;
  /** Bytes written. */
  length = 0;

  /** Creates an empty sink. */
  constructor(initialBytes = 1024) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends one byte. */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** Appends an unsigned LEB128 varint (up to 2^53). */
  varint(value: number): void {
    this.ensure(8);
    while (value > 0x7f) {
      this.buf[this.length++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.length++] = value;
  }

  /** Appends bytes. */
  write(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** The bytes written (a view, valid until the next write or reset). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Forgets the bytes written, keeping the buffer. */
  reset(): void {
    this.length = 0;
  }
}

/**
 * The bit width that holds every index below `size` (at least 1).
 *
 * @example Widths
 * ```ts
 * import { bitWidth } from "./_rle.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([1, 2, 3, 256, 257].map(bitWidth), [1, 1, 2, 8, 9]);
 * ```
 */
export function bitWidth(size: number): number {
  let width = 1;
  while (size - 1 >= 2 ** width) width++;
  return width;
}

/**
 * Encodes `values[start..end)` (each below 2^width) in the hybrid encoding, without a length
 * prefix. The last bit-packed group is padded with zeros, which readers skip by count.
 *
 * @example Bit-packed
 * ```ts
 * import { ByteSink, encodeHybrid } from "./_rle.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const sink = new ByteSink();
 * encodeHybrid(Int32Array.of(0, 1, 2, 3), 0, 4, 2, sink);
 * assertEquals(sink.bytes(), Uint8Array.of(3, 0b11100100, 0)); // one group of 8, padded
 * ```
 */
export function encodeHybrid(
  values: Int32Array,
  start: number,
  end: number,
  width: number,
  sink: ByteSink,
): void {
  let packedFrom = start; // first value not yet written
  let i = start;
  while (i < end) {
    const v = values[i];
    let run = 1;
    while (i + run < end && values[i + run] === v) run++;
    if (run >= 8) {
      // Bit-packed runs hold whole groups of 8: lend the run the values needed to fill one.
      const pending = i - packedFrom;
      const lend = pending % 8 === 0 ? 0 : 8 - (pending % 8);
      if (run - lend >= 8) {
        if (pending + lend > 0) packBits(values, packedFrom, i + lend, width, sink);
        const count = run - lend;
        sink.varint(count * 2);
        writeRunValue(v, width, sink);
        i += run;
        packedFrom = i;
        continue;
      }
    }
    i += run;
  }
  if (packedFrom < end) packBits(values, packedFrom, end, width, sink);
}

function writeRunValue(v: number, width: number, sink: ByteSink): void {
  const bytes = (width + 7) >> 3;
  sink.ensure(bytes);
  for (let b = 0; b < bytes; b++) sink.buf[sink.length++] = (v >>> (8 * b)) & 0xff;
}

/** One bit-packed run of `values[from..to)`, padded to a whole group of 8. */
function packBits(
  values: Int32Array,
  from: number,
  to: number,
  width: number,
  sink: ByteSink,
): void {
  const groups = Math.ceil((to - from) / 8);
  sink.varint(groups * 2 + 1);
  const bytes = groups * width;
  sink.ensure(bytes);
  const buf = sink.buf;
  const base = sink.length;
  buf.fill(0, base, base + bytes);
  if (width <= 24) {
    // Values into an accumulator, whole bytes out (at most 7 + 24 bits are held).
    let acc = 0;
    let held = 0;
    let o = base;
    for (let k = from; k < to; k++) {
      acc |= values[k] << held;
      held += width;
      while (held >= 8) {
        buf[o++] = acc & 0xff;
        acc >>>= 8;
        held -= 8;
      }
    }
    if (held > 0) buf[o] = acc & 0xff;
    sink.length = base + bytes;
    return;
  }
  let bit = 0;
  for (let k = from; k < to; k++) {
    let v = values[k];
    let left = width;
    while (left > 0) {
      const byte = base + (bit >> 3);
      const shift = bit & 7;
      const take = Math.min(8 - shift, left);
      buf[byte] |= (v & ((1 << take) - 1)) << shift;
      v >>>= take;
      bit += take;
      left -= take;
    }
  }
  sink.length = base + bytes;
}
