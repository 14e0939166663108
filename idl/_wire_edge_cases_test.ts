// Edge cases of the table-driven codec (idl/_wire.ts) against protobufjs 8's generated classes
// (idl/gen/flyteidl.js), from an adversarial review: the wire format's corners, malformed and
// hostile input, and the shape of decoded messages. Each test says what protobufjs does.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { flyteidl, google } from "./gen/flyteidl.js";
import { decodeMessage, encodeMessage } from "./_wire.ts";
import { decodeLiteralMap, encodeLiteralMap, fromInt64, toInt64 } from "./core.ts";

interface GeneratedClass {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
}

function generatedClass(name: string): GeneratedClass {
  let node: unknown = { flyteidl, google };
  for (const part of name.split(".")) node = (node as Record<string, unknown>)[part];
  return node as GeneratedClass;
}

const LITERAL_MAP = "flyteidl.core.LiteralMap";
const IDENTIFIER = "flyteidl.core.Identifier";
const PRIMITIVE = "flyteidl.core.Primitive";
const TASK_TEMPLATE = "flyteidl.core.TaskTemplate";

/**
 * A decoded message as plain data, without the empty `[]` and `{}` that protobufjs's
 * constructors give every repeated and map field.
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const empty = Array.isArray(v)
      ? v.length === 0
      : typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype &&
        Object.keys(v).length === 0;
    if (!empty) out[key] = plain(v);
  }
  return out;
}

/** Both codecs' outcome on some bytes: the decoded message as JSON, or "throws". */
function outcomes(name: string, bytes: number[]): { ours: string; theirs: string } {
  const run = (decode: (b: Uint8Array) => unknown) => {
    try {
      return JSON.stringify(plain(decode(new Uint8Array(bytes))));
    } catch {
      return "throws";
    }
  };
  return {
    ours: run((b) => decodeMessage(name, b)),
    theirs: run((b) => generatedClass(name).decode(b)),
  };
}

function assertSameOutcome(name: string, bytes: number[], expected?: string): void {
  const { ours, theirs } = outcomes(name, bytes);
  if (expected !== undefined) assertEquals(theirs, expected, "protobufjs's outcome");
  assertEquals(ours, theirs, `ours vs protobufjs on [${bytes.map((b) => b.toString(16))}]`);
}

function assertBytesEqual(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  assertEquals(Array.from(actual), Array.from(expected), message);
}

// ---------------------------------------------------------------------------------------------
// Writer

Deno.test("decodeMessage() keeps the byte of a one-character string whose tag lands 5 bytes before the buffer end", () => {
  // Writer.close() writes the length with varint32(), whose reserve(5) runs with pos reset to the
  // start of the value: when that start is 4 bytes before the buffer end (the string's tag at
  // 251, 507, 1019...), the buffer grows by copying only the bytes before it, and the string's
  // 1-3 bytes become zeros. Nested messages escape only because their first tag reserved 5.
  for (let pad = 0; pad < 3; pad++) {
    const message = { type: "x".repeat(pad), container: { args: Array(200).fill("b") } };
    const ours = encodeMessage(TASK_TEMPLATE, message);
    assertBytesEqual(ours, generatedClass(TASK_TEMPLATE).encode(message).finish(), `pad ${pad}`);
  }
});

Deno.test("encodeMessage() and decodeMessage() round-trip a literal map of one-character strings", () => {
  // What a run writes to outputs.pb: with a 4-character key, element 55 came back as "\u0000".
  for (let k = 1; k <= 9; k++) {
    const key = "k".repeat(k);
    const literals = Array.from({ length: 100 }, () => ({
      scalar: { primitive: { stringValue: "Y" } },
    }));
    const bytes = encodeLiteralMap({ literals: { [key]: { collection: { literals } } } });
    const back = decodeLiteralMap(bytes).literals![key].collection!.literals!;
    assertEquals(back.map((l) => l.scalar!.primitive!.stringValue), Array(100).fill("Y"), key);
  }
});

