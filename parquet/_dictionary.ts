/**
 * Dictionary encoding of one column chunk's PLAIN-encoded values: the distinct values in order of
 * first appearance (PLAIN-encoded, the dictionary page) and one index per value. Values are
 * compared by their bytes, so every distinct bit pattern (`-0.0` and `0.0`, two NaNs) keeps its
 * own entry and the column reads back exactly. Building gives up as soon as the dictionary grows
 * past a byte limit, as pyarrow's writer falls back to PLAIN past its dictionary page size limit.
 *
 * @example Repeated text
 * ```ts
 * import { DictionaryBuilder } from "./_dictionary.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const plain = new Uint8Array([1, 0, 0, 0, 97, 1, 0, 0, 0, 98, 1, 0, 0, 0, 97]); // "a", "b", "a"
 * const dict = new DictionaryBuilder(0, 1 << 20);
 * assertEquals([...dict.add(plain, 3)!], [0, 1, 0]);
 * assertEquals(dict.plain(), new Uint8Array([1, 0, 0, 0, 97, 1, 0, 0, 0, 98]));
 * ```
 *
 * @module
 */

/**
 * A column chunk's dictionary, built slice by slice: {@linkcode DictionaryBuilder.add} returns the
 * indices of a slice's values, or `undefined` (and forgets that slice's new entries) when they
 * would take the dictionary past its byte limit; the chunk then goes on in PLAIN encoding.
 *
 * @example Past the limit
 * ```ts
 * import { DictionaryBuilder } from "./_dictionary.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const plain = new Uint8Array(new BigInt64Array([1n, 2n, 1n]).buffer);
 * const dict = new DictionaryBuilder(8, 16);
 * assertEquals([...dict.add(plain, 3)!], [0, 1, 0]);
 * assertEquals(dict.add(new Uint8Array(new BigInt64Array([3n]).buffer), 1), undefined);
 * assertEquals(dict.size, 2);
 * ```
 */
export class DictionaryBuilder {
  /** Distinct values so far. */
  size = 0;
  /** PLAIN bytes of the dictionary so far. */
  bytes = 0;
  #width: number;
  #limit: number;
  #capacity = 1024;
  #slots = new Int32Array(2048); // per slot: entry + 1 (0: empty), the entry's hash
  #values = new Uint8Array(4096); // the entries' bytes, without length prefixes
  #used = 0;
  #starts = new Int32Array(256);
  #lengths = new Int32Array(256);
  #hashes = new Int32Array(256);
  #integers: boolean;
  // Integer columns over a small range: entry + 1 by value - base (0: not in the dictionary),
  // a lookup without hashing; values outside the range take the hash table, which holds all.
  #direct: Int32Array | undefined;
  #base = 0;

  /**
   * A dictionary of fixed `width`-byte values, or BYTE_ARRAY values when `width` is 0;
   * `integers` says the fixed-width values are little-endian signed integers.
   */
  constructor(width: number, limitBytes: number, integers = false) {
    this.#width = width;
    this.#limit = limitBytes;
    this.#integers = integers && (width === 4 || width === 8);
  }

  /** Sets up the direct table from the first slice's range, when it is small. */
  #startDirect(plain: Uint8Array, count: number): void {
    const width = this.#width;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0, pos = 0; i < count; i++, pos += width) {
      const v = plain[pos] | (plain[pos + 1] << 8) | (plain[pos + 2] << 16) |
        (plain[pos + 3] << 24);
      if (width === 8) {
        const top = plain[pos + 4] | (plain[pos + 5] << 8) | (plain[pos + 6] << 16) |
          (plain[pos + 7] << 24);
        if (top !== v >> 31) return; // beyond 32 bits
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (count > 0 && hi - lo < DIRECT_SPAN) {
      this.#base = lo;
      this.#direct = new Int32Array(hi - lo + 1);
    }
  }

