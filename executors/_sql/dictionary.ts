/**
 * Dictionary encoding of one column chunk's PLAIN-encoded values: the distinct values in order of
 * first appearance (PLAIN-encoded, the dictionary page) and one index per value. Values are
 * compared by their bytes, so every distinct bit pattern (`-0.0` and `0.0`, two NaNs) keeps its
 * own entry and the column reads back exactly. Building gives up as soon as the dictionary grows
 * past a byte limit, as pyarrow's writer falls back to PLAIN past its dictionary page size limit.
 *
 * @example Repeated text
 * ```ts
 * import { buildDictionary } from "./dictionary.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const plain = new Uint8Array([1, 0, 0, 0, 97, 1, 0, 0, 0, 98, 1, 0, 0, 0, 97]); // "a", "b", "a"
 * const dict = buildDictionary(plain, 3, 0, 1 << 20)!;
 * assertEquals([dict.size, [...dict.indices]], [2, [0, 1, 0]]);
 * assertEquals(dict.plain, new Uint8Array([1, 0, 0, 0, 97, 1, 0, 0, 0, 98]));
 * ```
 *
 * @module
 */

/** A column chunk's dictionary. */
export interface Dictionary {
  /** Distinct values. */
  size: number;
  /** The distinct values, PLAIN-encoded (the dictionary page's contents). */
  plain: Uint8Array;
  /** For each value of the chunk, its entry. */
  indices: Int32Array;
}

/**
 * Builds the dictionary of `count` PLAIN values: fixed `width` bytes each, or BYTE_ARRAY values
 * (4-byte length prefix) when `width` is 0. Returns `undefined` once the dictionary's PLAIN size
 * passes `limitBytes`.
 *
 * @example Too many distinct values
 * ```ts
 * import { buildDictionary } from "./dictionary.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const plain = new Uint8Array(new BigInt64Array([1n, 2n, 3n]).buffer);
 * assertEquals(buildDictionary(plain, 3, 8, 16), undefined);
 * assertEquals(buildDictionary(plain, 3, 8, 24)?.size, 3);
 * ```
 */
export function buildDictionary(
  plain: Uint8Array,
  count: number,
  width: number,
  limitBytes: number,
): Dictionary | undefined {
  const indices = new Int32Array(count);
  let capacity = 1024;
  let slots = new Int32Array(capacity).fill(-1);
  let starts = new Int32Array(256); // value bytes, without the length prefix
  let lengths = new Int32Array(256);
  let hashes = new Int32Array(256);
  let size = 0;
  let bytes = 0;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    let len = width;
    if (width === 0) {
      len = plain[pos] | (plain[pos + 1] << 8) | (plain[pos + 2] << 16) | (plain[pos + 3] << 24);
      pos += 4;
    }
    let h = 0x811c9dc5;
    for (let k = pos; k < pos + len; k++) h = Math.imul(h ^ plain[k], 16777619);
    h ^= h >>> 15;
    let slot = h & (capacity - 1);
    let found = -1;
    for (;;) {
      const e = slots[slot];
      if (e < 0) break;
      if (hashes[e] === h && lengths[e] === len && same(plain, starts[e], pos, len)) {
        found = e;
        break;
      }
      slot = (slot + 1) & (capacity - 1);
    }
    if (found < 0) {
      bytes += width === 0 ? 4 + len : len;
      if (bytes > limitBytes) return undefined;
      if (size === starts.length) {
        starts = grow(starts);
        lengths = grow(lengths);
        hashes = grow(hashes);
      }
      found = size++;
      starts[found] = pos;
      lengths[found] = len;
      hashes[found] = h;
      slots[slot] = found;
      if (size * 2 > capacity) {
        capacity *= 2;
        slots = new Int32Array(capacity).fill(-1);
        for (let e = 0; e < size; e++) {
          let s = hashes[e] & (capacity - 1);
          while (slots[s] >= 0) s = (s + 1) & (capacity - 1);
          slots[s] = e;
        }
      }
    }
    indices[i] = found;
    pos += len;
  }
  const out = new Uint8Array(bytes);
  let o = 0;
  for (let e = 0; e < size; e++) {
    const len = lengths[e];
    if (width === 0) {
      out[o] = len & 0xff;
      out[o + 1] = (len >>> 8) & 0xff;
      out[o + 2] = (len >>> 16) & 0xff;
      out[o + 3] = len >>> 24;
      o += 4;
    }
    out.set(plain.subarray(starts[e], starts[e] + len), o);
    o += len;
  }
  return { size, plain: out, indices };
}

function same(buf: Uint8Array, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

function grow(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(array.length * 2);
  next.set(array);
  return next;
}