Deno.test("encodeMessage() agrees with protobufjs on doubles, negative enums and int32, and int64 forms", () => {
  for (const floatValue of [-0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE]) {
    const ours = encodeMessage(PRIMITIVE, { floatValue });
    assertBytesEqual(ours, generatedClass(PRIMITIVE).encode({ floatValue }).finish());
    const back = decodeMessage<{ floatValue: number }>(PRIMITIVE, ours).floatValue;
    assert(Object.is(back, floatValue), `${floatValue} came back as ${back}`);
  }
  for (const resourceType of [-1, -(2 ** 31), 2 ** 31 - 1, 3]) {
    const ours = encodeMessage(IDENTIFIER, { resourceType });
    assertBytesEqual(ours, generatedClass(IDENTIFIER).encode({ resourceType }).finish());
    assertEquals(
      decodeMessage<{ resourceType: number }>(IDENTIFIER, ours).resourceType,
      resourceType,
    );
  }
  for (
    const integer of [
      -1,
      -(2 ** 53),
      2 ** 53 + 2,
      2 ** 63,
      1.9,
      -1.9,
      "-9223372036854775808",
      "18446744073709551615",
      { low: -1, high: -1, unsigned: true },
      { low: 1, high: 0 },
    ]
  ) {
    assertBytesEqual(
      encodeMessage(PRIMITIVE, { integer }),
      generatedClass(PRIMITIVE).encode({ integer }).finish(),
      JSON.stringify(integer),
    );
  }
  // A bigint: protobufjs 8 silently writes 0 (its LongBits.from knows no bigint); ours is exact.
  const bytes = encodeMessage(PRIMITIVE, { integer: -(2n ** 63n) });
  const decoded = decodeMessage<{ integer: object }>(PRIMITIVE, bytes).integer;
  assertEquals(fromInt64(decoded as never), -(2n ** 63n));
});

Deno.test("encodeMessage() writes a lone surrogate as U+FFFD, which both decoders read back", () => {
  // protobufjs writes the surrogate's WTF-8 bytes (ED A0 80), which neither strict decoder reads:
  // ours differs from it on purpose here.
  const ours = encodeMessage(IDENTIFIER, { project: "a\ud800" });
  assertBytesEqual(ours, new Uint8Array([0x12, 4, 0x61, 0xef, 0xbf, 0xbd]));
  assertEquals((generatedClass(IDENTIFIER).decode(ours) as { project: string }).project, "a\ufffd");
});

Deno.test("encodeMessage() writes a bytes field given a base64 string as its bytes, as protobufjs does", () => {
  // Outside the declared types (Uint8Array), but protobufjs's writer decodes base64 strings, and
  // so does ours (it once wrote the string's length in zero bytes).
  const message = { value: "AQID", tag: "msgpack" };
  const ours = encodeMessage("flyteidl.core.Binary", message);
  assertBytesEqual(ours, generatedClass("flyteidl.core.Binary").encode(message).finish());
  assertThrows(() => encodeMessage("flyteidl.core.Binary", { value: "not base64!" }), TypeError);
  assertThrows(() => encodeMessage("flyteidl.core.Binary", { value: [1, 2] }), TypeError);
});

Deno.test("encodeMessage() and decodeMessage() limit nesting as protobufjs does", () => {
  const nest = (n: number) => {
    let literal: object = { scalar: { primitive: { integer: 1 } } };
    for (let i = 0; i < n; i++) literal = { collection: { literals: [literal] } };
    return { literals: { a: literal } };
  };
  const ok = nest(48);
  assertBytesEqual(encodeMessage(LITERAL_MAP, ok), generatedClass(LITERAL_MAP).encode(ok).finish());
  assertThrows(() => encodeMessage(LITERAL_MAP, nest(49)), Error, "max depth exceeded");
  assertThrows(() => generatedClass(LITERAL_MAP).encode(nest(49)), Error, "max depth exceeded");
  // The same by hand, bytes: Literal { collection { literals { ... } } } around an integer.
  const nestBytes = (n: number) => {
    let literal = wrap(0x0a, wrap(0x0a, [0x08, 0x01]));
    for (let i = 0; i < n; i++) literal = wrap(0x12, wrap(0x0a, literal));
    return wrap(0x0a, [...wrap(0x0a, [0x61]), ...wrap(0x12, literal)]);
  };
  assertSameOutcome(LITERAL_MAP, nestBytes(48));
  assert(outcomes(LITERAL_MAP, nestBytes(48)).ours !== "throws");
  assertSameOutcome(LITERAL_MAP, nestBytes(49), "throws");
});