  /** The direct table's index of the value at `pos`, or -1. */
  #directIndex(buf: Uint8Array, pos: number): number {
    const v = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24);
    if (
      this.#width === 8 &&
      (buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] << 24)) !==
        v >> 31
    ) {
      return -1;
    }
    const d = v - this.#base;
    return d >= 0 && d < this.#direct!.length ? d : -1;
  }

  /** The indices of `count` PLAIN values, or `undefined` past the byte limit. */
  add(plain: Uint8Array, count: number): Int32Array | undefined {
    const width = this.#width;
    const indices = new Int32Array(count);
    const sizeBefore = this.size, bytesBefore = this.bytes, usedBefore = this.#used;
    let slots = this.#slots, lengths = this.#lengths;
    let starts = this.#starts, stored = this.#values, mask = this.#capacity - 1;
    if (this.#integers && sizeBefore === 0 && !this.#direct) this.#startDirect(plain, count);
    const direct = this.#direct;
    let pos = 0;
    for (let i = 0; i < count; i++) {
      let len = width;
      let h: number;
      let d = -1;
      if (direct) {
        d = this.#directIndex(plain, pos);
        if (d >= 0 && direct[d] > 0) {
          indices[i] = direct[d] - 1;
          pos += len;
          continue;
        }
      }
      if (width === 8) {
        // Fixed-width values: mix the little-endian words (no byte loop).
        const lo = plain[pos] | (plain[pos + 1] << 8) | (plain[pos + 2] << 16) |
          (plain[pos + 3] << 24);
        const hi = plain[pos + 4] | (plain[pos + 5] << 8) | (plain[pos + 6] << 16) |
          (plain[pos + 7] << 24);
        h = mix(lo ^ Math.imul(hi, 0x9e3779b1));
      } else if (width === 4) {
        h = mix(
          plain[pos] | (plain[pos + 1] << 8) | (plain[pos + 2] << 16) | (plain[pos + 3] << 24),
        );
      } else {
        len = plain[pos] | (plain[pos + 1] << 8) | (plain[pos + 2] << 16) | (plain[pos + 3] << 24);
        pos += 4;
        h = 0x811c9dc5;
        for (let k = pos; k < pos + len; k++) h = Math.imul(h ^ plain[k], 16777619);
        h = mix(h);
      }
      let slot = h & mask;
      let found = -1;
      for (;;) {
        const e = slots[2 * slot] - 1;
        if (e < 0) break;
        if (slots[2 * slot + 1] === h && (width !== 0 || lengths[e] === len)) {
          const at = starts[e];
          let k = 0;
          while (k < len && stored[at + k] === plain[pos + k]) k++;
          if (k === len) {
            found = e;
            break;
          }
        }
        slot = (slot + 1) & mask;
      }
      if (found < 0) {
        this.bytes += width === 0 ? 4 + len : len;
        if (this.bytes > this.#limit) {
          this.#rollBack(sizeBefore, bytesBefore, usedBefore);
          return undefined;
        }
        found = this.#insert(plain, pos, len, h, slot);
        if (d >= 0) direct![d] = found + 1;
        slots = this.#slots;
        lengths = this.#lengths;
        starts = this.#starts;
        stored = this.#values;
        mask = this.#capacity - 1;
      }
      indices[i] = found;
      pos += len;
    }
    return indices;
  }

  #insert(plain: Uint8Array, pos: number, len: number, h: number, slot: number): number {
    const e = this.size++;
    if (e === this.#starts.length) {
      this.#starts = grow(this.#starts);
      this.#lengths = grow(this.#lengths);
      this.#hashes = grow(this.#hashes);
    }
    if (this.#used + len > this.#values.length) {
      let size = this.#values.length * 2;
      while (size < this.#used + len) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#values.subarray(0, this.#used));
      this.#values = next;
    }
    this.#values.set(plain.subarray(pos, pos + len), this.#used);
    this.#starts[e] = this.#used;
    this.#used += len;
    this.#lengths[e] = len;
    this.#hashes[e] = h;
    this.#slots[2 * slot] = e + 1;
    this.#slots[2 * slot + 1] = h;
    if (this.size * 2 > this.#capacity) this.#rehash(this.#capacity * 2);
    return e;
  }

  #rehash(capacity: number): void {
    this.#capacity = capacity;
    const slots = new Int32Array(capacity * 2);
    for (let e = 0; e < this.size; e++) {
      const h = this.#hashes[e];
      let s = h & (capacity - 1);
      while (slots[2 * s] !== 0) s = (s + 1) & (capacity - 1);
      slots[2 * s] = e + 1;
      slots[2 * s + 1] = h;
    }
    this.#slots = slots;
  }

  #rollBack(size: number, bytes: number, used: number): void {
    if (this.#direct) {
      for (let e = size; e < this.size; e++) {
        const d = this.#directIndex(this.#values, this.#starts[e]);
        if (d >= 0) this.#direct[d] = 0;
      }
    }
    this.size = size;
    this.bytes = bytes;
    this.#used = used;
    this.#rehash(this.#capacity);
  }

  /** The dictionary page's contents: the distinct values (from entry `from` on), PLAIN-encoded. */
  plain(from = 0): Uint8Array {
    let bytes = 0;
    for (let e = from; e < this.size; e++) bytes += this.#lengths[e] + (this.#width === 0 ? 4 : 0);
    const out = new Uint8Array(bytes);
    let o = 0;
    for (let e = from; e < this.size; e++) {
      const len = this.#lengths[e];
      if (this.#width === 0) {
        out[o] = len & 0xff;
        out[o + 1] = (len >>> 8) & 0xff;
        out[o + 2] = (len >>> 16) & 0xff;
        out[o + 3] = len >>> 24;
        o += 4;
      }
      out.set(this.#values.subarray(this.#starts[e], this.#starts[e] + len), o);
      o += len;
    }
    return out;
  }
}

/** The widest value range (values) of a direct lookup table: 4 MiB of indices. */
const DIRECT_SPAN = 1 << 20;

/** A 32-bit finalizer (murmur3's) so that nearby keys spread over the table. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function grow(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const next = new Int32Array(array.length * 2);
  next.set(array);
  return next;
}
