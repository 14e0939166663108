import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../../errors.ts";
import type { TaskTemplate } from "../../idl/mod.ts";
import { Types } from "../../types/mod.ts";
import { datasetOutputOf } from "./output.ts";

function withOutputs(outputs: Record<string, { type: unknown }>): TaskTemplate {
  return { interface: { outputs: { variables: outputs } } } as TaskTemplate;
}

Deno.test("datasetOutputOf() returns the one dataset or schema output, or none", () => {
  assertEquals(datasetOutputOf({}, "SQL"), undefined);
  const schema = withOutputs({ results: { type: { schema: {} } } });
  assertEquals(datasetOutputOf(schema, "SQL"), { name: "results", type: { schema: {} } });
  const sd = Types.structuredDataset({ columns: { id: Types.integer } }).literalType;
  assertEquals(datasetOutputOf(withOutputs({ rows: { type: sd } }), "SQL")?.name, "rows");
});

Deno.test("datasetOutputOf() refuses several outputs and non-dataset outputs as USER:InvalidConfig", () => {
  const two = withOutputs({ a: { type: { schema: {} } }, b: { type: { schema: {} } } });
  const e1 = assertThrows(
    () => datasetOutputOf(two, "SQL"),
    UserError,
    'declares 2 outputs ("a", "b")',
  );
  assertEquals(e1.code, "USER:InvalidConfig");
  const int = withOutputs({ n: { type: Types.integer.literalType } });
  const e2 = assertThrows(() => datasetOutputOf(int, "SQLite3"), UserError, 'output "n" must be');
  assertEquals(e2.code, "USER:InvalidConfig");
});
