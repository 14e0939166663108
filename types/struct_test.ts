import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { jsonToStruct, type Literal } from "../idl/mod.ts";
import { fromLiteral, toLiteral, Types } from "./mod.ts";
import { MSGPACK_TAG, wantsMsgpack } from "./struct.ts";
import { Duration, FlyteDirectory, FlyteFile, StructuredDataset, Timestamp } from "./values.ts";

const opts = { name: "cfg", role: "input" as const };

Deno.test("Types.struct() is flytekit's msgpack-annotated STRUCT; the generic form is not", () => {
  assertEquals(wantsMsgpack(Types.struct().literalType), true);
  assertEquals(wantsMsgpack(Types.struct({ format: "generic" }).literalType), false);
  assertEquals(wantsMsgpack({ simple: 9 }), false);
});

Deno.test("fromLiteral() keeps msgpack STRUCT int64 beyond 2^53 as bigint and smaller integers as numbers", async () => {
  const value = {
    small: 2 ** 40,
    big: -(2n ** 62n),
    list: [1, { x: null }],
    bytes: new Uint8Array([1]),
  };
  const literal = await toLiteral(value, Types.struct());
  assertEquals(literal.scalar?.binary?.tag, MSGPACK_TAG);
  assertEquals(await fromLiteral(literal, Types.struct()), value);
});

Deno.test("toLiteral() writes values inside a STRUCT as flytekit's mashumaro writes them", async () => {
  const value = {
    when: new Timestamp(0n, 1000),
    date: new Date(0),
    took: new Duration(1n, 500_000_000),
    file: new FlyteFile({ uri: "s3://b/f" }),
    dir: new FlyteDirectory({ uri: "s3://b/d" }),
    df: new StructuredDataset({ uri: "s3://b/sd" }),
    n: 5n,
    gone: undefined,
  };
  const expected = {
    when: "1970-01-01T00:00:00.000001Z",
    date: "1970-01-01T00:00:00.000000Z",
    took: 1.5,
    file: { path: "s3://b/f" },
    dir: { path: "s3://b/d" },
    df: { uri: "s3://b/sd", file_format: "parquet" },
    n: 5,
  };
  assertEquals(await fromLiteral(await toLiteral(value, Types.struct()), Types.struct()), expected);
  const generic = Types.struct({ format: "generic" });
  assertEquals(await fromLiteral(await toLiteral(value, generic), generic), expected);
});

Deno.test("fromLiteral() reads STRUCT from both msgpack binary and generic Struct literals", async () => {
  const generic: Literal = { scalar: { generic: jsonToStruct({ a: 1 }) } };
  assertEquals(await fromLiteral(generic, Types.struct()), { a: 1 });
  const binary = await toLiteral({ a: 1 }, Types.struct());
  assertEquals(await fromLiteral(binary, Types.struct({ format: "generic" })), { a: 1 });
});

Deno.test("fromLiteral() refuses STRUCT mismatches and invalid bytes as user errors", async () => {
  await assertRejects(
    () => toLiteral([1] as unknown as Record<string, unknown>, Types.struct(), opts),
    UserError,
    'Cannot convert input "cfg": expected STRUCT, found array',
  );
  await assertRejects(
    () => toLiteral({ n: 2n ** 60n }, Types.struct({ format: "generic" }), opts),
    UserError,
    "cannot be held exactly by a protobuf Struct",
  );
  await assertRejects(
    () =>
      fromLiteral(
        { scalar: { binary: { value: new Uint8Array([0xc1]), tag: "msgpack" } } },
        Types.struct(),
        opts,
      ),
    UserError,
    'Cannot convert input "cfg": the msgpack bytes do not decode',
  );
  await assertRejects(
    () =>
      fromLiteral(
        { scalar: { binary: { value: new Uint8Array([0x93, 1, 2, 3]), tag: "msgpack" } } },
        Types.struct(),
        opts,
      ),
    UserError,
    "expected STRUCT, found msgpack array",
  );
  await assertRejects(
    () =>
      fromLiteral(
        { scalar: { binary: { value: new Uint8Array(), tag: "pickle" } } },
        Types.struct(),
        opts,
      ),
    UserError,
    'expected STRUCT, found binary "pickle"',
  );
});

Deno.test("toLiteral() refuses STRUCT strings and keys with a lone surrogate, not writing invalid UTF-8", async () => {
  for (const type of [Types.struct(), Types.struct({ format: "generic" })]) {
    for (
      const value of [{ k: "a\uD800b" }, { k: ["x".repeat(50) + "\uDC00"] }, { ["\uD800"]: 1 }]
    ) {
      const err = await assertRejects(
        () => toLiteral(value, type, opts),
        UserError,
        "lone surrogate",
      );
      assertEquals(err.code, "USER:InvalidInput");
    }
  }
  const emoji = { "k😀": "v😀".repeat(30) };
  assertEquals(await fromLiteral(await toLiteral(emoji, Types.struct()), Types.struct()), emoji);
});
