/**
 * Column chunk statistics by parquet's type-defined order: INT32 and INT64 signed, DOUBLE by
 * value with NaN left out (and a zero minimum written as `-0.0`, a zero maximum as `+0.0`, as the
 * format asks), BOOLEAN false before true, BYTE_ARRAY (text and binary) unsigned byte by byte.
 * Minimum and maximum are PLAIN-encoded (byte arrays without their length). Byte arrays longer
 * than {@linkcode STATISTICS_TRUNCATE_BYTES} are truncated as parquet writers do: the minimum to a
 * prefix, the maximum to a prefix whose last byte (or, for UTF-8, last character) is incremented,
 * both marked inexact; a maximum that cannot be incremented is left out.
 *
 * @example The minimum and maximum of an INT64 chunk
 * ```ts
 * import { minMax, PHYSICAL } from "./_statistics.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const plain = new Uint8Array(new BigInt64Array([5n, -3n, 7n]).buffer);
 * const { min, max } = minMax(PHYSICAL.INT64, plain, 3)!;
 * const int64 = (b?: Uint8Array) => new DataView(b!.buffer).getBigInt64(0, true);
 * assertEquals([int64(min), int64(max)], [-3n, 7n]);
 * ```
 *
 * @module
 */

/** parquet.thrift's physical types. */
export const PHYSICAL = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
} as const;

/** Byte arrays in statistics are cut to this many bytes (arrow-rs's and parquet-mr's default). */
export const STATISTICS_TRUNCATE_BYTES = 64;

/** Minimum and maximum of a chunk; an absent bound is not known (all NaN, or cannot be cut). */
export interface MinMax {
  /** PLAIN bytes of the minimum. */
  min?: Uint8Array;
  /** PLAIN bytes of the maximum. */
  max?: Uint8Array;
  /** Whether `min` is a value of the chunk (not a truncated prefix). */
  minExact: boolean;
  /** Whether `max` is a value of the chunk. */
  maxExact: boolean;
}

/**
 * The minimum and maximum of `count` PLAIN-encoded values of a physical type (exact: see
 * {@linkcode finishMinMax} for what is written). `undefined` when `count` is 0.
 *
 * @example Text is ordered by its UTF-8 bytes
 * ```ts
 * import { minMax, PHYSICAL } from "./_statistics.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const enc = (s: string[]) =>
 *   new Uint8Array(s.flatMap((x) => {
 *     const b = new TextEncoder().encode(x);
 *     return [b.length, 0, 0, 0, ...b];
 *   }));
 * // JavaScript's < puts "\u{10000}" (a surrogate pair) before "\u{ff61}"; UTF-8 puts it after.
 * const { min, max } = minMax(PHYSICAL.BYTE_ARRAY, enc(["b", "\u{10000}", "\u{ff61}"]), 3)!;
 * assertEquals(new TextDecoder().decode(min), "b");
 * assertEquals(new TextDecoder().decode(max), "\u{10000}");
 * ```
 */
export function minMax(physical: number, plain: Uint8Array, count: number): MinMax | undefined {
  if (count === 0) return undefined;
  switch (physical) {
    case PHYSICAL.INT64:
      return int64MinMax(aligned(plain), count);
    case PHYSICAL.INT32: {
      const a = aligned(plain);
      const v = new Int32Array(a.buffer, a.byteOffset, count);
      let lo = v[0];
      let hi = v[0];
      for (let i = 1; i < count; i++) {
        const x = v[i];
        if (x < lo) lo = x;
        else if (x > hi) hi = x;
      }
      return exact(
        new Uint8Array(Int32Array.of(lo).buffer),
        new Uint8Array(Int32Array.of(hi).buffer),
      );
    }
    case PHYSICAL.DOUBLE: {
      const a = aligned(plain);
      return doubleMinMax(new Float64Array(a.buffer, a.byteOffset, count));
    }
    case PHYSICAL.BOOLEAN: {
      let trues = 0;
      for (let i = 0; i < count; i++) trues += (plain[i >> 3] >> (i & 7)) & 1;
      return exact(Uint8Array.of(trues === count ? 1 : 0), Uint8Array.of(trues > 0 ? 1 : 0));
    }
    case PHYSICAL.BYTE_ARRAY:
      return byteArrayMinMax(plain, count);
  }
  return undefined;
}

