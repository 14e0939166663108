/**
 * A minimal Thrift compact-protocol writer, enough for parquet page headers and file footers.
 * Structs are lists of `[field id, type, value]`; absent (undefined) values are skipped.
 *
 * @example Two fields
 * ```ts
 * import { encodeStruct, T } from "./_thrift.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // field 1: i32 3, field 2: string "a"
 * assertEquals(
 *   encodeStruct([[1, T.I32, 3], [2, T.BINARY, "a"]]),
 *   new Uint8Array([0x15, 6, 0x18, 1, 97, 0]),
 * );
 * ```
 *
 * @module
 */

/** Compact-protocol type ids. */
export const T = {
  BOOL: 1,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

/** A struct: its fields in ascending id order. */
export type ThriftStruct = ThriftField[];

/** One field: id, type and value (`undefined` leaves it out). */
export type ThriftField = [id: number, type: number, value: ThriftValue | undefined];

/** A list: element type and items. */
export interface ThriftList {
  /** Element type id. */
  type: number;
  /** The items. */
  items: ThriftValue[];
}

/** A value of any supported type. */
export type ThriftValue =
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | ThriftStruct
  | ThriftList;

const encoder = new TextEncoder();

class Out {
  buf = new Uint8Array(256);
  pos = 0;
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  varint(v: bigint): void {
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }
  zigzag(v: number | bigint): void {
    const b = BigInt(v);
    this.varint(b >= 0n ? b << 1n : ((-b) << 1n) - 1n);
  }
  bytes(data: Uint8Array): void {
    this.varint(BigInt(data.length));
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }
}

function writeValue(out: Out, type: number, value: ThriftValue): void {
  switch (type) {
    case T.BOOL: // only inside lists; fields carry booleans in their header
      out.byte(value ? 1 : 2);
      return;
    case T.BYTE:
      out.byte(Number(value) & 0xff);
      return;
    case T.I16:
    case T.I32:
    case T.I64:
      out.zigzag(value as number | bigint);
      return;
    case T.DOUBLE: {
      out.ensure(8);
      new DataView(out.buf.buffer).setFloat64(out.pos, value as number, true);
      out.pos += 8;
      return;
    }
    case T.BINARY:
      out.bytes(typeof value === "string" ? encoder.encode(value) : value as Uint8Array);
      return;
    case T.LIST: {
      const list = value as ThriftList;
      const n = list.items.length;
      if (n < 15) out.byte((n << 4) | list.type);
      else {
        out.byte(0xf0 | list.type);
        out.varint(BigInt(n));
      }
      for (const item of list.items) writeValue(out, list.type, item);
      return;
    }
    case T.STRUCT:
      writeStruct(out, value as ThriftStruct);
      return;
    default:
      throw new RangeError(`Cannot encode thrift type ${type}`);
  }
}

function writeStruct(out: Out, fields: ThriftStruct): void {
  let last = 0;
  for (const [id, type, value] of fields) {
    if (value === undefined) continue;
    const wire = type === T.BOOL ? (value ? 1 : 2) : type;
    const delta = id - last;
    if (delta > 0 && delta <= 15) out.byte((delta << 4) | wire);
    else {
      out.byte(wire);
      out.zigzag(id);
    }
    if (type !== T.BOOL) writeValue(out, type, value);
    last = id;
  }
  out.byte(0);
}

/**
 * Encodes a struct in the compact protocol.
 *
 * @example A list field
 * ```ts
 * import { encodeStruct, T } from "./_thrift.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   encodeStruct([[1, T.LIST, { type: T.I32, items: [1, 2] }]]),
 *   new Uint8Array([0x19, 0x25, 2, 4, 0]),
 * );
 * ```
 */
export function encodeStruct(fields: ThriftStruct): Uint8Array {
  const out = new Out();
  writeStruct(out, fields);
  return out.buf.slice(0, out.pos);
}
