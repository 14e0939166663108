// A table-driven protobuf codec for the messages every run reads and writes (TaskTemplate,
// LiteralMap, ErrorDocument and all they hold). It stands in for protobufjs's generated classes on
// the start-up path: those are a 830 KB module plus the protobufjs runtime, about 5 ms of every
// run, while these tables and this loop cost a fraction of a millisecond.
//
// It mirrors what protobufjs 8's generated classes do, so that each reads what the other wrote
// and both write the same bytes (idl/_wire_test.ts checks this on random messages, and
// idl/_wire_edge_cases_test.ts the corners): decoded messages hold the fields that are set as own
// properties (a scalar equal to its proto3 default is not set), own empty `[]` and `{}` for
// repeated and map fields, and inherit the other defaults (oneof members and messages `null`,
// 64-bit integers as `Long`-shaped `{ low, high, unsigned }`) from a prototype per message type,
// which also has the virtual oneof properties (`literal.value === "scalar"`). A message field seen
// twice is merged, setting a oneof member clears the others, strings must be valid UTF-8 (a BOM
// is kept), unknown fields are dropped, lengths and tags must fit in 5 bytes, and nesting (groups
// included) stops at 100 levels. Encoding writes, in id order, each own non-null field: scalars
// only when not their default, repeated ones when not empty, repeated numbers packed; bytes may
// also be given as base64 text.
import { TABLES } from "./gen/wire_tables.ts";
import { LongBits } from "./_int64.ts";
import type { Long } from "./gen/flyteidl.js";

/** A scalar, enum or message field type, as in `.proto` files. */
export type FieldType =
  | "double"
  | "float"
  | "int64"
  | "uint64"
  | "int32"
  | "fixed64"
  | "fixed32"
  | "bool"
  | "string"
  | "bytes"
  | "uint32"
  | "sfixed32"
  | "sfixed64"
  | "sint32"
  | "sint64"
  | "enum"
  | "message";

interface Field {
  id: number;
  name: string;
  type: FieldType;
  ref: string;
  repeated: boolean;
  packed: boolean;
  map: boolean;
  /** A proto3 scalar without presence: its default value is never set or written. */
  implicit: boolean;
  /** The other members of its oneof. */
  others?: string[];
  /** Wire type of one value. */
  wire: number;
  message?: Message;
}

interface Message {
  name: string;
  fields: Field[];
  byId: Map<number, Field>;
  proto: object;
  /** Repeated and map fields: every decoded message gets its own empty `[]` and `{}`. */
  lists: string[];
  maps: string[];
}

const WIRE: Record<string, number> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  string: 2,
  bytes: 2,
  message: 2,
};

const MAX_DEPTH = 100;

/** Whether a scalar holds its proto3 default (as protobufjs 8 decides it). */
function isDefault(type: FieldType, value: unknown): boolean {
  switch (type) {
    case "string":
      return value === "";
    case "bool":
      return value === false;
    case "bytes":
      return (value as Uint8Array).length === 0;
    case "double":
    case "float":
      return Object.is(value, 0);
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return typeof value === "object"
        ? !((value as Long).low || (value as Long).high)
        : value === 0;
    default:
      return value === 0;
  }
}

const EMPTY_ARRAY: readonly unknown[] = Object.freeze([]);
const EMPTY_OBJECT: Readonly<Record<string, unknown>> = Object.freeze({});
const hasOwn = Object.prototype.hasOwnProperty;

function defaultOf(type: FieldType): unknown {
  switch (type) {
    case "string":
      return "";
    case "bool":
      return false;
    case "bytes":
      return new Uint8Array(0);
    case "int64":
    case "sint64":
    case "sfixed64":
      return Object.freeze(new LongBits(0, 0, false));
    case "uint64":
    case "fixed64":
      return Object.freeze(new LongBits(0, 0, true));
    case "message":
      return null;
    default:
      return 0;
  }
}

const compiled = new Map<string, Message>();

