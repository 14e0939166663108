// pyarrow as a third independent reader of the parquet files (the reader of flytekit's tasks
// downstream). It runs where a Python with pyarrow is found: `FLYTESHIM_PYARROW_PYTHON`, else
// `python3`; elsewhere it is reported as ignored. A throwaway virtual environment gives one:
// `python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyarrow`.
import { removing } from "../_testing/temp.ts";
import { assertEquals } from "@std/assert";
import { DatasetWriter } from "../parquet/mod.ts";

const python = Deno.env.get("FLYTESHIM_PYARROW_PYTHON") ?? "python3";
const hasPyarrow = await new Deno.Command(python, { args: ["-c", "import pyarrow"] }).output()
  .then((o) => o.success, () => false);

const READ = `
import json, math, sys
import pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
t = f.read()
def plain(v):
    if isinstance(v, float) and math.isnan(v): return "NaN"
    if isinstance(v, bytes): return list(v)
    if hasattr(v, "isoformat"): return v.isoformat()
    return v
stats = []
md = f.metadata
for g in range(md.num_row_groups):
    for j in range(md.num_columns):
        s = md.row_group(g).column(j).statistics
        stats.append([g, j, s.null_count, plain(s.min) if s.has_min_max else None,
                      plain(s.max) if s.has_min_max else None])
print(json.dumps({
    "types": [str(field.type) for field in t.schema],
    "rows": [[plain(v) for v in row.values()] for row in t.to_pylist()],
    "stats": stats,
}))
`;

Deno.test({
  name: "parquet: pyarrow reads every kind back exactly, with the statistics",
  ignore: !hasPyarrow,
  async fn() {
    const dir = await Deno.makeTempDir();
    await using _dir = removing(dir);
    const path = `${dir}/00000`;
    const kinds = [
      "int64",
      "double",
      "string",
      "binary",
      "boolean",
      "timestamp",
      "date",
    ] as const;
    const writer = new DatasetWriter({
      path,
      columns: kinds.map((kind) => ({ name: kind, kind })),
      rowGroupRows: 70_000, // two row groups, the first from two slices
    });
    const long = "é".repeat(50);
    const row = (i: number) => [
      i % 10 === 0 ? null : BigInt(i) - 2n ** 40n,
      i % 11 === 0 ? null : i === 5 ? NaN : i / 8,
      i % 12 === 0 ? null : i % 1000 === 1 ? long + i : `s${i % 300}`,
      i % 13 === 0 ? null : new Uint8Array([i & 0xff, 0xff]),
      i % 14 === 0 ? null : i % 3 === 0,
      i % 15 === 0 ? null : new Date(Date.UTC(2024, 0, 1) + i * 1000),
      i % 16 === 0 ? null : 19_000 + (i % 40),
    ];
    const n = 100_000;
    for (let i = 0; i < n; i++) if (writer.push(row(i))) await writer.flush();
    await writer.close();
    const out = await new Deno.Command(python, { args: ["-c", READ, path] }).output();
    assertEquals(out.success, true, new TextDecoder().decode(out.stderr));
    const got = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(got.types, [
      "int64",
      "double",
      "string",
      "binary",
      "bool",
      "timestamp[us, tz=UTC]",
      "date32[day]",
    ]);
    const day = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < n; i++) {
      const want = row(i).map((v, j) =>
        v === null ? null : j === 0
          ? Number(v) // JSON numbers: the values stay below 2^53
          : typeof v === "number" && Number.isNaN(v)
          ? "NaN"
          : v instanceof Uint8Array
          ? [...v]
          : v instanceof Date
          ? v.toISOString().replace(".000Z", "+00:00")
          : j === 6
          ? day(v as number)
          : v
      );
      assertEquals(got.rows[i], want, `row ${i}`);
    }
    // Column "string": UTF-8 byte order puts "é..." after "s..."; the long maximum is cut to
    // 64 bytes (32 "é") and its last character incremented.
    const strings = got.stats.filter((s: unknown[]) => s[1] === 2);
    assertEquals(strings.map((s: unknown[]) => s[2]), [5834, 2500]);
    assertEquals(strings[0][3], "s1");
    assertEquals(strings[0][4], "é".repeat(31) + "ê");
    const doubles = got.stats.filter((s: unknown[]) => s[1] === 1);
    assertEquals(doubles[0].slice(2), [6364, 0.125, 69_999 / 8]);
  },
});
