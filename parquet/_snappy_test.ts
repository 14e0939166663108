import { assert, assertEquals } from "@std/assert";
import { snappyUncompress } from "hyparquet/src/snappy.js";
import { maxCompressedLength, snappyCompressInto } from "./_snappy.ts";

function roundTrip(input: Uint8Array): number {
  const out = new Uint8Array(maxCompressedLength(input.length));
  const n = snappyCompressInto(input, out);
  assert(n <= out.length);
  const back = new Uint8Array(input.length);
  snappyUncompress(out.subarray(0, n), back);
  assertEquals(back, input);
  return n;
}

Deno.test("snappyCompressInto() round-trips through an independent decoder", () => {
  let seed = 7;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const sizes = [0, 1, 4, 15, 16, 17, 100, 65535, 65536, 65537, 300_000];
  for (const size of sizes) {
    const random = Uint8Array.from({ length: size }, () => Math.floor(rnd() * 256));
    roundTrip(random);
    const text = new TextEncoder().encode(
      Array.from({ length: size }, (_, i) => "abcdefgh"[Math.floor(rnd() * 3) + (i % 5)]).join(""),
    ).subarray(0, size);
    roundTrip(text);
    roundTrip(new Uint8Array(size));
  }
});

Deno.test("snappyCompressInto() compresses repetitive data", () => {
  const input = new TextEncoder().encode("2024-01-01 00:00:00,".repeat(10_000));
  assert(roundTrip(input) < input.length / 10);
});

Deno.test("snappyCompressInto() writes long literals and long copies", () => {
  let seed = 3;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const noise = Uint8Array.from({ length: 70_000 }, () => Math.floor(rnd() * 256));
  const input = new Uint8Array(200_000);
  input.set(noise, 0);
  input.set(noise.subarray(0, 5000), 100_000);
  roundTrip(input);
});