/** The compiled form of a message type, built on first use. */
function messageType(name: string): Message {
  let m = compiled.get(name);
  if (m) return m;
  const table = TABLES.messages[name];
  if (!table) throw new TypeError(`Unknown message type ${name}`);
  const proto: Record<string, unknown> = {};
  const oneofs = new Map<string, Set<string>>();
  m = { name, fields: [], byId: new Map(), proto, lists: [], maps: [] };
  compiled.set(name, m);
  for (const [id, fieldName, type, ref, label] of table) {
    const field: Field = {
      id,
      name: fieldName,
      type: type as FieldType,
      ref,
      repeated: label === "repeated" || label === "packed",
      packed: label === "packed",
      map: label.startsWith("map:"),
      implicit: label === "" && type !== "message",
      wire: WIRE[type] ?? 0,
    };
    m.fields.push(field);
    m.byId.set(id, field);
    if (label.startsWith("oneof:")) {
      const oneof = label.slice(6);
      if (!oneofs.has(oneof)) oneofs.set(oneof, new Set());
      oneofs.get(oneof)!.add(fieldName);
      proto[fieldName] = null;
    } else if (field.repeated) {
      proto[fieldName] = EMPTY_ARRAY;
      m.lists.push(fieldName);
    } else if (field.map) {
      proto[fieldName] = EMPTY_OBJECT;
      m.maps.push(fieldName);
    } else proto[fieldName] = defaultOf(field.type);
  }
  for (const members of oneofs.values()) {
    for (const member of members) {
      m.fields.find((f) => f.name === member)!.others = [...members].filter((o) => o !== member);
    }
  }
  for (const [oneof, members] of oneofs) {
    // protobufjs's virtual oneof property: the name of the member that is set.
    Object.defineProperty(proto, oneof, {
      get(this: Record<string, unknown>) {
        const keys = Object.keys(this);
        for (let i = keys.length - 1; i >= 0; i--) {
          if (members.has(keys[i]) && this[keys[i]] != null) return keys[i];
        }
        return undefined;
      },
      set(this: Record<string, unknown>, value: string) {
        for (const member of members) if (member !== value) delete this[member];
      },
    });
  }
  return m;
}

function nested(field: Field): Message {
  return field.message ??= messageType(field.ref);
}

/** Whether a value is a message of the given type as {@linkcode decodeMessage} returns it. */
export function isDecoded(value: unknown, name: string): boolean {
  return typeof value === "object" && value !== null &&
    Object.getPrototypeOf(value) === messageType(name).proto;
}

// ---------------------------------------------------------------------------------------------
// Reading

class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  outOfRange(n: number): never {
    throw new RangeError(`index out of range: ${this.pos} + ${n} > ${this.buf.length}`);
  }

  /** A varint's low 32 bits, unsigned. */
  varint32(): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= buf.length) this.outOfRange(1);
      const b = buf[this.pos++];
      if (shift < 32) value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
    throw new Error("invalid varint encoding");
  }

  /** A varint as low and high 32-bit halves. */
  varint64(): [number, number] {
    const buf = this.buf;
    let low = 0;
    let high = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= buf.length) this.outOfRange(1);
      const b = buf[this.pos++];
      if (shift < 28) low |= (b & 0x7f) << shift;
      else if (shift === 28) {
        low |= (b & 0x0f) << 28;
        high |= (b & 0x7f) >>> 4;
      } else high |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) return [low >>> 0, high >>> 0];
    }
    throw new Error("invalid varint encoding");
  }

  /** A tag: at most 5 bytes and 32 bits, as protobufjs reads one. */
  tag(): number {
    const start = this.pos;
    const value = this.varint32();
    if (this.pos - start > 5 || this.buf[this.pos - 1] > 0x0f && this.pos - start === 5) {
      throw new Error("invalid tag encoding");
    }
    return value;
  }

  /** A length: at most 5 bytes and below 2^31. */
  size(): number {
    const start = this.pos;
    const value = this.varint32();
    if (this.pos - start > 5 || this.buf[this.pos - 1] > 7 && this.pos - start === 5) {
      throw new Error("invalid length encoding");
    }
    return value;
  }

  end(length: number): number {
    const end = this.pos + length;
    if (end > this.buf.length) this.outOfRange(length);
    return end;
  }

  skip(wire: number, field = -1, depth = 0): void {
    if (depth > MAX_DEPTH) throw new Error("max depth exceeded");
    if (field === 0) throw new Error("illegal tag: field number 0");
    switch (wire) {
      case 0:
        this.varint64();
        break;
      case 1:
        this.pos = this.end(8);
        break;
      case 2:
        this.pos = this.end(this.size());
        break;
      case 3:
        for (;;) {
          const tag = this.tag();
          if (tag >>> 3 === 0) throw new Error("illegal tag: field number 0");
          if ((tag & 7) === 4) {
            if (field !== -1 && tag >>> 3 !== field) throw new Error("invalid end group tag");
            break;
          }
          this.skip(tag & 7, tag >>> 3, depth + 1);
        }
        break;
      case 5:
        this.pos = this.end(4);
        break;
      default:
        throw new Error(`invalid wire type ${wire} at offset ${this.pos}`);
    }
  }
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function long(low: number, high: number, unsigned: boolean): Long {
  return new LongBits(low | 0, high | 0, unsigned);
}

