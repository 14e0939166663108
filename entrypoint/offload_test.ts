import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertMatch, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { decodeLiteral, encodeLiteral, fromInt64 } from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { offloadedFileName, offloadLiterals } from "./offload.ts";

const str = (n: number) => ({ scalar: { primitive: { stringValue: "x".repeat(n) } } });

Deno.test("offloadLiterals() literals at or above the minimum move to their own file", async () => {
  const dir = await tempDir();
  const big = str(2000);
  const size = encodeLiteral(big).length;
  const { literals, offloaded } = await offloadLiterals(
    { literals: { big, small: str(10) } },
    {
      minBytes: size,
      maxBytes: 1e6,
      outputPrefix: dir,
      types: { big: { simple: 3 } },
      storage: createStorage(),
    },
  );
  assertEquals(offloaded, [`${dir}/${offloadedFileName("big")}`]);
  assertEquals(literals.literals!.small, str(10));
  const ref = literals.literals!.big;
  assertEquals(ref.offloadedMetadata!.uri, `${dir}/big_offloaded_metadata.pb`);
  assertEquals(Number(fromInt64(ref.offloadedMetadata!.sizeBytes)), size);
  assertEquals(ref.offloadedMetadata!.inferredType, { simple: 3 });
  assertMatch(ref.hash!, /^[0-9a-f]{64}$/);
  const stored = decodeLiteral(await Deno.readFile(`${dir}/big_offloaded_metadata.pb`));
  assertEquals(stored.scalar!.primitive!.stringValue!.length, 2000);
});

Deno.test("offloadLiterals() a literal's own hash is kept", async () => {
  const dir = await tempDir();
  const { literals } = await offloadLiterals({ literals: { a: { ...str(100), hash: "h1" } } }, {
    minBytes: 0,
    maxBytes: 1e6,
    outputPrefix: dir,
    types: {},
    storage: createStorage(),
  });
  assertEquals(literals.literals!.a.hash, "h1");
});

Deno.test("offloadLiterals() at or above the maximum is USER:OutputTooLarge", async () => {
  const err = await assertRejects(
    () =>
      offloadLiterals({ literals: { a: str(100) } }, {
        minBytes: 10,
        maxBytes: 50,
        outputPrefix: "/unused",
        types: {},
        storage: createStorage(),
      }),
    UserError,
    'output "a"',
  );
  assertEquals(err.code, "USER:OutputTooLarge");
});
