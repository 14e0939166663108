import { assertEquals, assertThrows } from "@std/assert";
import { BinaryCopyDecoder, numericValue } from "./postgres_binary.ts";

/** PostgreSQL's binary `numeric` of a plain decimal text (`-12.5`, `0.001`, `1e5` not taken). */
function numericBinary(text: string): Uint8Array {
  const negative = text.startsWith("-");
  const [int, frac = ""] = text.replace("-", "").split(".");
  // Base-10000 digits, aligned on the decimal point.
  const intPadded = int.padStart(Math.ceil(int.length / 4) * 4, "0");
  const fracPadded = frac.padEnd(Math.ceil(frac.length / 4) * 4, "0");
  const groups = [...(intPadded + fracPadded).matchAll(/\d{4}/g)].map((m) => Number(m[0]));
  let weight = intPadded.length / 4 - 1;
  while (groups.length && groups[0] === 0) {
    groups.shift();
    weight--;
  }
  while (groups.length && groups[groups.length - 1] === 0) groups.pop();
  const out = new Uint8Array(8 + 2 * groups.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, groups.length);
  view.setInt16(2, groups.length ? weight : 0);
  view.setUint16(4, negative ? 0x4000 : 0);
  view.setUint16(6, frac.length);
  groups.forEach((g, k) => view.setUint16(8 + 2 * k, g));
  return out;
}

function decimal(random: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join("");
  const int = digits(Math.floor(random() * 25)).replace(/^0+/, "") || "0";
  const frac = digits(Math.floor(random() * 25));
  return `${random() < 0.3 ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}

Deno.test("numericValue() is Number() of the numeric's text", () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const fixed = [
    "0",
    "0.1",
    "-0.5",
    "12345678.91",
    "9007199254740993",
    "9007199254740992.5",
    "0.000000000000000000000000000001",
    "123456789012345678901234567890.123",
    "1.0000000000000002",
    "99999999999999999999.99999",
    "0.30000000000000004",
    "2.2250738585072014",
    "1" + "0".repeat(300),
    "0." + "0".repeat(320) + "5",
  ];
  for (const text of [...fixed, ...Array.from({ length: 20000 }, () => decimal(random))]) {
    const b = numericBinary(text);
    assertEquals(numericValue(b, 0, b.length), Number(text), text);
  }
  const special = (sign: number) => new Uint8Array([0, 0, 0, 0, sign >> 8, sign & 0xff, 0, 0]);
  assertEquals(numericValue(special(0xc000), 0, 8), NaN);
  assertEquals(numericValue(special(0xd000), 0, 8), Infinity);
  assertEquals(numericValue(special(0xf000), 0, 8), -Infinity);
  assertThrows(() => numericValue(numericBinary("1.5"), 0, 9), SyntaxError);
});

function copyData(...rows: (Uint8Array | null)[][]): Uint8Array[] {
  const header = [..."PGCOPY\n\xff\r\n\0"].map((c) => c.charCodeAt(0)).concat([
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
  const chunks = rows.map((fields, i) => {
    const parts: number[] = i === 0 ? [...header] : [];
    parts.push(fields.length >> 8, fields.length & 0xff);
    for (const f of fields) {
      const len = f === null ? -1 : f.length;
      parts.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
      if (f) parts.push(...f);
    }
    return new Uint8Array(parts);
  });
  chunks.push(new Uint8Array([0xff, 0xff]));
  return chunks;
}

const be = (n: number, bytes: number) => {
  const out = new Uint8Array(bytes);
  let x = BigInt.asUintN(bytes * 8, BigInt(n));
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
};

Deno.test("BinaryCopyDecoder shifts dates and timestamps to the Unix epoch, infinities as the text path", () => {
  const decoder = new BinaryCopyDecoder([1082, 1184]);
  for (
    const chunk of copyData(
      [be(0, 4), be(0, 8)], // 2000-01-01
      [be(0x7fffffff, 4), new Uint8Array([0x7f, 255, 255, 255, 255, 255, 255, 255])],
      [be(-0x80000000, 4), new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 0])],
      [be(-10957, 4), be(-946684800000000, 8)], // 1970-01-01
    )
  ) decoder.add(chunk);
  assertEquals(decoder.ended, true);
  const [dates, stamps] = decoder.take();
  const d = new DataView(dates.values.buffer);
  assertEquals([0, 4, 8, 12].map((o) => d.getInt32(o, true)), [
    10957,
    2 ** 31 - 1,
    -(2 ** 31 - 1),
    0,
  ]);
  const t = new DataView(stamps.values.buffer);
  assertEquals([0, 8, 16, 24].map((o) => t.getBigInt64(o, true)), [
    946684800000000n,
    2n ** 63n - 1n,
    -(2n ** 63n - 1n),
    0n,
  ]);
});

Deno.test("BinaryCopyDecoder writes uuids as text, jsonb without its version, booleans as bits", () => {
  const decoder = new BinaryCopyDecoder([2950, 3802, 16, 21]);
  const uuid = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  for (
    const chunk of copyData(
      [uuid, new Uint8Array([1, 0x7b, 0x7d]), new Uint8Array([1]), be(-2, 2)],
      [null, null, new Uint8Array([0]), null],
      [null, null, new Uint8Array([1]), be(32767, 2)],
    )
  ) decoder.add(chunk);
  const [u, j, b, s] = decoder.take();
  assertEquals(
    new TextDecoder().decode(u.values.subarray(4)),
    "00112233-4455-6677-8899-aabbccddeeff",
  );
  assertEquals([...j.values], [2, 0, 0, 0, 0x7b, 0x7d]);
  assertEquals([b.count, b.nulls, [...b.values], [...b.present]], [3, 0, [0b101], [0b111]]);
  assertEquals([s.nulls, [...s.present]], [1, [0b101]]);
  assertEquals(new DataView(s.values.buffer).getBigInt64(0, true), -2n);
});

Deno.test("BinaryCopyDecoder refuses data it cannot read", () => {
  assertThrows(() => new BinaryCopyDecoder([700]), RangeError);
  assertThrows(() => new BinaryCopyDecoder([20]).add(new Uint8Array([1, 2, 3])), SyntaxError);
  const [first] = copyData([be(1, 4)]);
  assertThrows(() => new BinaryCopyDecoder([20]).add(first), SyntaxError, "8-byte value");
  assertThrows(() => new BinaryCopyDecoder([20, 20]).add(first), SyntaxError, "1 fields, not 2");
});