function readScalar(r: Reader, type: FieldType): unknown {
  switch (type) {
    case "string": {
      const end = r.end(r.size());
      const text = utf8Decoder.decode(r.buf.subarray(r.pos, end));
      r.pos = end;
      return text;
    }
    case "bytes": {
      const end = r.end(r.size());
      const bytes = r.buf.slice(r.pos, end);
      r.pos = end;
      return bytes;
    }
    case "int32":
    case "enum":
      return r.varint32() | 0;
    case "uint32":
      return r.varint32();
    case "sint32": {
      const v = r.varint32();
      return (v >>> 1) ^ -(v & 1);
    }
    case "bool": {
      let value = false;
      for (let i = 0; i < 10; i++) {
        if (r.pos >= r.buf.length) r.outOfRange(1);
        const b = r.buf[r.pos++];
        if (b & 0x7f) value = true;
        if (b < 0x80) return value;
      }
      throw new Error("invalid varint encoding");
    }
    case "int64":
    case "uint64": {
      const [low, high] = r.varint64();
      return long(low, high, type === "uint64");
    }
    case "sint64": {
      const [low, high] = r.varint64();
      const mask = -(low & 1);
      return long(((low >>> 1) | (high << 31)) ^ mask, (high >>> 1) ^ mask, false);
    }
    case "double":
      r.end(8);
      r.pos += 8;
      return r.view.getFloat64(r.pos - 8, true);
    case "float":
      r.end(4);
      r.pos += 4;
      return r.view.getFloat32(r.pos - 4, true);
    case "fixed32":
      r.end(4);
      r.pos += 4;
      return r.view.getUint32(r.pos - 4, true);
    case "sfixed32":
      r.end(4);
      r.pos += 4;
      return r.view.getInt32(r.pos - 4, true);
    case "fixed64":
    case "sfixed64":
      r.end(8);
      r.pos += 8;
      return long(
        r.view.getUint32(r.pos - 8, true),
        r.view.getUint32(r.pos - 4, true),
        type === "fixed64",
      );
    default:
      throw new TypeError(`Cannot read a ${type} field`);
  }
}

function readValue(r: Reader, field: Field, depth: number, into?: unknown): unknown {
  if (field.type !== "message") return readScalar(r, field.type);
  const end = r.end(r.size());
  return readMessage(r, end, nested(field), depth + 1, into as Record<string, unknown>);
}

function readMapEntry(
  r: Reader,
  field: Field,
  into: Record<string, unknown>,
  depth: number,
): void {
  const end = r.end(r.size());
  let key = "";
  let value: unknown = field.type === "message" ? undefined : defaultOf(field.type);
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) key = readScalar(r, "string") as string;
    else if (tag >>> 3 === 2 && (tag & 7) === field.wire) value = readValue(r, field, depth, value);
    else r.skip(tag & 7, tag >>> 3, depth);
  }
  if (r.pos !== end) throw new Error(`invalid map entry ${field.name}: runs past its length`);
  // An entry without its message value holds an empty message, as in protobufjs.
  value ??= readMessage(r, r.pos, nested(field), depth + 1);
  // A "__proto__" key is an entry like any other, never the map's prototype.
  if (key === "__proto__") {
    Object.defineProperty(into, key, {
      value,
      enumerable: true,
      configurable: true,
      writable: true,
    });
  } else into[key] = value;
}

