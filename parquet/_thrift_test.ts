import { assertEquals, assertThrows } from "@std/assert";
import { encodeStruct, T } from "./_thrift.ts";

Deno.test("encodeStruct() writes compact-protocol fields", () => {
  // Long field deltas use the id form; booleans live in the header; i64 zigzag; nested structs.
  assertEquals(
    encodeStruct([[1, T.BOOL, true], [2, T.BOOL, false], [20, T.I64, -1n], [21, T.STRUCT, [[
      1,
      T.I32,
      300,
    ]]]]),
    new Uint8Array([0x11, 0x12, 0x06, 40, 1, 0x1c, 0x15, 0xd8, 0x04, 0, 0]),
  );
});

Deno.test("encodeStruct() writes long lists with a size varint and skips undefined fields", () => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const bytes = encodeStruct([[1, T.LIST, { type: T.I32, items }], [2, T.BINARY, undefined]]);
  assertEquals([...bytes.subarray(0, 3)], [0x19, 0xf5, 20]);
  assertEquals(bytes.length, 3 + 20 + 1);
  assertThrows(() => encodeStruct([[1, 99, 1]]), RangeError);
});
