/**
 * Snappy compression (the raw block format parquet uses) into a caller-provided buffer, so that
 * compressing page after page allocates nothing.
 *
 * @example Compress into a buffer
 * ```ts
 * import { maxCompressedLength, snappyCompressInto } from "./_snappy.ts";
 * import { assert } from "@std/assert";
 *
 * const input = new TextEncoder().encode("abcabcabcabcabcabcabcabc");
 * const out = new Uint8Array(maxCompressedLength(input.length));
 * assert(snappyCompressInto(input, out) < input.length);
 * ```
 *
 * @module
 */

const BLOCK = 1 << 16;
const HASH_BITS = 14;
const table = new Uint16Array(1 << HASH_BITS);

/**
 * The largest size Snappy can produce for `n` input bytes.
 *
 * @example The bound for no input
 * ```ts
 * import { maxCompressedLength } from "./_snappy.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(maxCompressedLength(0), 32);
 * ```
 */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

function hash(v: number, shift: number): number {
  return Math.imul(v, 0x1e35a7bd) >>> shift;
}

function emitLiteral(
  input: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
  o: number,
): number {
  const n = to - from - 1;
  if (n < 60) {
    out[o++] = n << 2;
  } else if (n < 0x100) {
    out[o++] = 60 << 2;
    out[o++] = n;
  } else if (n < 0x10000) {
    out[o++] = 61 << 2;
    out[o++] = n & 0xff;
    out[o++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[o++] = 62 << 2;
    out[o++] = n & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n >>> 16;
  } else {
    out[o++] = 63 << 2;
    out[o++] = n & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = (n >>> 16) & 0xff;
    out[o++] = n >>> 24;
  }
  // Short literals byte by byte: a subarray per literal costs more than the copy.
  if (to - from < 32) {
    for (let i = from; i < to; i++) out[o++] = input[i];
    return o;
  }
  out.set(input.subarray(from, to), o);
  return o + (to - from);
}

function emitCopy(offset: number, length: number, out: Uint8Array, o: number): number {
  while (length >= 68) {
    out[o++] = (63 << 2) | 2;
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    out[o++] = (59 << 2) | 2;
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    out[o++] = ((offset >>> 8) << 5) | ((length - 4) << 2) | 1;
    out[o++] = offset & 0xff;
  } else {
    out[o++] = ((length - 1) << 2) | 2;
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
  }
  return o;
}

/**
 * Compresses `input` into `out` (at least {@linkcode maxCompressedLength} bytes) and returns the
 * compressed length.
 *
 * @example A literal-only block
 * ```ts
 * import { maxCompressedLength, snappyCompressInto } from "./_snappy.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const out = new Uint8Array(maxCompressedLength(3));
 * assertEquals(
 *   out.subarray(0, snappyCompressInto(new Uint8Array([1, 2, 3]), out)),
 *   new Uint8Array([3, 8, 1, 2, 3]),
 * );
 * ```
 */
export function snappyCompressInto(input: Uint8Array, out: Uint8Array): number {
  let o = 0;
  let n = input.length;
  while (n > 0x7f) {
    out[o++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[o++] = n;
  // Words read through a view: one load instead of four byte loads and shifts.
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let start = 0; start < input.length; start += BLOCK) {
    const end = Math.min(start + BLOCK, input.length);
    o = compressBlock(input, view, start, end, out, o);
  }
  return o;
}

function compressBlock(
  input: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  out: Uint8Array,
  o: number,
): number {
  const size = end - start;
  let bits = 8;
  while ((1 << bits) < size && bits < HASH_BITS) bits++;
  const shift = 32 - bits;
  table.fill(0, 0, 1 << bits);
  let nextEmit = start;
  if (size >= 15) {
    const limit = end - 15;
    let ip = start + 1;
    let nextHash = hash(view.getUint32(ip, true), shift);
    outer: for (;;) {
      let skip = 32;
      let next = ip;
      let candidate: number;
      do {
        ip = next;
        const h = nextHash;
        next = ip + (skip++ >>> 5);
        if (next > limit) break outer;
        nextHash = hash(view.getUint32(next, true), shift);
        candidate = start + table[h];
        table[h] = ip - start;
      } while (view.getUint32(ip, true) !== view.getUint32(candidate, true));
      o = emitLiteral(input, nextEmit, ip, out, o);
      let matching = true;
      while (matching) {
        const base = ip;
        let matched = 4;
        // Four bytes at a time, then the last few one by one: the same length either way.
        while (
          base + matched + 4 <= end &&
          view.getUint32(base + matched, true) === view.getUint32(candidate + matched, true)
        ) {
          matched += 4;
        }
        while (base + matched < end && input[base + matched] === input[candidate + matched]) {
          matched++;
        }
        o = emitCopy(base - candidate, matched, out, o);
        ip += matched;
        nextEmit = ip;
        if (ip >= limit) break outer;
        table[hash(view.getUint32(ip - 1, true), shift)] = ip - 1 - start;
        const h = hash(view.getUint32(ip, true), shift);
        candidate = start + table[h];
        table[h] = ip - start;
        matching = view.getUint32(ip, true) === view.getUint32(candidate, true);
      }
      nextHash = hash(view.getUint32(ip + 1, true), shift);
      ip++;
    }
  }
  if (nextEmit < end) o = emitLiteral(input, nextEmit, end, out, o);
  return o;
}