function readMessage(
  r: Reader,
  end: number,
  m: Message,
  depth: number,
  into?: Record<string, unknown>,
): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new Error("max depth exceeded");
  let out = into;
  if (!out) {
    // As protobufjs's constructors: own empty lists and maps, which callers may fill in.
    out = Object.create(m.proto) as Record<string, unknown>;
    for (const name of m.lists) out[name] = [];
    for (const name of m.maps) out[name] = {};
  }
  while (r.pos < end) {
    const tag = r.tag();
    const wire = tag & 7;
    if (tag >>> 3 === 0) throw new Error("illegal tag: field number 0");
    const field = m.byId.get(tag >>> 3);
    if (field === undefined) {
      r.skip(wire, tag >>> 3, depth);
    } else if (field.map) {
      if (wire !== 2) r.skip(wire, tag >>> 3, depth);
      else {
        if (!hasOwn.call(out, field.name)) out[field.name] = {};
        readMapEntry(r, field, out[field.name] as Record<string, unknown>, depth);
      }
    } else if (field.repeated) {
      if (!hasOwn.call(out, field.name)) out[field.name] = [];
      const list = out[field.name] as unknown[];
      if (wire === field.wire) list.push(readValue(r, field, depth));
      else if (wire === 2 && field.wire !== 2) {
        // Packed numbers (accepted whether or not the field is declared packed).
        const packedEnd = r.end(r.size());
        while (r.pos < packedEnd) list.push(readScalar(r, field.type));
        if (r.pos !== packedEnd) throw new Error(`invalid packed field ${field.name}`);
      } else r.skip(wire, tag >>> 3, depth);
    } else if (wire !== field.wire) {
      r.skip(wire, tag >>> 3, depth);
    } else if (field.implicit) {
      const value = readScalar(r, field.type);
      if (isDefault(field.type, value)) delete out[field.name];
      else out[field.name] = value;
    } else {
      // A message seen again is merged into the first; a oneof member clears the others.
      const previous = field.type === "message" && hasOwn.call(out, field.name)
        ? out[field.name] ?? undefined
        : undefined;
      out[field.name] = readValue(r, field, depth, previous);
      if (field.others) { for (const other of field.others) delete out[other]; }
    }
  }
  if (r.pos !== end) throw new Error(`invalid message ${m.name}: runs past its length`);
  return out;
}

/**
 * Decodes a message of the given type (a full name such as `flyteidl.core.LiteralMap`).
 * Throws on malformed bytes.
 */
export function decodeMessage<T>(name: string, bytes: Uint8Array): T {
  const r = new Reader(bytes);
  return readMessage(r, bytes.length, messageType(name), 0) as T;
}

// ---------------------------------------------------------------------------------------------
// Writing

const utf8Encoder = new TextEncoder();