function varint(n: number): number[] {
  const out = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function wrap(tag: number, body: number[]): number[] {
  return [tag, ...varint(body.length), ...body];
}

// ---------------------------------------------------------------------------------------------
// Reader: what protobufjs accepts and rejects

Deno.test("decodeMessage() keeps a leading byte order mark in strings, as protobufjs does", () => {
  // TextDecoder strips a leading BOM unless ignoreBOM is set (protobufjs sets it).
  assertSameOutcome(IDENTIFIER, [0x12, 4, 0xef, 0xbb, 0xbf, 0x61], '{"project":"\ufeffa"}');
  assertSameOutcome(IDENTIFIER, [0x12, 3, 0xef, 0xbb, 0xbf], '{"project":"\ufeff"}');
  const project = "\ufeff" + "x".repeat(100);
  const bytes = encodeMessage(IDENTIFIER, { project });
  assertEquals(decodeMessage<{ project: string }>(IDENTIFIER, bytes).project, project);
});

Deno.test("decodeMessage() rejects a map entry whose fields run past the entry's length", () => {
  // literals { <entry of 2 bytes> }, whose key claims 3 bytes: the key eats bytes of the parent.
  assertSameOutcome(LITERAL_MAP, [0x0a, 0x02, 0x0a, 0x03, 0x61, 0x62, 0x63], "throws");
});

Deno.test("decodeMessage() rejects lengths and tags longer than 5 bytes or above 32 bits, not truncating them", () => {
  // project with length 1 padded to 6 bytes; length 2^32 + 1 (read as 1); tag 0x12 padded to 6 bytes.
  assertSameOutcome(IDENTIFIER, [0x12, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00, 0x61], "throws");
  assertSameOutcome(IDENTIFIER, [0x12, 0x81, 0x80, 0x80, 0x80, 0x10, 0x61], "throws");
  assertSameOutcome(IDENTIFIER, [0x92, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01, 0x61], "throws");
  assertSameOutcome(IDENTIFIER, [0x92, 0x80, 0x80, 0x80, 0x10, 0x01, 0x61], "throws");
});

Deno.test("decodeMessage() reads a bool as true when any bit of its varint is set, even in the tenth byte", () => {
  const tenth = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
  assertSameOutcome(PRIMITIVE, [0x20, ...tenth], '{"boolean":true}');
  assertSameOutcome("flyteidl.core.TaskMetadata", [0x08, ...tenth]);
});

Deno.test("decodeMessage() skips groups only with matching end tags, no field 0 and limited nesting", () => {
  const start = [0x9b, 0x06]; // field 99, start group
  const end = [0x9c, 0x06]; // field 99, end group
  assertSameOutcome(IDENTIFIER, [...start, 0x94, 0x06, 0x12, 0x01, 0x61], "throws"); // ends field 98
  assertSameOutcome(IDENTIFIER, [...start, 0x00, 0x00, ...end], "throws"); // field 0 inside
  const nested = (n: number) => [...Array(n).fill(start).flat(), ...Array(n).fill(end).flat()];
  assertSameOutcome(IDENTIFIER, nested(150), "throws");
  // 100k nested groups (400 KB) overflow the stack instead of hitting the depth limit.
  assertThrows(
    () => decodeMessage(IDENTIFIER, new Uint8Array(nested(100_000))),
    Error,
    "max depth",
  );
});

Deno.test("decodeMessage() rejects field number 0 inside a map entry", () => {
  assertSameOutcome(LITERAL_MAP, [0x0a, 0x05, 0x00, 0x00, 0x0a, 0x01, 0x61], "throws");
});

Deno.test("decodeMessage() rejects the malformed input protobufjs rejects, and merges and clears oneofs as it does", () => {
  for (
    const bytes of [
      [0x14], // end group at the top
      [0x9b, 0x06], // unterminated group
      [0x9c, 0x06], // end group without a start
      [0x12, 0x80, 0x80, 0x80, 0x80, 0x08], // length 2^31
      [0x12, 0xff, 0xff, 0xff, 0xff, 0x07], // length 2^31 - 1, past the end
      [0x00], // field 0
    ]
  ) assertSameOutcome(IDENTIFIER, bytes, "throws");
  // datetime { seconds: 5 }, duration { seconds: 7 }, datetime { nanos: 3 }: the last datetime
  // starts afresh; two datetimes in a row merge.
  assertSameOutcome(PRIMITIVE, [0x2a, 2, 0x08, 5, 0x32, 2, 0x08, 7, 0x2a, 2, 0x10, 3]);
  assertSameOutcome(PRIMITIVE, [0x2a, 2, 0x08, 5, 0x2a, 2, 0x10, 3]);
  // integer 0 (a oneof member at its default is set), then boolean false clears it.
  assertSameOutcome(PRIMITIVE, [0x08, 0], '{"integer":{"low":0,"high":0,"unsigned":false}}');
  assertSameOutcome(PRIMITIVE, [0x08, 0, 0x20, 0], '{"boolean":false}');
  // A scalar map entry without a value holds the default, and an unknown field of each wire type
  // is skipped.
  assertSameOutcome(TASK_TEMPLATE, [0x82, 0x01, 0x03, 0x0a, 0x01, 0x6b], '{"config":{"k":""}}');
  assertSameOutcome(IDENTIFIER, [
    ...[0x98, 0x06, 0x01], // varint
    ...[0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8], // fixed64
    ...[0x9a, 0x06, 0x01, 0x00], // length-delimited
    ...[0x9b, 0x06, 0x08, 0x01, 0x9c, 0x06], // group
    ...[0x9d, 0x06, 1, 2, 3, 4], // fixed32
    ...[0x12, 0x01, 0x61],
  ], '{"project":"a"}');
});

Deno.test("decodeMessage() fails fast on hostile lengths without allocating", () => {
  // A bytes field (Binary.value) claiming 2^31 - 1 bytes in a 7-byte input.
  const started = performance.now();
  assertThrows(() =>
    decodeMessage("flyteidl.core.Binary", new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0]))
  );
  assert(performance.now() - started < 50);
});

