import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertRejects } from "@std/assert";
import { parquetWriteBuffer } from "hyparquet-writer";
import { UserError } from "../errors.ts";
import { StructuredDataset } from "../types/values.ts";
import { readDataset } from "./dataset.ts";

async function part(path: string, ids: number[]): Promise<void> {
  const bytes = parquetWriteBuffer({
    columnData: [
      { name: "id", data: ids.map(BigInt), type: "INT64" },
      { name: "label", data: ids.map((i) => `row ${i}`), type: "STRING" },
    ],
  });
  await Deno.writeFile(path, new Uint8Array(bytes));
}

Deno.test("readDataset() a dataset folder is read file by file in name order, up to the limit", async () => {
  const dir = await tempDir();
  await part(`${dir}/00001`, [4, 5]);
  await part(`${dir}/00000`, [1, 2, 3]);
  await Deno.writeTextFile(`${dir}/_SUCCESS`, "");
  const all = await readDataset(new StructuredDataset({ uri: dir }));
  assertEquals(all.rows.map((r) => r.id), [1n, 2n, 3n, 4n, 5n]);
  assertEquals(all.columns, ["id", "label"]);
  const some = await readDataset(new StructuredDataset({ uri: `file://${dir}/` }), { limit: 4 });
  assertEquals(some.rows.at(-1), { id: 4n, label: "row 4" });
  assertEquals(some.totalRows, 5);
  const none = await readDataset(new StructuredDataset({ uri: dir }), { limit: 0 });
  assertEquals([none.rows, none.totalRows], [[], 5]);
});

Deno.test("readDataset() an empty, non-parquet or missing dataset is a classified user error", async () => {
  const dir = await tempDir();
  const empty = await assertRejects(
    () => readDataset(new StructuredDataset({ uri: dir })),
    UserError,
  );
  assertEquals(empty.code, "USER:NotFound");
  await Deno.writeTextFile(`${dir}/00000`, "not parquet");
  const bad = await assertRejects(
    () => readDataset(new StructuredDataset({ uri: dir })),
    UserError,
  );
  assertEquals(bad.message, `Cannot read dataset file "${dir}/00000": not a parquet file`);
  const csv = await assertRejects(
    () => readDataset(new StructuredDataset({ uri: dir, format: "csv" })),
    UserError,
  );
  assertEquals(csv.code, "USER:InvalidInput");
  await assertRejects(() => readDataset(new StructuredDataset({ uri: `${dir}/nope` })), UserError);
});
