import { removing } from "../_testing/temp.ts";
import { assertEquals } from "@std/assert";
import { readParquet } from "../_testing/duckdb.ts";
import { writeParquetGroups } from "../_testing/parquet.ts";
import { ColumnChunkBuilder, ParquetAssembler, type ParquetColumn } from "./parquet.ts";
import { loadZstd } from "./_zstd.ts";

interface ChunkMetadata {
  row_group_id: bigint;
  path_in_schema: string;
  encodings: string;
  stats_min_value: string | null;
  stats_max_value: string | null;
  stats_null_count: bigint | null;
  dictionary_page_offset: bigint | null;
}

/** DuckDB's `parquet_metadata()` of a file: one row per column chunk. */
async function chunkMetadata(path: string): Promise<ChunkMetadata[]> {
  const table = await readParquet(
    path,
    "select row_group_id, path_in_schema, encodings, stats_min_value, stats_max_value, " +
      `stats_null_count, dictionary_page_offset from parquet_metadata('${path}') ` +
      "order by row_group_id, column_id",
  );
  const names = table.columns.map((c) => c.name);
  return table.rows.map((r) =>
    Object.fromEntries(names.map((n, i) => [n, r[i]])) as unknown as ChunkMetadata
  );
}

const EVENTS: ParquetColumn[] = [
  { name: "id", kind: "int64" },
  { name: "amount", kind: "double" },
  { name: "label", kind: "string" },
  { name: "flag", kind: "boolean" },
  { name: "at", kind: "timestamp" },
  { name: "day", kind: "date" },
  { name: "blob", kind: "binary" },
];

function events(from: number, to: number): unknown[][] {
  const rows: unknown[][] = [];
  for (let i = from; i < to; i++) {
    rows.push([
      BigInt(i) - 500n,
      i % 11 === 0 ? null : (i % 7) - 3.5,
      i % 13 === 0 ? null : `label-${i % 5}`,
      i % 3 === 0,
      new Date(Date.UTC(2024, 0, 1) + i * 1000),
      19000 + (i % 30),
      i % 17 === 0 ? null : new Uint8Array([i & 0xff, 1]),
    ]);
  }
  return rows;
}

Deno.test("ColumnChunkBuilder() writes statistics and dictionaries that DuckDB reads", async () => {
  await using file = await writeParquetGroups(EVENTS, [events(0, 1500), events(1500, 3000)]);
  const meta = await chunkMetadata(file.path);
  assertEquals(meta.length, 14);
  const first = Object.fromEntries(meta.slice(0, 7).map((m) => [m.path_in_schema, m]));
  assertEquals([first.id.stats_min_value, first.id.stats_max_value], ["-500", "999"]);
  assertEquals([first.amount.stats_min_value, first.amount.stats_max_value], ["-3.5", "2.5"]);
  assertEquals(first.amount.stats_null_count, 137n); // i % 11 === 0 for i < 1500
  assertEquals([first.label.stats_min_value, first.label.stats_max_value], ["label-0", "label-4"]);
  assertEquals(first.label.stats_null_count, 116n);
  assertEquals([first.flag.stats_min_value, first.flag.stats_max_value], ["false", "true"]);
  assertEquals(first.day.stats_min_value, "2022-01-08");
  assertEquals(first.at.stats_min_value?.startsWith("2024-01-01 00:00:00"), true);
  // Unique ids are PLAIN; repetitive columns have a dictionary.
  assertEquals(first.id.dictionary_page_offset, null);
  assertEquals(first.id.encodings.includes("DICTIONARY"), false);
  for (const name of ["amount", "label", "day", "blob"]) {
    assertEquals(first[name].encodings.includes("RLE_DICTIONARY"), true, name);
    assertEquals(typeof first[name].dictionary_page_offset, "bigint", name);
  }
  const second = meta.find((m) => m.row_group_id === 1n && m.path_in_schema === "id")!;
  assertEquals([second.stats_min_value, second.stats_max_value], ["1000", "2499"]);
  const table = await readParquet(file.path);
  assertEquals(table.rows.length, 3000);
  assertEquals(table.rows[13][2], null);
  assertEquals(table.rows[14][2], "label-4");
  assertEquals(new Uint8Array(table.rows[2999][6] as Uint8Array), new Uint8Array([2999 & 0xff, 1]));
});

