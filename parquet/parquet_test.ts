import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../errors.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { writeParquetGroups } from "../_testing/parquet.ts";
import { ColumnChunkBuilder, type ParquetCodec, type ParquetColumn } from "./parquet.ts";

async function writeTable(
  columns: ParquetColumn[],
  groups: unknown[][][],
  codec: ParquetCodec = "SNAPPY",
): Promise<string> {
  // The folder goes when the test process ends.
  return (await writeParquetGroups(columns, groups, { codec, metadata: { k: "v" } })).path;
}

const ALL: ParquetColumn[] = [
  { name: "i", kind: "int64" },
  { name: "d", kind: "double" },
  { name: "s", kind: "string" },
  { name: "b", kind: "binary" },
  { name: "f", kind: "boolean" },
  { name: "t", kind: "timestamp" },
];

for (const codec of ["SNAPPY", "UNCOMPRESSED"] as const) {
  Deno.test(`ParquetAssembler() writes every kind, nulls and row groups (${codec})`, async () => {
    const rows = (g: number) =>
      Array.from({ length: 300 }, (_, k) => {
        const i = g * 300 + k;
        return [
          i % 7 === 0 ? null : BigInt(i) * 2n ** 40n,
          i % 5 === 0 ? null : i / 4,
          i % 3 === 0 ? null : `ünïcode ${i} 😀`,
          i % 4 === 0 ? null : new Uint8Array([i & 255, 0, 255]),
          i % 6 === 0 ? null : i % 2 === 0,
          i % 9 === 0 ? null : new Date(Date.UTC(2024, 0, 1) + i * 1000),
        ];
      });
    const groups = [rows(0), rows(1), rows(2)];
    const path = await writeTable(ALL, groups, codec);
    const table = await readParquet(path, "select * from t");
    assertEquals(table.columns.map((c) => c.type), [
      "BIGINT",
      "DOUBLE",
      "VARCHAR",
      "BLOB",
      "BOOLEAN",
      "TIMESTAMP WITH TIME ZONE",
    ]);
    const expected = groups.flat();
    assertEquals(table.rows.length, expected.length);
    for (let r = 0; r < expected.length; r++) {
      const got = table.rows[r];
      const want = expected[r];
      assertEquals(got[0], want[0]);
      assertEquals(got[1], want[1]);
      assertEquals(got[2], want[2]);
      assertEquals(got[3] === null ? null : new Uint8Array(got[3] as Uint8Array), want[3]);
      assertEquals(got[4], want[4]);
      assertEquals(
        (got[5] as Date | null)?.getTime() ?? null,
        (want[5] as Date | null)?.getTime() ?? null,
      );
    }
  });
}

Deno.test("ParquetAssembler() writes a valid file with no rows", async () => {
  const path = await writeTable(ALL, []);
  const table = await readParquet(path);
  assertEquals(table.rows, []);
  assertEquals(table.columns.map((c) => c.name), ["i", "d", "s", "b", "f", "t"]);
});

Deno.test("ParquetAssembler() keeps int64 values beyond 2^53 and the extremes", async () => {
  const values = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 0n, -1n];
  const path = await writeTable([{ name: "i", kind: "int64" }], [values.map((v) => [v])]);
  assertEquals((await readParquet(path)).rows.map((r) => r[0]), values);
});

Deno.test("ColumnChunkBuilder() converts lossless mixes and refuses the others", () => {
  const s = new ColumnChunkBuilder({ name: "s", kind: "string" });
  s.append(1n);
  s.append(1.5);
  s.append("x");
  assertEquals(s.finish().count, 3);
  const i = new ColumnChunkBuilder({ name: "i", kind: "int64" });
  i.append(1n);
  const err = assertThrows(() => i.append(1.5), UserError);
  assertEquals(err.code, "USER:MixedTypes");
  assertEquals(
    err.message,
    'Cannot write column "i": row 2 holds a REAL value in a column of int64 values; cast the column in the query (for example CAST(x AS TEXT))',
  );
  assertThrows(
    () => new ColumnChunkBuilder({ name: "s", kind: "string" }).append(new Uint8Array(1)),
    UserError,
  );
});

Deno.test("ParquetAssembler() files read in hyparquet too (a second independent reader)", async () => {
  const { parquetMetadata, parquetReadObjects } = await import("hyparquet");
  const columns: ParquetColumn[] = [
    { name: "i", kind: "int64" },
    { name: "s", kind: "string" },
    { name: "d", kind: "date" },
    { name: "t", kind: "timestamp" },
  ];
  const path = await writeTable(columns, [[
    [1n, "a", new Date(Date.UTC(2024, 0, 2)), new Date(1000)],
    [null, null, null, null],
  ]]);
  const buffer = (await Deno.readFile(path)).buffer;
  const meta = parquetMetadata(buffer);
  assertEquals(meta.key_value_metadata, [{ key: "k", value: "v" }]);
  assertEquals(meta.schema.slice(1).map((s) => s.logical_type?.type), [
    undefined,
    "STRING",
    "DATE",
    "TIMESTAMP",
  ]);
  const rows = await parquetReadObjects({ file: buffer });
  assertEquals(rows[0].i, 1n);
  assertEquals(rows[0].s, "a");
  assertEquals((rows[0].t as Date).getTime(), 1000);
  assertEquals(rows[1], { i: null, s: null, d: null, t: null });
});

Deno.test("ParquetAssembler() writes times and naive timestamps to the microsecond", async () => {
  const columns: ParquetColumn[] = [
    { name: "tm", kind: "time" },
    { name: "ts", kind: "timestamp_ntz" },
  ];
  const path = await writeTable(columns, [[
    [86_399_999_999n, -62_135_596_799_999_999n],
    [0n, 253_402_300_800_000_001n],
    [null, null],
  ]]);
  const table = await readParquet(
    path,
    "select typeof(tm), tm::varchar, typeof(ts), epoch_us(ts) from t",
  );
  assertEquals(table.rows, [
    ["TIME", "23:59:59.999999", "TIMESTAMP", -62_135_596_799_999_999n],
    ["TIME", "00:00:00", "TIMESTAMP", 253_402_300_800_000_001n],
    ["TIME", null, "TIMESTAMP", null],
  ]);
  const { parquetMetadata } = await import("hyparquet");
  const meta = parquetMetadata((await Deno.readFile(path)).buffer);
  assertEquals(meta.schema.slice(1).map((s) => s.logical_type), [
    { type: "TIME", isAdjustedToUTC: false, unit: "MICROS" },
    { type: "TIMESTAMP", isAdjustedToUTC: false, unit: "MICROS" },
  ]);
  assertThrows(() => new ColumnChunkBuilder(columns[0]).append(new Date(0)), UserError);
  await Deno.remove(path.slice(0, -"/00000".length), { recursive: true });
});
