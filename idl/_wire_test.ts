// The table-driven codec against protobufjs's generated classes (an independent implementation
// from the same protos): random messages of every type the tables hold must encode to the same
// bytes with both, and each must read what the other wrote.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { flyteidl, google } from "./gen/flyteidl.js";
import { TABLES } from "./gen/wire_tables.ts";
import { decodeMessage, encodeMessage, isDecoded, wireEnum } from "./_wire.ts";
import { decodeLiteralMap, decodeTaskTemplate, fromInt64, SimpleType, toInt64 } from "./core.ts";

interface GeneratedClass {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
}

/** The own keys of a message, sorted (protobufjs and this codec set them in different orders). */
function keys(message: object): string[] {
  return Object.keys(message).sort();
}

function generatedClass(name: string): GeneratedClass {
  let node: unknown = { flyteidl, google };
  for (const part of name.split(".")) node = (node as Record<string, unknown>)[part];
  return node as GeneratedClass;
}

/** A deterministic pseudo-random source (an LCG), so that a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
  };
}

type Random = ReturnType<typeof random>;

const STRINGS = ["", "a", "O'Brien", "ünïcødé ✓", "emoji 🦕", "x".repeat(300), "\u0000nul"];

function scalar(r: Random, type: string, ref: string): unknown {
  switch (type) {
    case "string":
      return r.pick(STRINGS);
    case "bytes":
      return Uint8Array.from({ length: r.int(5) }, () => r.int(256));
    case "bool":
      return r.next() < 0.5;
    case "int32":
    case "sint32":
    case "sfixed32":
      return r.pick([0, 1, -1, 127, 128, -129, 2 ** 31 - 1, -(2 ** 31), r.int(1e6)]);
    case "uint32":
    case "fixed32":
      return r.pick([0, 1, 127, 128, 2 ** 32 - 1, r.int(1e6)]);
    case "int64":
    case "sint64":
    case "sfixed64":
    case "uint64":
    case "fixed64": {
      const big = r.pick([0n, 1n, -1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 300n]);
      const signed = type === "uint64" || type === "fixed64" ? BigInt.asIntN(64, big) : big;
      return r.next() < 0.5 ? toInt64(signed) : Number(BigInt.asIntN(32, signed));
    }
    case "double":
      return r.pick([0, -0.5, 1.5, 1e300, -1e-300, Number.MAX_SAFE_INTEGER]);
    case "float":
      return r.pick([0, 0.5, -2.25, 1024]);
    case "enum":
      return r.pick(Object.values(TABLES.enums[ref]));
    default:
      throw new Error(`no generator for ${type}`);
  }
}

/** A random message of a type: some of its fields, nested up to a depth. */
function message(r: Random, name: string, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const oneofsSet = new Set<string>();
  for (const [, field, type, ref, label] of TABLES.messages[name]) {
    if (r.next() < 0.45) continue;
    if (type === "message" && depth <= 0) continue;
    if (label.startsWith("oneof:")) {
      if (oneofsSet.has(label)) continue;
      oneofsSet.add(label);
    }
    const value = () => type === "message" ? message(r, ref, depth - 1) : scalar(r, type, ref);
    if (label === "repeated" || label === "packed") {
      out[field] = Array.from({ length: r.int(3) }, value);
    } else if (label.startsWith("map:")) {
      out[field] = Object.fromEntries(
        Array.from({ length: r.int(3) }, (_, i) => [r.pick(["", "k", `key${i}`, "ключ"]), value()]),
      );
    } else out[field] = value();
  }
  return out;
}

Deno.test("encodeMessage() random messages of every type encode byte for byte as protobufjs's classes do", () => {
  const r = random(20261128);
  let checked = 0;
  for (const name of Object.keys(TABLES.messages)) {
    const generated = generatedClass(name);
    for (let i = 0; i < 25; i++) {
      const msg = message(r, name, 3);
      const ours = encodeMessage(name, msg);
      const theirs = generated.encode(msg).finish();
      assertEquals(
        ours,
        theirs,
        `${name} #${i}: ${JSON.stringify(msg, (_, v) => typeof v === "bigint" ? `${v}` : v)}`,
      );
      // Each reads what the other wrote, and writing it again gives the same bytes.
      assertEquals(generated.encode(decodeMessage(name, theirs)).finish(), theirs);
      assertEquals(encodeMessage(name, generated.decode(ours)), ours);
      checked++;
    }
  }
  assert(checked > 1000, `${checked} messages`);
});

