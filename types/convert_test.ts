import { removing, tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import {
  decodeLiteral,
  decodeLiteralMap,
  encodeLiteral,
  encodeLiteralMap,
  flyteidl,
  type Literal,
  type LiteralType,
  toInt64,
} from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import {
  Duration,
  FlyteDirectory,
  FlyteFile,
  fromLiteral,
  literalMapToValues,
  StructuredDataset,
  Timestamp,
  toLiteral,
  type TypeDescriptor,
  Types,
  valuesToLiteralMap,
} from "./mod.ts";

/** value -> literal -> bytes -> literal -> value. */
async function roundTrip(value: unknown, type: TypeDescriptor | LiteralType): Promise<unknown> {
  const literal = await toLiteral(value, type as LiteralType);
  const decoded = decodeLiteral(encodeLiteral(literal));
  return await fromLiteral(decoded, type as LiteralType);
}

const CASES: [string, TypeDescriptor, unknown][] = [
  ["integer", Types.integer, 42n],
  ["negative int64 min", Types.integer, -(2n ** 63n)],
  ["int64 max", Types.integer, 2n ** 63n - 1n],
  ["float", Types.float, 3.25],
  ["float NaN", Types.float, NaN],
  ["string", Types.string, "héllo"],
  ["empty string", Types.string, ""],
  ["boolean", Types.boolean, false],
  ["datetime", Types.datetime, new Timestamp(1_700_000_000n, 123_456_789)],
  ["datetime before 1970", Types.datetime, Timestamp.parse("1969-12-31T23:59:59.5Z")],
  ["duration", Types.duration, new Duration(-3n, -250)],
  ["none", Types.none, null],
  ["file", Types.file("csv"), new FlyteFile({ uri: "s3://b/k.csv", format: "csv" })],
  ["directory", Types.directory(), new FlyteDirectory({ uri: "s3://b/dir" })],
  [
    "structured dataset",
    Types.structuredDataset({ columns: { id: Types.integer }, format: "parquet" }),
    new StructuredDataset({ uri: "s3://b/sd", columns: [{ name: "id", type: { simple: 1 } }] }),
  ],
  ["collection", Types.list(Types.list(Types.integer)), [[1n, 2n], [], [3n]]],
  ["map", Types.map(Types.string), { a: "x", "b.c": "y" }],
  ["msgpack struct", Types.struct(), { a: 1, b: [true, null, "s"], c: { d: 2.5 }, big: 2n ** 62n }],
  ["generic struct", Types.struct({ format: "generic" }), { a: 1, b: [true, null, "s"] }],
  ["enum", Types.enum(["red", "green"]), "green"],
  ["union int", Types.union(Types.integer, Types.string), 7n],
  ["union string", Types.union(Types.integer, Types.string), "7"],
  ["optional none", Types.optional(Types.float), null],
  ["optional value", Types.optional(Types.float), 1.5],
  ["map of optional", Types.map(Types.optional(Types.datetime)), { a: null }],
];

/** Decoded messages are class instances: compare their fields only. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

for (const [name, type, value] of CASES) {
  Deno.test(`toLiteral() and fromLiteral() round-trip ${name}`, async () => {
    const back = await roundTrip(value, type);
    if (value instanceof StructuredDataset) {
      assert(back instanceof StructuredDataset);
      assertEquals(plain(back), plain(value));
    } else assertEquals(back, value);
  });
}

Deno.test("toLiteral() writes literals the way flytekit does", async () => {
  assertEquals(await toLiteral(5, Types.integer), {
    scalar: { primitive: { integer: toInt64(5) } },
  });
  assertEquals(await toLiteral(null, Types.none), { scalar: { noneType: {} } });
  assertEquals(await toLiteral(new Timestamp(0n, 0), Types.datetime), {
    scalar: { primitive: { datetime: {} } },
  });
  assertEquals(await toLiteral(new FlyteFile({ uri: "s3://b/f" }), Types.file()), {
    scalar: { blob: { metadata: { type: {} }, uri: "s3://b/f" } },
  });
  assertEquals(await toLiteral(2n, Types.optional(Types.integer)), {
    scalar: {
      union: {
        value: { scalar: { primitive: { integer: toInt64(2) } } },
        type: { simple: 1, structure: { tag: "int" } },
      },
    },
  });
});

Deno.test("fromLiteral() with an empty type reads what the literal holds", async () => {
  const literal: Literal = {
    map: {
      literals: {
        n: { scalar: { primitive: { integer: toInt64(1) } } },
        xs: { collection: { literals: [{ scalar: { primitive: { floatValue: 0.5 } } }] } },
        f: { scalar: { blob: { uri: "s3://b/d", metadata: { type: { dimensionality: 1 } } } } },
        u: {
          scalar: {
            union: {
              value: { scalar: { noneType: {} } },
              type: { simple: 0, structure: { tag: "none" } },
            },
          },
        },
      },
    },
  };
  assertEquals(await fromLiteral(literal, {}), {
    n: 1n,
    xs: [0.5],
    f: new FlyteDirectory({ uri: "s3://b/d" }),
    u: null,
  });
});

Deno.test("toLiteral() with an empty type infers the literal from the value", async () => {
  const literal = await toLiteral({ a: [1n, "x"] }, {});
  assertEquals(await fromLiteral(literal, {}), { a: [1, "x"] });
  assertEquals(await toLiteral(2n, {}), { scalar: { primitive: { integer: toInt64(2) } } });
});

Deno.test("fromLiteral() reads offloaded literals through storage", async () => {
  const dir = await tempDir();
  await using _dir = removing(dir);
  const inner = await toLiteral([1n, 2n], Types.list(Types.integer));
  await Deno.writeFile(`${dir}/big_offloaded_metadata.pb`, encodeLiteral(inner));
  const offloaded: Literal = {
    offloadedMetadata: {
      uri: `file://${dir}/big_offloaded_metadata.pb`,
      sizeBytes: toInt64(10),
      inferredType: { collectionType: { simple: 1 } },
    },
  };
  const storage = createStorage();
  assertEquals(await fromLiteral(offloaded, Types.list(Types.integer), { storage }), [1n, 2n]);
  await assertRejects(
    () => fromLiteral(offloaded, Types.list(Types.integer)),
    TypeError,
    "no storage",
  );
  const missing = { offloadedMetadata: { uri: `${dir}/nope.pb` } };
  const error = await assertRejects(() => fromLiteral(missing, Types.integer, { storage }));
  assertEquals((error as UserError).code, "USER:NotFound");
});

Deno.test("literalMapToValues() converts a template interface's inputs", async () => {
  const map = decodeLiteralMap(encodeLiteralMap({
    literals: {
      limit: { scalar: { primitive: { integer: toInt64(10) } } },
      when: { scalar: { primitive: { datetime: { seconds: toInt64(60), nanos: 1000 } } } },
    },
  }));
  const variables = {
    limit: { type: { simple: flyteidl.core.SimpleType.INTEGER }, description: "limit" },
    when: { type: { simple: flyteidl.core.SimpleType.DATETIME } },
    maybe: { type: Types.optional(Types.string).literalType },
  };
  assertEquals(await literalMapToValues(map, variables), {
    limit: 10n,
    when: new Timestamp(60n, 1000),
    maybe: null,
  });
});

Deno.test("literalMapToValues() names the variable, the expected type and what was found", async () => {
  const map = { literals: { limit: { scalar: { primitive: { stringValue: "ten" } } } } };
  const error = await assertRejects(
    () => literalMapToValues(map, { limit: Types.integer }),
    UserError,
    'Cannot convert input "limit": expected INTEGER, found string_value',
  );
  assertEquals([error.code, error.origin, error.recoverable], ["USER:InvalidInput", "user", false]);
  await assertRejects(
    () => literalMapToValues({ literals: {} }, { limit: Types.integer }),
    UserError,
    'Cannot convert input "limit": no value given',
  );
  await assertRejects(
    () => literalMapToValues(map, {}),
    UserError,
    'Cannot convert input "limit": not declared in the task interface',
  );
  const nested = {
    literals: { xs: { collection: { literals: [{ scalar: { primitive: { boolean: true } } }] } } },
  };
  await assertRejects(
    () => literalMapToValues(nested, { xs: Types.list(Types.float) }),
    UserError,
    'Cannot convert input "xs[0]": expected FLOAT, found boolean',
  );
});

Deno.test("valuesToLiteralMap() writes outputs and names mismatches", async () => {
  const map = await valuesToLiteralMap({ n: 1n, s: undefined }, {
    n: Types.integer,
    s: Types.optional(Types.string),
  });
  assertEquals(
    await literalMapToValues(decodeLiteralMap(encodeLiteralMap(map)), {
      n: Types.integer,
      s: Types.optional(Types.string),
    }),
    { n: 1n, s: null },
  );
  await assertRejects(
    () => valuesToLiteralMap({ n: "1" }, { n: { type: { simple: 1 } } }),
    UserError,
    'Cannot convert output "n": expected INTEGER, found string',
  );
  await assertRejects(
    () => valuesToLiteralMap({ m: { a: 1.5 } }, { m: Types.map(Types.integer) }),
    UserError,
    'Cannot convert output "m.a": expected INTEGER, found number 1.5',
  );
  await assertRejects(
    () => valuesToLiteralMap({}, { n: Types.integer }),
    UserError,
    "no value given",
  );
  await assertRejects(() => valuesToLiteralMap({ x: 1 }, {}), UserError, "not declared");
  assertEquals(await valuesToLiteralMap({ x: undefined }, {}), { literals: {} });
});

Deno.test("fromLiteral() with a descriptor infers the value type", async () => {
  const value: bigint[] = await fromLiteral(
    { collection: { literals: [] } },
    Types.list(Types.integer),
  );
  assert(Array.isArray(value));
});