function exact(min: Uint8Array | undefined, max: Uint8Array | undefined): MinMax {
  return { min, max, minExact: true, maxExact: true };
}

/** The bytes at offset 0 of their own buffer (a copy when they are not). */
function aligned(plain: Uint8Array): Uint8Array {
  return plain.byteOffset % 8 === 0
    ? new Uint8Array(plain.buffer, plain.byteOffset)
    : plain.slice();
}

function int64MinMax(plain: Uint8Array, count: number): MinMax {
  const v = new Int32Array(plain.buffer, plain.byteOffset, count * 2);
  let minHi = v[1], minLo = v[0] >>> 0, maxHi = v[1], maxLo = v[0] >>> 0;
  for (let i = 2; i < count * 2; i += 2) {
    const hi = v[i + 1];
    const lo = v[i] >>> 0;
    if (hi < minHi || (hi === minHi && lo < minLo)) {
      minHi = hi;
      minLo = lo;
    }
    if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
      maxHi = hi;
      maxLo = lo;
    }
  }
  return exact(
    new Uint8Array(Int32Array.of(minLo | 0, minHi).buffer),
    new Uint8Array(Int32Array.of(maxLo | 0, maxHi).buffer),
  );
}

function doubleMinMax(v: Float64Array): MinMax {
  let lo = Infinity;
  let hi = -Infinity;
  let any = false;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) continue; // NaN
    any = true;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!any) return { minExact: true, maxExact: true };
  return exact(
    new Uint8Array(Float64Array.of(lo).buffer),
    new Uint8Array(Float64Array.of(hi).buffer),
  );
}

/** Compares `a[aFrom..aTo)` with `b[bFrom..bTo)` as unsigned bytes. */
function compare(
  buf: Uint8Array,
  aFrom: number,
  aLen: number,
  bFrom: number,
  bLen: number,
): number {
  const n = Math.min(aLen, bLen);
  for (let k = 0; k < n; k++) {
    const d = buf[aFrom + k] - buf[bFrom + k];
    if (d !== 0) return d;
  }
  return aLen - bLen;
}

function byteArrayMinMax(plain: Uint8Array, count: number): MinMax {
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  let pos = 0;
  let minAt = 4, minLen = view.getUint32(0, true), maxAt = 4, maxLen = minLen;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(pos, true);
    const at = pos + 4;
    if (compare(plain, at, len, minAt, minLen) < 0) {
      minAt = at;
      minLen = len;
    } else if (compare(plain, at, len, maxAt, maxLen) > 0) {
      maxAt = at;
      maxLen = len;
    }
    pos = at + len;
  }
  return exact(plain.slice(minAt, minAt + minLen), plain.slice(maxAt, maxAt + maxLen));
}

/**
 * Compares two PLAIN-encoded values of a physical type by parquet's order (`-0.0` equals `0.0`).
 *
 * @example INT64 is signed
 * ```ts
 * import { compareValues, PHYSICAL } from "./_statistics.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const int64 = (v: bigint) => new Uint8Array(BigInt64Array.of(v).buffer);
 * assertEquals(compareValues(PHYSICAL.INT64, int64(-1n), int64(1n)) < 0, true);
 * ```
 */