Deno.test("encodeMessage() decoded messages inherit proto3 defaults and protobufjs's oneof properties", () => {
  const bytes = new Uint8Array([0x12, 1, 0x78]);
  const template = decodeTaskTemplate(bytes);
  assertEquals(template.type, "x");
  // Set fields, and own empty maps and lists (as protobufjs's constructors make them).
  assertEquals(keys(template), ["config", "type"]);
  assertEquals(keys(template), keys(generatedClass("flyteidl.core.TaskTemplate").decode(bytes)));
  assertEquals(template.id, null);
  assertEquals(template.taskTypeVersion, 0);
  assertEquals(template.config, {});
  template.config!.k = "v"; // callers may fill them in
  assertEquals((template as { target?: string }).target, undefined);
  const map = decodeLiteralMap(
    encodeMessage("flyteidl.core.LiteralMap", {
      literals: { n: { scalar: { primitive: { integer: toInt64(-(2n ** 63n)) } } } },
    }),
  );
  const literal = map.literals!.n as { value?: string; scalar?: { value?: string } };
  assertEquals(literal.value, "scalar");
  assertEquals(literal.scalar?.value, "primitive");
  const integer = map.literals!.n.scalar!.primitive!.integer!;
  assertEquals(fromInt64(integer), -(2n ** 63n));
  assertEquals(String(integer), "-9223372036854775808");
  assertEquals(Number(toInt64(42n)), 42);
  assert(isDecoded(map, "flyteidl.core.LiteralMap"));
  assert(!isDecoded({ literals: {} }, "flyteidl.core.LiteralMap"));
});

Deno.test("decodeMessage() skips unknown fields and ignores fields of another wire type", () => {
  // field 99 (varint), field 98 (length-delimited), field 2 (type) sent as a varint, then type.
  const bytes = new Uint8Array([0x98, 6, 5, 0x92, 6, 2, 1, 2, 0x10, 7, 0x12, 1, 0x79]);
  const template = decodeTaskTemplate(bytes);
  assertEquals(template.type, "y");
  assertEquals(keys(template), ["config", "type"]);
});

Deno.test("decodeMessage() throws a SyntaxError naming the message for malformed bytes", () => {
  for (
    const bad of [
      new Uint8Array([0x12, 5, 0x78]), // length past the end
      new Uint8Array([0x12]), // tag without a value
      new Uint8Array([0x0f]), // wire type 7
      new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    ]
  ) {
    assertThrows(() => decodeTaskTemplate(bad), SyntaxError, "Cannot parse TaskTemplate");
  }
});

Deno.test("wireEnum() enums name their values both ways, as protobufjs's do", () => {
  assertEquals(SimpleType.STRUCT, flyteidl.core.SimpleType.STRUCT);
  assertEquals((SimpleType as unknown as Record<number, string>)[9], "STRUCT");
  assertEquals(Object.keys(SimpleType), Object.keys(flyteidl.core.SimpleType));
  assertThrows(() => wireEnum("no.Such"), TypeError);
});

Deno.test("encodeMessage() a missing message value is an empty message, __proto__ is a plain key", () => {
  // literals { key: "a" } (no value), then literals { key: "__proto__", value: { hash: "h" } }
  const bytes = new Uint8Array([
    ...[0x0a, 3, 0x0a, 1, 0x61],
    ...[0x0a, 16, 0x0a, 9, ...new TextEncoder().encode("__proto__"), 0x12, 3, 0x22, 1, 0x68],
  ]);
  const map = decodeLiteralMap(bytes);
  assertEquals(Object.keys(map.literals!), ["a", "__proto__"]);
  assertEquals(keys(map.literals!.a), ["metadata"]);
  assertEquals(Object.getPrototypeOf(map.literals), Object.prototype);
  assertEquals(Object.getOwnPropertyDescriptor(map.literals, "__proto__")?.value.hash, "h");
  assertEquals(
    encodeMessage("flyteidl.core.LiteralMap", map),
    generatedClass("flyteidl.core.LiteralMap").encode(
      generatedClass("flyteidl.core.LiteralMap").decode(bytes),
    ).finish(),
  );
});
