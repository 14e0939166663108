import { removing, tempDir } from "../_testing/temp.ts";
import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { SystemError, UserError } from "../errors.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { DatasetWriter } from "./dataset_writer.ts";

async function write(
  rows: unknown[][],
  options: {
    rowGroupRows?: number;
    worker?: boolean;
    columns?: { name: string; declaredType?: string }[];
    /** Flush with `flushSync` (as from inside a running statement). */
    sync?: boolean;
  } = {},
) {
  const path = `${await tempDir()}/00000`;
  const writer = new DatasetWriter({
    path,
    columns: options.columns ?? [{ name: "id" }, { name: "v" }],
    rowGroupRows: options.rowGroupRows ?? 100,
    worker: options.worker,
  });
  if (options.sync) {
    for (const row of rows) if (writer.push(row)) writer.flushSync();
  } else {
    for (const row of rows) if (writer.push(row)) await writer.flush();
  }
  return { path, result: await writer.close() };
}

for (const [worker, sync] of [[true, false], [false, false], [true, true], [false, true]]) {
  Deno.test(`DatasetWriter() streams row groups (worker: ${worker}, sync: ${sync})`, async () => {
    const rows = Array.from({ length: 1050 }, (_, i) => [BigInt(i), i % 10 ? `v${i}` : null]);
    const { path, result } = await write(rows, { worker, sync });
    assertEquals(result.rows, 1050);
    const table = await readParquet(path, "select * from t order by id");
    assertEquals(table.rows, rows);
    const groups = await readParquet(path, "select 1");
    assertEquals(groups.rows.length, 1);
  });
}

Deno.test("DatasetWriter() types columns from the first row group", async () => {
  const rows = [[1n, 1n], [2n, 2.5], [3n, null]];
  const { result } = await write(rows, {
    columns: [{ name: "a" }, { name: "b" }],
  });
  assertEquals(result.columns, [{ name: "a", kind: "int64" }, { name: "b", kind: "double" }]);
});

Deno.test("DatasetWriter() refuses a later value that its column cannot hold", async () => {
  const rows = [...Array.from({ length: 100 }, (_, i) => [BigInt(i), 1n]), [100n, "text"]];
  await assertRejects(
    () => write(rows, { worker: false }),
    UserError,
    "row 101 holds a TEXT value",
  );
});

Deno.test("DatasetWriter() writes declared columns for an empty result", async () => {
  const { path, result } = await write([], {
    columns: [{ name: "a", declaredType: "INTEGER" }, { name: "b", declaredType: "BLOB" }],
  });
  assertEquals(result.rows, 0);
  const table = await readParquet(path);
  assertEquals(table.columns, [{ name: "a", type: "BIGINT" }, { name: "b", type: "BLOB" }]);
});

Deno.test("DatasetWriter() refuses duplicate column names", () => {
  const err = assertThrows(
    () => new DatasetWriter({ path: "/nonexistent/x", columns: [{ name: "a" }, { name: "a" }] }),
    UserError,
  );
  assertEquals(err.code, "USER:DuplicateColumn");
});

Deno.test("DatasetWriter() stops at the next row group when aborted", async () => {
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

for (const [worker, sync] of [[true, false], [false, false], [true, true]]) {
  Deno.test(`DatasetWriter() builds large row groups from slices, with statistics (worker: ${worker}, sync: ${sync})`, async () => {
    // 150,000 rows, 100,000 per group: group 1 is two slices (65,536 + 34,464 rows).
    const rows = Array.from(
      { length: 150_000 },
      (_, i) => [BigInt(i), i % 7 === 0 ? null : `label-${i % 50}`],
    );
    const { path, result } = await write(rows, { worker, sync, rowGroupRows: 100_000 });
    try {
      assertEquals(result.rows, 150_000);
      const meta = await readParquet(
        path,
        "select row_group_id, row_group_num_rows, stats_min_value, stats_max_value, " +
          `stats_null_count, encodings from parquet_metadata('${path}') ` +
          "order by row_group_id, column_id",
      );
      assertEquals(meta.rows.map((r) => r.slice(0, 5)), [
        [0n, 100_000n, "0", "99999", 0n],
        [0n, 100_000n, "label-0", "label-9", 14_286n],
        [1n, 50_000n, "100000", "149999", 0n],
        [1n, 50_000n, "label-0", "label-9", 7_143n],
      ]);
      assertEquals(String(meta.rows[1][5]).includes("RLE_DICTIONARY"), true);
      const table = await readParquet(path, "select count(*), sum(id), count(v) from t");
      assertEquals(table.rows, [[150_000n, 149_999n * 150_000n / 2n, 150_000n - 21_429n]]);
    } finally {
      await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    }
  });
}

for (const sync of [false, true]) {
  Deno.test(`DatasetWriter() reports the worker's failure as SYSTEM:ParquetWriteError (sync: ${sync})`, async () => {
    const dir = await tempDir();
    const writer = new DatasetWriter({
      path: `${dir}/missing/00000`, // the worker cannot open it
      columns: [{ name: "id", kind: "int64" }],
      rowGroupRows: 100,
    });
    const err = await assertRejects(async () => {
      for (let i = 0n; i < 1000n; i++) {
        if (!writer.push([i])) continue;
        if (sync) writer.flushSync();
        else await writer.flush();
      }
      await writer.close();
    }, SystemError);
    writer.abort();
    assertEquals(err.code, "SYSTEM:ParquetWriteError");
    assertStringIncludes(err.message, "Cannot write parquet file: No such file or directory");
  });
}

Deno.test("DatasetWriter.flushSync() asks for ready() first with zstd", async () => {
  const dir = await tempDir();
  const writer = new DatasetWriter({
    path: `${dir}/00000`,
    columns: [{ name: "id", kind: "int64" }],
    codec: "ZSTD",
    rowGroupRows: 10,
  });
  for (let i = 0n; i < 10n; i++) writer.push([i]);
  assertThrows(() => writer.flushSync(), TypeError, "await ready() first");
  await writer.ready();
  writer.flushSync();
  for (let i = 10n; i < 25n; i++) if (writer.push([i])) writer.flushSync();
  assertEquals((await writer.close()).rows, 25);
  const meta = await readParquet(
    `${dir}/00000`,
    `select distinct compression from parquet_metadata('${dir}/00000')`,
  );
  assertEquals(meta.rows, [["ZSTD"]]);
});

Deno.test("DatasetWriter() ends slices and row groups early for wide rows (bytes)", async () => {
  const dir = await Deno.makeTempDir();
  await using _dir = removing(dir);
  const path = `${dir}/00000`;
  const writer = new DatasetWriter({
    path,
    columns: [{ name: "id" }, { name: "big" }],
    rowGroupBytes: 4 * 1024 * 1024,
    worker: false,
  });
  const big = "x".repeat(200_000);
  for (let i = 0; i < 100; i++) if (writer.push([BigInt(i), big + i])) await writer.flush();
  await writer.close();
  const groups = await readParquet(
    path,
    `select row_group_id, row_group_num_rows from parquet_metadata('${path}') ` +
      "where column_id = 0 order by row_group_id",
  );
  // While kinds are being decided every row counts (21 rows pass 4 MiB); then the size check
  // runs every 64 rows, and 64 rows of 200 KB pass both the slice and the group limits.
  assertEquals(groups.rows, [[0n, 21n], [1n, 64n], [2n, 15n]]);
  const table = await readParquet(path, "select count(*), max(length(big)) from t");
  assertEquals(table.rows, [[100n, 200_002n]]);
});
