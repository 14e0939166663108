import { assertEquals, assertThrows } from "@std/assert";
import { structToJson } from "../idl/mod.ts";
import {
  type ColumnValue,
  type DatasetRow,
  type Flatten,
  type InferInput,
  type InferInputs,
  type InferValue,
  type InferValues,
  literalMapToValues,
  type OptionalInputKeys,
  type Timestamp,
  Types,
  valuesToLiteralMap,
} from "./mod.ts";

Deno.test("Types builds the literal types flytekit declares", () => {
  assertEquals(Types.integer.literalType, { simple: 1 });
  assertEquals(Types.file().literalType, { blob: {} });
  assertEquals(Types.directory("zip").literalType, { blob: { format: "zip", dimensionality: 1 } });
  assertEquals(Types.map(Types.list(Types.float)).literalType, {
    mapValueType: { collectionType: { simple: 2 } },
  });
  assertEquals(Types.enum(["a", "b"]).literalType, { enumType: { values: ["a", "b"] } });
  assertEquals(Types.optional(Types.list(Types.string)).literalType, {
    unionType: {
      variants: [
        { collectionType: { simple: 3 }, structure: { tag: "Typed List" } },
        { simple: 0, structure: { tag: "none" } },
      ],
    },
  });
  const tags = Types.union(
    Types.struct(),
    Types.enum(["a"]),
    Types.map(Types.integer),
    Types.directory(),
  )
    .literalType.unionType!.variants!.map((v) => v.structure?.tag);
  assertEquals(tags, ["Typed Dict", "DefaultEnumTransformer", "Typed Dict", "FlyteDirectory"]);
  const struct = Types.struct().literalType;
  assertEquals(struct.simple, 9);
  assertEquals(structToJson(struct.annotation?.annotations), {
    "cache-key-metadata": { "serialization-format": "msgpack" },
  });
  assertEquals(Types.structuredDataset({ columns: { id: Types.integer } }).literalType, {
    structuredDatasetType: {
      columns: [{ name: "id", literalType: { simple: 1 } }],
      format: "parquet",
    },
  });
  assertEquals(Types.schema({ id: Types.integer, at: Types.datetime }).literalType, {
    schema: { columns: [{ name: "id" }, { name: "at", type: 4 }] },
  });
  assertEquals(Types.of({ simple: 6 }).literalType, { simple: 6 });
});

Deno.test("Types.schema() refuses a column that is not a simple primitive", () => {
  assertThrows(
    () => Types.schema({ xs: Types.list(Types.integer) }),
    TypeError,
    'Cannot use column "xs" in a schema: only simple primitive types are allowed',
  );
});

Deno.test("Types carries the TypeScript types of values and inputs", async () => {
  const inputs = {
    limit: Types.integer,
    tags: Types.list(Types.string),
    when: Types.optional(Types.datetime),
    color: Types.enum(["red", "green"]),
    either: Types.union(Types.integer, Types.string),
  };
  const given: InferInputs<typeof inputs> = {
    limit: 10,
    tags: ["a"],
    when: new Date(0),
    color: "red",
    either: 2,
  };
  const map = await valuesToLiteralMap(given, inputs);
  const values: InferValues<typeof inputs> = await literalMapToValues(map, inputs);
  const limit: bigint = values.limit;
  const when: Timestamp | null = values.when;
  const color: "red" | "green" = values.color;
  const either: bigint | string = values.either;
  assertEquals([limit, when?.toISOString(), color, either], [
    10n,
    "1970-01-01T00:00:00.000000Z",
    "red",
    2n,
  ]);

  // Compile-time checks: these lines fail `deno check` (run by `deno test`) if the types drift.
  const partial: InferInputs<typeof inputs> = { limit: 1n, tags: [], color: "green", either: "x" };
  // @ts-expect-error a required input cannot be left out
  const missing: InferInputs<typeof inputs> = { tags: [], color: "green", either: "x" };
  assertEquals([partial.when, missing.limit], [undefined, undefined]);
  const n: InferValue<typeof Types.integer> = 1n;
  const i: InferInput<typeof Types.integer> = 1;
  // @ts-expect-error an integer value is a bigint, never a number
  const wrong: InferValue<typeof Types.integer> = 1;
  // @ts-expect-error enum values are the declared strings only
  const blue: InferValue<typeof inputs.color> = "blue";
  assertEquals([n, i, wrong, blue], [1n, 1, 1, "blue"]);
});

Deno.test("OptionalInputKeys, Flatten, ColumnValue and DatasetRow type what they describe", () => {
  // Compile-time checks, moved from the type aliases' doc comments: `deno check` fails on drift.
  const inputs = { limit: Types.integer, note: Types.optional(Types.string), nothing: Types.none };
  const optional: OptionalInputKeys<typeof inputs>[] = ["note", "nothing"];
  // @ts-expect-error "limit" must be given
  const required: OptionalInputKeys<typeof inputs> = "limit";
  const flat: Flatten<{ a: number } & { b?: string }> = { a: 1 };
  const id: ColumnValue<typeof Types.integer> = 1n;
  const when: ColumnValue<typeof Types.datetime> = null;
  const row: DatasetRow<{ id: typeof Types.integer; name: typeof Types.string }> = {
    id: 1n,
    name: null,
  };
  // @ts-expect-error an integer column holds a bigint
  const wrong: ColumnValue<typeof Types.integer> = 1;
  assertEquals([optional, required, flat, id, when, row, wrong], [
    ["note", "nothing"],
    "limit",
    { a: 1 },
    1n,
    null,
    { id: 1n, name: null },
    1,
  ]);
});