Deno.test("ColumnChunkBuilder() orders text statistics by UTF-8 bytes and cuts long values as parquet writers do", async () => {
  const long = "b".repeat(100);
  // 4-byte characters, then "x" and 2-byte "é"s: byte 64 falls inside an "é".
  const top = "\u{10ffff}".repeat(15) + "x" + "é".repeat(40);
  const columns: ParquetColumn[] = [
    { name: "s", kind: "string" },
    { name: "t", kind: "string" },
    { name: "b", kind: "binary" },
  ];
  await using file = await writeParquetGroups(columns, [[
    [long, "\u{ff61}", new Uint8Array(70).fill(0xff)],
    ["a" + long, "\u{10000}", new Uint8Array(70).fill(0x01)],
    [top, null, null],
  ]], { dictionaryBytes: 0 });
  const { parquetMetadata } = await import("hyparquet");
  const stats = parquetMetadata(file.bytes.buffer as ArrayBuffer).row_groups[0].columns.map((c) =>
    c.meta_data!.statistics!
  );
  // min: a prefix of at most 64 bytes, inexact; max: a cut prefix with its last character
  // incremented ("é" + 1 = "ê"), so that it stays above every value.
  assertEquals(stats[0].min_value, "a" + "b".repeat(63));
  assertEquals(stats[0].is_min_value_exact, false);
  assertEquals(stats[0].max_value, "\u{10ffff}".repeat(15) + "xê");
  assertEquals(stats[0].is_max_value_exact, false);
  // "\u{10000}" sorts after "\u{ff61}" in UTF-8 (not in UTF-16).
  assertEquals([stats[1].min_value, stats[1].max_value], ["\u{ff61}", "\u{10000}"]);
  assertEquals(stats[1].null_count, 1n);
  // Binary: the max is all 0xff bytes, which no increment can bound: left out.
  assertEquals(stats[2].min_value, "\x01".repeat(64)); // hyparquet shows bytes as text
  assertEquals(stats[2].max_value, undefined);
  assertEquals(stats[2].null_count, 1n);
});

Deno.test("ColumnChunkBuilder() leaves NaN out of double statistics and writes zeros as -0.0 and +0.0", async () => {
  const { parquetMetadata } = await import("hyparquet");
  const columns: ParquetColumn[] = [{ name: "d", kind: "double" }, { name: "n", kind: "double" }];
  await using file = await writeParquetGroups(columns, [[[NaN, NaN], [0, NaN], [-0, null]]]);
  const stats = parquetMetadata(file.bytes.buffer as ArrayBuffer).row_groups[0].columns.map((c) =>
    c.meta_data!.statistics!
  );
  assertEquals(Object.is(stats[0].min_value, -0), true);
  assertEquals(Object.is(stats[0].max_value, 0), true);
  assertEquals([stats[1].min_value, stats[1].max_value, stats[1].null_count], [
    undefined,
    undefined,
    1n,
  ]);
  const rows = (await readParquet(file.path)).rows;
  assertEquals(rows.map((r) => Object.is(r[0], -0)), [false, false, true]);
  assertEquals(Number.isNaN(rows[0][0]), true);
});

Deno.test("ColumnChunkBuilder() falls back from a dictionary to PLAIN past the size limit, and splits the chunk into pages", async () => {
  const columns: ParquetColumn[] = [{ name: "s", kind: "string" }, { name: "i", kind: "int64" }];
  const rows = Array.from(
    { length: 20_000 },
    (_, i) => [i % 5 === 0 ? null : `value ${i % 3000}`, i % 7 === 0 ? null : BigInt(i % 40)],
  );
  for (const dictionaryBytes of [1 << 20, 1000]) {
    await using file = await writeParquetGroups(columns, [rows], {
      dictionaryBytes,
      pageBytes: 4096,
    });
    const meta = await chunkMetadata(file.path);
    assertEquals(meta[0].encodings.includes("DICTIONARY"), dictionaryBytes > 1000);
    assertEquals(meta[1].encodings.includes("DICTIONARY"), true); // 40 values: 320 bytes
    const { parquetReadObjects } = await import("hyparquet");
    const hy = await parquetReadObjects({ file: file.bytes.buffer as ArrayBuffer });
    const duck = (await readParquet(file.path)).rows;
    assertEquals(hy.map((r) => [r.s, r.i]), rows);
    assertEquals(duck, rows);
  }
});

Deno.test("ColumnChunkBuilder() mixes RLE runs and bit-packed groups in dictionary indices that read back", async () => {
  const columns: ParquetColumn[] = [{ name: "i", kind: "int64" }];
  const values: (bigint | null)[] = [];
  let seed = 7;
  for (let run = 0; run < 400; run++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const v = BigInt(seed % 300);
    const length = seed % 3 === 0 ? 1 + (seed % 30) : 1;
    for (let k = 0; k < length; k++) values.push(seed % 11 === 0 ? null : v);
  }
  await using file = await writeParquetGroups(columns, [values.map((v) => [v])], { pageBytes: 64 });
  assertEquals((await chunkMetadata(file.path))[0].encodings.includes("RLE_DICTIONARY"), true);
  assertEquals((await readParquet(file.path)).rows.map((r) => r[0]), values);
});