Deno.test("decodeMessage() keeps __proto__ keys in nested maps plain, polluting nothing", () => {
  const key = [...new TextEncoder().encode("__proto__")];
  // Struct { fields { "__proto__": { structValue { fields { "__proto__": { stringValue "x" } } } } } }
  const innerValue = wrap(0x1a, [0x78]); // Value.stringValue "x"
  const innerStruct = wrap(0x0a, [...wrap(0x0a, key), ...wrap(0x12, innerValue)]);
  const outerValue = wrap(0x2a, innerStruct); // Value.structValue
  const bytes = wrap(0x0a, [...wrap(0x0a, key), ...wrap(0x12, outerValue)]);
  const struct = decodeMessage<{ fields: Record<string, { structValue: { fields: object } }> }>(
    "google.protobuf.Struct",
    new Uint8Array(bytes),
  );
  assertEquals(Object.getPrototypeOf(struct.fields), Object.prototype);
  assertEquals(Object.keys(struct.fields), ["__proto__"]);
  const inner = Object.getOwnPropertyDescriptor(struct.fields, "__proto__")!.value.structValue;
  assertEquals(Object.getPrototypeOf(inner.fields), Object.prototype);
  assertEquals(Object.keys(inner.fields), ["__proto__"]);
  assertEquals(({} as Record<string, unknown>).stringValue, undefined);
  assertBytesEqual(encodeMessage("google.protobuf.Struct", struct), new Uint8Array(bytes));
});

Deno.test("decodeMessage() reads 64-bit values as exact Long-shaped values, signed and unsigned", () => {
  // The only uint64 in the tables: LiteralOffloadedMetadata.sizeBytes.
  const name = "flyteidl.core.LiteralOffloadedMetadata";
  const max = [0x10, ...Array(9).fill(0xff), 0x01]; // sizeBytes = 2^64 - 1
  const decoded = decodeMessage<{ sizeBytes: { unsigned: boolean } }>(name, new Uint8Array(max));
  assertEquals(fromInt64(decoded.sizeBytes as never), 2n ** 64n - 1n);
  assertEquals(String(decoded.sizeBytes), "18446744073709551615");
  assertBytesEqual(encodeMessage(name, decoded), new Uint8Array(max));
  assertEquals(Number(toInt64(-5n)), -5);
});

// ---------------------------------------------------------------------------------------------
// Shape of decoded messages

Deno.test("decodeMessage() returns empty repeated and map fields that can be filled in, as protobufjs's can", () => {
  // protobufjs's constructors give every message own `[]` and `{}`, and so does the decoder, so
  // that code may add to a decoded message (an empty inputs.pb, a container without args).
  const map = decodeLiteralMap(new Uint8Array(0));
  map.literals!.x = { scalar: { primitive: { integer: toInt64(1n) } } };
  const template = decodeMessage<{ container: { args: string[] } }>(
    TASK_TEMPLATE,
    new Uint8Array([0x32, 0x00]),
  );
  template.container.args.push("--x");
});