export function compareValues(physical: number, a: Uint8Array, b: Uint8Array): number {
  const va = new DataView(a.buffer, a.byteOffset, a.byteLength);
  const vb = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (physical) {
    case PHYSICAL.INT64: {
      const x = va.getBigInt64(0, true), y = vb.getBigInt64(0, true);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case PHYSICAL.INT32:
      return va.getInt32(0, true) - vb.getInt32(0, true);
    case PHYSICAL.DOUBLE: {
      const x = va.getFloat64(0, true), y = vb.getFloat64(0, true);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case PHYSICAL.BOOLEAN:
      return a[0] - b[0];
    default: {
      const both = new Uint8Array(a.length + b.length);
      both.set(a);
      both.set(b, a.length);
      return compare(both, 0, a.length, a.length, b.length);
    }
  }
}

/**
 * Merges the minimum and maximum of two slices of a chunk (exact values, before
 * {@linkcode finishMinMax}).
 *
 * @example Two slices
 * ```ts
 * import { mergeMinMax, PHYSICAL } from "./_statistics.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const b = (x: number) => Uint8Array.of(x);
 * const merged = mergeMinMax(PHYSICAL.BOOLEAN,
 *   { min: b(1), max: b(1), minExact: true, maxExact: true },
 *   { min: b(0), max: b(0), minExact: true, maxExact: true });
 * assertEquals([merged.min, merged.max], [b(0), b(1)]);
 * ```
 */
export function mergeMinMax(physical: number, a: MinMax | undefined, b: MinMax): MinMax {
  if (!a?.min || !a.max) return b;
  if (!b.min || !b.max) return a;
  return exact(
    compareValues(physical, b.min, a.min) < 0 ? b.min : a.min,
    compareValues(physical, b.max, a.max) > 0 ? b.max : a.max,
  );
}

/**
 * The statistics to write: a zero DOUBLE minimum as `-0.0` and maximum as `+0.0`, byte arrays
 * longer than {@linkcode STATISTICS_TRUNCATE_BYTES} cut (minimum) or cut and incremented
 * (maximum, left out when that cannot be done).
 *
 * @example A long minimum is cut
 * ```ts
 * import { finishMinMax, PHYSICAL } from "./_statistics.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const long = new Uint8Array(100).fill(97);
 * const out = finishMinMax(PHYSICAL.BYTE_ARRAY, {
 *   min: long,
 *   max: long,
 *   minExact: true,
 *   maxExact: true,
 * }, true);
 * assertEquals([out.min?.length, out.minExact, out.max?.[63], out.maxExact], [
 *   64,
 *   false,
 *   98,
 *   false,
 * ]);
 * ```
 */
export function finishMinMax(physical: number, mm: MinMax, utf8: boolean): MinMax {
  const { min, max } = mm;
  if (!min || !max) return { minExact: true, maxExact: true };
  if (physical === PHYSICAL.DOUBLE) {
    const lo = new DataView(min.buffer, min.byteOffset).getFloat64(0, true);
    const hi = new DataView(max.buffer, max.byteOffset).getFloat64(0, true);
    return exact(
      new Uint8Array(Float64Array.of(lo === 0 ? -0 : lo).buffer),
      new Uint8Array(Float64Array.of(hi === 0 ? 0 : hi).buffer),
    );
  }
  if (physical !== PHYSICAL.BYTE_ARRAY) return mm;
  const limit = STATISTICS_TRUNCATE_BYTES;
  return {
    min: min.length > limit ? truncate(min, limit, utf8) : min,
    max: max.length > limit ? incremented(truncate(max, limit, utf8), utf8) : max,
    minExact: min.length <= limit,
    maxExact: max.length <= limit,
  };
}

/** A prefix of at most `limit` bytes (whole UTF-8 characters when `utf8`). */
function truncate(bytes: Uint8Array, limit: number, utf8: boolean): Uint8Array {
  let end = limit;
  if (utf8) { while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; }
  return bytes.slice(0, end);
}

/**
 * The smallest value above every value that starts with `prefix`: its last byte (UTF-8: last
 * character) incremented, dropping trailing bytes (characters) that cannot be; `undefined` when
 * none can.
 */
function incremented(prefix: Uint8Array, utf8: boolean): Uint8Array | undefined {
  if (!utf8) {
    for (let end = prefix.length; end > 0; end--) {
      if (prefix[end - 1] !== 0xff) {
        const out = prefix.slice(0, end);
        out[end - 1]++;
        return out;
      }
    }
    return undefined;
  }
  const chars = [...new TextDecoder().decode(prefix)].map((c) => c.codePointAt(0)!);
  while (chars.length > 0) {
    let last = chars.pop()! + 1;
    if (last >= 0xd800 && last <= 0xdfff) last = 0xe000;
    if (last <= 0x10ffff) {
      chars.push(last);
      return new TextEncoder().encode(String.fromCodePoint(...chars));
    }
  }
  return undefined;
}
