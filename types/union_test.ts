import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { type Literal, toInt64 } from "../idl/mod.ts";
import { fromLiteral, toLiteral, Types } from "./mod.ts";
import { FlyteFile } from "./values.ts";

const opts = { name: "u", role: "input" as const };
const int = (n: number): Literal => ({ scalar: { primitive: { integer: toInt64(n) } } });

function variantOf(literal: Literal): unknown {
  return literal.scalar?.union?.type;
}

Deno.test("toLiteral() picks a union's variant by the value, exact kinds before lenient ones", async () => {
  const intOrFloat = Types.union(Types.integer, Types.float);
  assertEquals(variantOf(await toLiteral(3n, intOrFloat)), {
    simple: 1,
    structure: { tag: "int" },
  });
  assertEquals(variantOf(await toLiteral(3, intOrFloat)), {
    simple: 2,
    structure: { tag: "float" },
  });
  assertEquals(variantOf(await toLiteral(3, Types.optional(Types.integer))), {
    simple: 1,
    structure: { tag: "int" },
  });
  const strOrDate = Types.union(Types.datetime, Types.string);
  assertEquals(variantOf(await toLiteral("2024-01-01", strOrDate)), {
    simple: 3,
    structure: { tag: "str" },
  });
  const fileOrNone = Types.optional(Types.file("csv"));
  assertEquals(variantOf(await toLiteral(null, fileOrNone)), {
    simple: 0,
    structure: { tag: "none" },
  });
  assertEquals(variantOf(await toLiteral(new FlyteFile({ uri: "s3://b/k" }), fileOrNone)), {
    blob: { format: "csv" },
    structure: { tag: "FlyteFilePath" },
  });
  await assertRejects(
    () => toLiteral(true as unknown as bigint, intOrFloat, opts),
    UserError,
    'Cannot convert input "u": expected union of INTEGER | FLOAT, found boolean true',
  );
});

Deno.test("fromLiteral() follows the stored variant's tag, then the whole type when tags repeat", async () => {
  const lists = Types.union(Types.list(Types.integer), Types.list(Types.string));
  const written = await toLiteral(["a"], lists);
  assertEquals(variantOf(written), {
    collectionType: { simple: 3 },
    structure: { tag: "Typed List" },
  });
  assertEquals(await fromLiteral(written, lists), ["a"]);
  const stored: Literal = {
    scalar: { union: { value: int(5), type: { simple: 2, structure: { tag: "float" } } } },
  };
  assertEquals(await fromLiteral(stored, Types.union(Types.integer, Types.float)), 5);
});

Deno.test("fromLiteral() reads a plain literal for a union as the first variant that fits", async () => {
  assertEquals(await fromLiteral(int(3), Types.optional(Types.float)), 3);
  assertEquals(await fromLiteral(int(3), Types.union(Types.float, Types.integer)), 3n);
  assertEquals(await fromLiteral({ scalar: { noneType: {} } }, Types.optional(Types.string)), null);
  const unknownVariant: Literal = {
    scalar: { union: { value: int(1), type: { simple: 1, structure: { tag: "custom" } } } },
  };
  assertEquals(await fromLiteral(unknownVariant, Types.optional(Types.integer)), 1n);
  await assertRejects(
    () =>
      fromLiteral(
        { scalar: { primitive: { boolean: true } } },
        Types.optional(Types.integer),
        opts,
      ),
    UserError,
    'Cannot convert input "u": expected union of INTEGER | NONE, found boolean',
  );
});

Deno.test("fromLiteral() unwraps a union literal when the declared type is not a union", async () => {
  const literal = await toLiteral(7n, Types.optional(Types.integer));
  assertEquals(await fromLiteral(literal, Types.integer), 7n);
});

Deno.test("toLiteral() and fromLiteral() accept only the declared values of an enum", async () => {
  const color = Types.enum(["red", "green"]);
  assertEquals(await toLiteral("red", color), { scalar: { primitive: { stringValue: "red" } } });
  assertEquals(
    await fromLiteral({ scalar: { primitive: { stringValue: "green" } } }, color),
    "green",
  );
  await assertRejects(
    () => fromLiteral({ scalar: { primitive: { stringValue: "blue" } } }, color, opts),
    UserError,
    'Cannot convert input "u": expected enum [red, green], found string_value "blue"',
  );
  await assertRejects(() => toLiteral("blue" as "red", color, opts), UserError, 'found "blue"');
  await assertRejects(() => fromLiteral(int(1), color, opts), UserError, "found integer");
});