class Writer {
  buf = new Uint8Array(256);
  pos = 0;
  view = new DataView(this.buf.buffer);

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  varint32(value: number): void {
    this.reserve(5);
    value >>>= 0;
    while (value > 0x7f) {
      this.buf[this.pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.pos++] = value;
  }

  varint64(low: number, high: number): void {
    this.reserve(10);
    low >>>= 0;
    high >>>= 0;
    while (high !== 0 || low > 0x7f) {
      this.buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buf[this.pos++] = low;
  }

  tag(id: number, wire: number): void {
    this.varint32((id << 3) | wire);
  }

  /**
   * Starts a length-delimited value, keeping one byte for its length (enough below 128 bytes);
   * {@linkcode Writer.close} writes the length there, shifting the value when it needs more.
   */
  open(): number {
    this.reserve(1);
    return this.pos++;
  }

  close(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    let size = 1;
    for (let v = length >>> 7; v; v >>>= 7) size++;
    this.reserve(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    const buf = this.buf;
    let p = start;
    let v = length;
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
  }

  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  string(value: string): void {
    const n = value.length;
    if (n < 0x80) {
      // Short ASCII text, the common case, byte by byte: cheaper than the encoder's call.
      this.reserve(n + 1);
      const buf = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = p;
        return;
      }
    }
    const start = this.open();
    this.reserve(n * 3);
    this.pos += utf8Encoder.encodeInto(value, this.buf.subarray(this.pos)).written;
    this.close(start);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Low and high halves of a 64-bit integer given as a number, bigint, string or Long. */
function halves(value: unknown): [number, number] {
  if (typeof value === "object" && value !== null) {
    const v = value as Partial<Long>;
    return [(v.low ?? 0) >>> 0, (v.high ?? 0) >>> 0];
  }
  if (typeof value === "bigint" || typeof value === "string") {
    const u = BigInt.asUintN(64, BigInt(value));
    return [Number(u & 0xffffffffn), Number(u >> 32n)];
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n === 0) return [0, 0];
  const negative = n < 0;
  const abs = Math.trunc(Math.abs(n));
  let low = abs >>> 0;
  let high = Math.floor((abs - low) / 4294967296) >>> 0;
  if (negative) {
    high = ~high >>> 0;
    low = ~low >>> 0;
    if (++low > 0xffffffff) {
      low = 0;
      if (++high > 0xffffffff) high = 0;
    }
  }
  return [low, high];
}

function fromBase64(text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new TypeError("Cannot write a bytes field: the string is not base64");
  }
}

function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`Cannot write a bytes field from ${Object.prototype.toString.call(value)}`);
}

function writeScalar(w: Writer, type: FieldType, value: unknown): void {
  switch (type) {
    case "string":
      w.string(value as string);
      return;
    case "bytes":
      // protobufjs also takes base64 text for bytes.
      w.bytes(typeof value === "string" ? fromBase64(value) : asBytes(value));
      return;
    case "int32":
    case "enum": {
      const n = (value as number) | 0;
      if (n >= 0) w.varint32(n);
      else w.varint64(n >>> 0, 0xffffffff);
      return;
    }
    case "uint32":
      w.varint32(value as number);
      return;
    case "sint32": {
      const n = (value as number) | 0;
      w.varint32((n << 1) ^ (n >> 31));
      return;
    }
    case "bool":
      w.reserve(1);
      w.buf[w.pos++] = value ? 1 : 0;
      return;
    case "int64":
    case "uint64": {
      const [low, high] = halves(value);
      w.varint64(low, high);
      return;
    }
    case "sint64": {
      const [low, high] = halves(value);
      const mask = high >> 31;
      w.varint64(((low << 1) ^ mask) >>> 0, (((high << 1) | (low >>> 31)) ^ mask) >>> 0);
      return;
    }
    case "double":
      w.reserve(8);
      w.view.setFloat64(w.pos, value as number, true);
      w.pos += 8;
      return;
    case "float":
      w.reserve(4);
      w.view.setFloat32(w.pos, value as number, true);
      w.pos += 4;
      return;
    case "fixed32":
      w.reserve(4);
      w.view.setUint32(w.pos, (value as number) >>> 0, true);
      w.pos += 4;
      return;
    case "sfixed32":
      w.reserve(4);
      w.view.setInt32(w.pos, (value as number) | 0, true);
      w.pos += 4;
      return;
    case "fixed64":
    case "sfixed64": {
      const [low, high] = halves(value);
      w.reserve(8);
      w.view.setUint32(w.pos, low, true);
      w.view.setUint32(w.pos + 4, high, true);
      w.pos += 8;
      return;
    }
    default:
      throw new TypeError(`Cannot write a ${type} field`);
  }
}

function writeValue(w: Writer, field: Field, value: unknown, depth: number): void {
  if (field.type !== "message") return writeScalar(w, field.type, value);
  const start = w.open();
  writeMessage(w, value as Record<string, unknown>, nested(field), depth + 1);
  w.close(start);
}

function writeMessage(
  w: Writer,
  message: Record<string, unknown>,
  m: Message,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw new Error("max depth exceeded");
  for (const field of m.fields) {
    const value = message[field.name];
    if (value == null) continue;
    if (field.repeated) {
      const list = value as unknown[];
      if (!list.length) continue;
      if (field.packed) {
        w.tag(field.id, 2);
        const start = w.open();
        for (const item of list) writeScalar(w, field.type, item);
        w.close(start);
      } else {
        for (const item of list) {
          w.tag(field.id, field.wire);
          writeValue(w, field, item, depth);
        }
      }
    } else if (!hasOwn.call(message, field.name)) {
      continue;
    } else if (field.implicit && isDefault(field.type, value)) {
      continue;
    } else if (field.map) {
      for (const key of Object.keys(value as object)) {
        w.tag(field.id, 2);
        const start = w.open();
        w.tag(1, 2);
        w.string(key);
        w.tag(2, field.wire);
        writeValue(w, field, (value as Record<string, unknown>)[key], depth);
        w.close(start);
      }
    } else {
      w.tag(field.id, field.wire);
      writeValue(w, field, value, depth);
    }
  }
}

/** Encodes a message of the given type (a full name such as `flyteidl.core.LiteralMap`). */
export function encodeMessage(name: string, message: object): Uint8Array {
  const w = new Writer();
  writeMessage(w, message as Record<string, unknown>, messageType(name), 0);
  return w.finish();
}

/**
 * An enum's values by name, with names by value too (as protobufjs's enums have them, on the
 * prototype, so that iterating the keys yields names only).
 */
export function wireEnum<T>(name: string): T {
  const values = TABLES.enums[name];
  if (!values) throw new TypeError(`Unknown enum type ${name}`);
  const byValue: Record<number, string> = {};
  const out = Object.create(byValue) as Record<string, number>;
  for (const [key, value] of Object.entries(values)) {
    byValue[value] ??= key;
    out[key] = value;
  }
  return Object.freeze(out) as T;
}

// ---------------------------------------------------------------------------------------------
// Strict shape checks

/**
 * Whether bytes are, field for field, a message of the given type: every tag names a field the
 * type declares, with its wire type (numbers may be packed), strings are UTF-8 and nested
 * messages fit their own types. Unlike {@linkcode decodeMessage}, which skips what it does not
 * know as protobuf requires, this tells one message type from another (a `LiteralMap` read as a
 * `TaskTemplate` decodes, with its fields skipped, but does not fit).
 */
export function fitsMessage(name: string, bytes: Uint8Array): boolean {
  try {
    const r = new Reader(bytes);
    return fits(r, bytes.length, messageType(name), 0);
  } catch {
    return false;
  }
}

function fits(r: Reader, end: number, m: Message, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  while (r.pos < end) {
    const tag = r.tag();
    const wire = tag & 7;
    const field = m.byId.get(tag >>> 3);
    if (tag >>> 3 === 0 || field === undefined) return false;
    if (field.map) {
      if (wire !== 2) return false;
      const entryEnd = r.end(r.size());
      while (r.pos < entryEnd) {
        const entryTag = r.tag();
        if (entryTag === 10) readScalar(r, "string");
        else if (entryTag >>> 3 === 2 && (entryTag & 7) === field.wire) {
          if (!fitsValue(r, field, depth)) return false;
        } else return false;
      }
      if (r.pos !== entryEnd) return false;
    } else if (wire === field.wire) {
      if (!fitsValue(r, field, depth)) return false;
    } else if (field.repeated && wire === 2 && field.wire !== 2) {
      const packedEnd = r.end(r.size());
      while (r.pos < packedEnd) readScalar(r, field.type);
      if (r.pos !== packedEnd) return false;
    } else return false;
  }
  return r.pos === end;
}

function fitsValue(r: Reader, field: Field, depth: number): boolean {
  if (field.type !== "message") {
    readScalar(r, field.type);
    return true;
  }
  const end = r.end(r.size());
  return fits(r, end, nested(field), depth + 1);
}
