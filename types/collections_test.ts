import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { fromLiteral, toLiteral, Types } from "./mod.ts";

Deno.test("toLiteral() takes any iterable but strings and bytes as a collection", async () => {
  const type = Types.list(Types.string);
  assertEquals(
    await fromLiteral(await toLiteral(new Set(["a", "b"]) as unknown as string[], type), type),
    ["a", "b"],
  );
  await assertRejects(
    () => toLiteral("ab" as unknown as string[], type, { name: "xs" }),
    UserError,
    'Cannot convert value "xs": expected collection of STRING, found string',
  );
  await assertRejects(
    () => fromLiteral({ map: { literals: {} } }, type, { name: "xs", role: "input" }),
    UserError,
    'Cannot convert input "xs": expected collection of STRING, found map',
  );
});

Deno.test("toLiteral() takes plain objects and Maps with string keys as a map", async () => {
  const type = Types.map(Types.integer);
  const fromMap = await toLiteral(new Map([["a", 1n]]) as unknown as Record<string, bigint>, type);
  assertEquals(await fromLiteral(fromMap, type), { a: 1n });
  await assertRejects(
    () => toLiteral(new Map([[1, 1n]]) as unknown as Record<string, bigint>, type, { name: "m" }),
    UserError,
    "expected map of INTEGER, found a Map with a number key",
  );
  await assertRejects(
    () => toLiteral(new Date() as unknown as Record<string, bigint>, type, { name: "m" }),
    UserError,
    "expected map of INTEGER, found Date",
  );
  await assertRejects(
    () => toLiteral([1n] as unknown as Record<string, bigint>, type, { name: "m" }),
    UserError,
    "found array",
  );
});

Deno.test("toLiteral() names the path to a nested value it refuses", async () => {
  const type = Types.map(Types.list(Types.integer));
  await assertRejects(
    () =>
      toLiteral({ a: [1n, "2"] } as unknown as Record<string, bigint[]>, type, {
        name: "m",
        role: "output",
      }),
    UserError,
    'Cannot convert output "m.a[1]": expected INTEGER, found string',
  );
});
