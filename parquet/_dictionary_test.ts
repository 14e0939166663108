import { assertEquals } from "@std/assert";
import { DictionaryBuilder } from "./_dictionary.ts";

/** Reference: first-appearance indices by a Map. */
function reference(values: bigint[], seen: Map<bigint, number>): number[] {
  return values.map((v) => {
    if (!seen.has(v)) seen.set(v, seen.size);
    return seen.get(v)!;
  });
}

const plain64 = (values: bigint[]) => new Uint8Array(BigInt64Array.from(values).buffer);

for (const integers of [true, false]) {
  Deno.test(`DictionaryBuilder() indexes INT64 slices as a Map would (integers: ${integers})`, () => {
    const dict = new DictionaryBuilder(8, 1 << 20, integers);
    const seen = new Map<bigint, number>();
    let seed = 3;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    // A small first range (direct table), then values outside it: negative, beyond 32 bits.
    const slices = [
      Array.from({ length: 5000 }, () => BigInt(next() % 700)),
      Array.from({ length: 5000 }, () => BigInt(next() % 2000) - 1000n),
      Array.from(
        { length: 5000 },
        () => (next() % 2 ? 2n ** 40n : -(2n ** 33n)) + BigInt(next() % 50),
      ),
    ];
    for (const slice of slices) {
      assertEquals([...dict.add(plain64(slice), slice.length)!], reference(slice, seen));
    }
    assertEquals(dict.size, seen.size);
    assertEquals(
      [...new BigInt64Array(dict.plain().slice().buffer)],
      [...seen.keys()],
    );
  });
}

Deno.test("DictionaryBuilder() forgets a slice that passes the limit, direct table included", () => {
  const dict = new DictionaryBuilder(8, 8 * 100, true);
  const first = Array.from({ length: 1000 }, (_, i) => BigInt(i % 60));
  assertEquals(dict.add(plain64(first), 1000)?.length, 1000);
  const over = Array.from({ length: 1000 }, (_, i) => BigInt(i % 90) + 30n); // 90 more than 60
  assertEquals(dict.add(plain64(over), 1000), undefined);
  assertEquals(dict.size, 60);
  // Values 60..89 were rolled back: they are new again, and old ones keep their index.
  const again = [59n, 60n, 61n, 0n];
  assertEquals([...dict.add(plain64(again), 4)!], [59, 60, 61, 0]);
});

Deno.test("DictionaryBuilder() indexes text as a Map would", () => {
  const dict = new DictionaryBuilder(0, 1 << 20);
  const words = Array.from({ length: 3000 }, (_, i) => `w${(i * 31) % 400}${"é".repeat(i % 3)}`);
  const bytes = words.flatMap((w) => {
    const b = new TextEncoder().encode(w);
    return [b.length, 0, 0, 0, ...b];
  });
  const seen = new Map<string, number>();
  const want = words.map((w) => {
    if (!seen.has(w)) seen.set(w, seen.size);
    return seen.get(w)!;
  });
  assertEquals([...dict.add(new Uint8Array(bytes), words.length)!], want);
});
