import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { encodeLiteral } from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { selectArrayElement } from "./array.ts";

const s = (v: string) => ({ scalar: { primitive: { stringValue: v } } });
const STRING = { simple: 3 };
const variables = {
  xs: { type: { collectionType: STRING } },
  bound: { type: STRING },
};

Deno.test("selectArrayElement() selects the element and narrows the type; bound inputs pass", async () => {
  const { inputs, variables: narrowed } = await selectArrayElement(
    { literals: { xs: { collection: { literals: [s("a"), s("b")] } }, bound: s("k") } },
    variables,
    { index: 1, storage: createStorage() },
  );
  assertEquals(inputs.literals, { xs: s("b"), bound: s("k") });
  assertEquals(narrowed.xs.type, STRING);
  assertEquals(narrowed.bound.type, STRING);
});

Deno.test("selectArrayElement() reads an offloaded collection", async () => {
  const dir = await tempDir();
  await Deno.writeFile(
    `${dir}/xs.pb`,
    encodeLiteral({ collection: { literals: [s("a"), s("b")] } }),
  );
  const { inputs } = await selectArrayElement(
    { literals: { xs: { offloadedMetadata: { uri: `${dir}/xs.pb` } } } },
    variables,
    { index: 0, storage: createStorage() },
  );
  assertEquals(encodeLiteral(inputs.literals!.xs), encodeLiteral(s("a")));
});

Deno.test("selectArrayElement() out of range or not a collection is USER:InvalidInput", async () => {
  for (const xs of [{ collection: { literals: [s("a")] } }, s("a")]) {
    const err = await assertRejects(
      () =>
        selectArrayElement({ literals: { xs } }, variables, { index: 1, storage: createStorage() }),
      UserError,
    );
    assertEquals(err.code, "USER:InvalidInput");
  }
});
