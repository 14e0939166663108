import { tempDir } from "../../_testing/temp.ts";
import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { SystemError, UserError } from "../../errors.ts";
import { readParquet } from "../../tests/_duckdb.ts";
import { DatasetWriter } from "./dataset_writer.ts";

async function write(
  rows: unknown[][],
  options: {
    rowGroupRows?: number;
    worker?: boolean;
    columns?: { name: string; declaredType?: string }[];
  } = {},
) {
  const path = `${await tempDir()}/00000`;
  const writer = new DatasetWriter({
    path,
    columns: options.columns ?? [{ name: "id" }, { name: "v" }],
    rowGroupRows: options.rowGroupRows ?? 100,
    worker: options.worker,
  });
  for (const row of rows) if (writer.push(row)) await writer.flush();
  return { path, result: await writer.close() };
}

for (const worker of [true, false]) {
  Deno.test(`DatasetWriter streams row groups (worker: ${worker})`, async () => {
    const rows = Array.from({ length: 1050 }, (_, i) => [BigInt(i), i % 10 ? `v${i}` : null]);
    const { path, result } = await write(rows, { worker });
    assertEquals(result.rows, 1050);
    const table = await readParquet(path, "select * from t order by id");
    assertEquals(table.rows, rows);
    const groups = await readParquet(path, "select 1");
    assertEquals(groups.rows.length, 1);
  });
}

Deno.test("DatasetWriter types columns from the first row group", async () => {
  const rows = [[1n, 1n], [2n, 2.5], [3n, null]];
  const { result } = await write(rows, {
    columns: [{ name: "a" }, { name: "b" }],
  });
  assertEquals(result.columns, [{ name: "a", kind: "int64" }, { name: "b", kind: "double" }]);
});

Deno.test("DatasetWriter refuses a later value that its column cannot hold", async () => {
  const rows = [...Array.from({ length: 100 }, (_, i) => [BigInt(i), 1n]), [100n, "text"]];
  await assertRejects(
    () => write(rows, { worker: false }),
    UserError,
    "row 101 holds a TEXT value",
  );
});

Deno.test("DatasetWriter writes declared columns for an empty result", async () => {
  const { path, result } = await write([], {
    columns: [{ name: "a", declaredType: "INTEGER" }, { name: "b", declaredType: "BLOB" }],
  });
  assertEquals(result.rows, 0);
  const table = await readParquet(path);
  assertEquals(table.columns, [{ name: "a", type: "BIGINT" }, { name: "b", type: "BLOB" }]);
});

Deno.test("DatasetWriter refuses duplicate column names", () => {
  const err = assertThrows(
    () => new DatasetWriter({ path: "/nonexistent/x", columns: [{ name: "a" }, { name: "a" }] }),
    UserError,
  );
  assertEquals(err.code, "USER:DuplicateColumn");
});

Deno.test("DatasetWriter stops at the next row group when aborted", async () => {
  const controller = new AbortController();
  const path = `${await tempDir()}/00000`;
  const writer = new DatasetWriter({
    path,
    columns: [{ name: "a" }],
    rowGroupRows: 10,
    signal: controller.signal,
  });
  for (let i = 0; i < 10; i++) writer.push([BigInt(i)]);
  await writer.flush();
  controller.abort();
  for (let i = 0; i < 10; i++) writer.push([BigInt(i)]);
  const err = await assertRejects(() => writer.flush(), SystemError);
  assertEquals(err.code, "SYSTEM:Aborted");
});