Deno.test("ParquetAssembler() writes zstd pages that DuckDB and hyparquet read back", async () => {
  await using file = await writeParquetGroups(EVENTS, [events(0, 3000)], {
    codec: "ZSTD",
    zstd: await loadZstd(),
  });
  const table = await readParquet(file.path, "select count(*), sum(id), count(label) from t");
  assertEquals(table.rows, [[3000n, 3000n * 2999n / 2n - 1_500_000n, 2769n]]);
  const meta = await readParquet(
    file.path,
    `select distinct compression from parquet_metadata('${file.path}')`,
  );
  assertEquals(meta.rows, [["ZSTD"]]);
});

Deno.test("ParquetAssembler() writes statistics DuckDB skips row groups by (other groups' pages are never read)", async () => {
  const columns: ParquetColumn[] = [{ name: "id", kind: "int64" }, { name: "s", kind: "string" }];
  const group = (g: number) =>
    Array.from({ length: 1000 }, (_, k) => [BigInt(g * 1000 + k), `row ${g * 1000 + k}`]);
  await using file = await writeParquetGroups(columns, [group(0), group(1), group(2)], {
    dictionaryBytes: 0,
  });
  const meta = await readParquet(
    file.path,
    "select row_group_id, data_page_offset, total_compressed_size " +
      `from parquet_metadata('${file.path}') order by row_group_id, column_id`,
  );
  // Overwrite the pages of row groups 0 and 1 with garbage: only a reader that skips them by
  // their statistics can still answer a query on ids of row group 2.
  const bytes = file.bytes.slice();
  for (const [group, offset, size] of meta.rows as [bigint, bigint, bigint][]) {
    if (group < 2n) bytes.fill(0xee, Number(offset), Number(offset + size));
  }
  await Deno.writeFile(file.path, bytes);
  const hit = await readParquet(file.path, "select count(*), min(s) from t where id >= 2500");
  assertEquals(hit.rows, [[500n, "row 2500"]]);
  let failed = false;
  try {
    await readParquet(file.path, "select count(*) from t where id >= 500");
  } catch {
    failed = true; // the garbled group 0 must be read for this one
  }
  assertEquals(failed, true);
});

Deno.test("ColumnChunkBuilder() goes on in PLAIN pages when a chunk outgrows its dictionary, and reads back", async () => {
  const columns: ParquetColumn[] = [{ name: "s", kind: "string" }];
  const builder = new ColumnChunkBuilder(columns[0]);
  const assembler = new ParquetAssembler(columns, { dictionaryBytes: 4096 });
  const parts: Uint8Array<ArrayBuffer>[] = [assembler.header() as Uint8Array<ArrayBuffer>];
  const keep = (b: Uint8Array) => parts.push(b.slice() as Uint8Array<ArrayBuffer>);
  const expected: (string | null)[] = [];
  // Slice 1: 10 distinct values (dictionary); slice 2: 2,000 distinct values (past 4 KiB).
  for (const [rows, distinct] of [[3000, 10], [3000, 2000], [100, 5]]) {
    for (let i = 0; i < rows; i++) {
      const v = i % 9 === 0 ? null : `v${(i * 7) % distinct}`;
      builder.append(v);
      expected.push(v);
    }
    assembler.add([builder.finish()]);
  }
  assembler.endRowGroup(keep);
  parts.push(assembler.footer() as Uint8Array<ArrayBuffer>);
  const dir = await Deno.makeTempDir();
  await using _dir = removing(dir);
  const path = `${dir}/00000`;
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  await Deno.writeFile(path, bytes);
  const meta = await chunkMetadata(path);
  assertEquals(meta.length, 1);
  assertEquals(meta[0].encodings.includes("RLE_DICTIONARY"), true);
  assertEquals(meta[0].encodings.includes("PLAIN"), true);
  assertEquals((await readParquet(path)).rows.map((r) => r[0]), expected);
  const { parquetReadObjects } = await import("hyparquet");
  const hy = await parquetReadObjects({ file: bytes.buffer as ArrayBuffer });
  assertEquals(hy.map((r) => r.s), expected);
});

Deno.test("ColumnChunkBuilder() writes a small chunk as PLAIN, with the same statistics, and reads back", async () => {
  const rows = events(0, 10);
  await using file = await writeParquetGroups(EVENTS, [rows]);
  const meta = await chunkMetadata(file.path);
  for (const m of meta) {
    assertEquals(m.dictionary_page_offset, null, m.path_in_schema);
    assertEquals(m.encodings.includes("DICTIONARY"), false, m.path_in_schema);
  }
  const label = meta.find((m) => m.path_in_schema === "label")!;
  assertEquals([label.stats_min_value, label.stats_max_value], ["label-0", "label-4"]);
  assertEquals(meta[0].stats_min_value, "-500");
  assertEquals(meta[1].stats_null_count, 1n);
  assertEquals((await readParquet(file.path)).rows.length, 10);
});
