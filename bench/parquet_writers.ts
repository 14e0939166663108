// Whole-process comparison of parquet writers on the events table of bench/sqlite3.ts (built by
// it): the project's own writer (DatasetWriter, as the executors use it), hyparquet-writer and
// parquet-wasm (arrow-rs compiled to WebAssembly, fed through apache-arrow). Each variant runs in
// its own process that reads N rows from SQLite in chunks of 8,192 and writes one parquet file;
// reported: median wall time, peak RSS, file size, row groups and whether the file carries
// statistics and dictionaries (read back with DuckDB). Rounds are interleaved.
//
//   deno run -A bench/parquet_writers.ts [--rounds 3] [--rows 10,1000000]
//   (child) deno run -A bench/parquet_writers.ts --child own|hyparquet|wasm --rows N --out FILE
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { interleave, markdownTable, median, timeCommand } from "./_measure.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    rows: { type: "string", default: "10,1000000" },
    child: { type: "string" },
    out: { type: "string" },
  },
});
const dbPath = new URL("../.tmp/bench/events-3000000.db", import.meta.url).pathname;
const NAMES = ["id", "user_id", "amount", "label", "flag", "created_at"];

function* chunks(n: number): Generator<unknown[][]> {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  const stmt = db.prepare("select * from events where rowid > ? and rowid <= ?");
  (stmt as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
  stmt.setReadBigInts(true);
  for (let from = 0; from < n; from += 8192) {
    yield stmt.all(from, Math.min(n, from + 8192)) as unknown as unknown[][];
  }
  db.close();
}

async function child(kind: string, n: number, out: string): Promise<void> {
  if (kind === "own") {
    const { DatasetWriter } = await import("../parquet/mod.ts");
    const writer = new DatasetWriter({ path: out, columns: NAMES.map((name) => ({ name })) });
    for (const rows of chunks(n)) {
      for (const row of rows) if (writer.push(row)) await writer.flush();
    }
    await writer.close();
    return;
  }
  // The libraries take whole columns: rows are gathered into column arrays per row group
  // (1,048,576 rows, as pyarrow and the own writer), then handed over.
  const GROUP = 1024 * 1024;
  const columns: unknown[][] = NAMES.map(() => []);
  const flushes: (() => Promise<void> | void)[] = [];
  if (kind === "hyparquet") {
    const { fileWriter, ParquetWriter } = await import("hyparquet-writer");
    const types = ["INT64", "INT64", "DOUBLE", "STRING", "INT64", "STRING"] as const;
    const schema = [
      { name: "root", num_children: 6 },
      ...NAMES.map((name, j) => ({
        name,
        repetition_type: "OPTIONAL" as const,
        type: types[j] === "STRING" ? "BYTE_ARRAY" as const : types[j],
        ...(types[j] === "STRING" ? { converted_type: "UTF8" as const } : {}),
      })),
    ];
    const writer = new ParquetWriter({ writer: fileWriter(out), schema });
    flushes.push(() =>
      writer.write({
        columnData: NAMES.map((name, j) => ({ name, data: columns[j] as never[] })),
        rowGroupSize: GROUP,
      })
    );
    flushes.push(() => writer.finish());
  } else {
    const arrow = await import("apache-arrow");
    const wasm = await import("parquet-wasm");
    const batches: Uint8Array[] = [];
    flushes.push(() => {
      const table = arrow.tableFromArrays({
        id: BigInt64Array.from(columns[0] as bigint[]),
        user_id: BigInt64Array.from(columns[1] as bigint[]),
        amount: Float64Array.from(columns[2] as number[]),
        label: columns[3] as string[],
        flag: BigInt64Array.from(columns[4] as bigint[]),
        created_at: columns[5] as string[],
      });
      batches.push(arrow.tableToIPC(table, "stream"));
    });
    flushes.push(() => {
      const props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.SNAPPY)
        .build();
      const file = Deno.openSync(out, { write: true, create: true, truncate: true });
      for (const ipc of batches) {
        file.writeSync(wasm.writeParquet(wasm.Table.fromIPCStream(ipc), props));
      }
      file.close();
    });
  }
  const [group, finish] = flushes;
  let count = 0;
  for (const rows of chunks(n)) {
    for (const row of rows) {
      for (let j = 0; j < 6; j++) columns[j].push(row[j]);
      if (++count % GROUP === 0) {
        await group();
        for (const c of columns) c.length = 0;
      }
    }
  }
  if (columns[0].length > 0) await group();
  await finish();
}

if (values.child) {
  await child(values.child, Number(values.rows), values.out!);
  Deno.exit(0);
}

try {
  await Deno.stat(dbPath);
} catch {
  // bench/sqlite3.ts builds the table (deterministically) the first time it runs.
  const built = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./sqlite3.ts", import.meta.url).pathname,
      "--rounds",
      "1",
      "--rows",
      "10",
      "--no-zip",
    ],
    stdout: "null",
  }).output();
  if (!built.success) throw new Error("Cannot build the events table with bench/sqlite3.ts");
}
const rounds = Number(values.rounds);
const sizes = values.rows.split(",").map(Number);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-writers-" });
const variants: { name: string; kind: string; n: number; out: string }[] = [];
for (const n of sizes) {
  for (const kind of ["own", "hyparquet", "wasm"]) {
    variants.push({ name: `${kind}, ${n} rows`, kind, n, out: `${root}/${kind}-${n}.parquet` });
  }
}
const self = new URL(import.meta.url).pathname;
try {
  const samples = await interleave(variants, rounds, (v) =>
    timeCommand([
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      self,
      "--child",
      v.kind,
      "--rows",
      String(v.n),
      "--out",
      v.out,
    ], { peakRss: true, name: v.name }));
  const { readParquet } = await import("../_testing/duckdb.ts");
  const rows: string[][] = [];
  for (const [i, v] of variants.entries()) {
    const meta = await readParquet(
      v.out,
      "select count(distinct row_group_id), bool_and(stats_min_value is not null), " +
        "bool_or(encodings like '%DICTIONARY%') " +
        `from parquet_metadata('${v.out}')`,
    );
    const [groups, stats, dict] = meta.rows[0];
    rows.push([
      v.name,
      `${(median(samples[i].map((s) => s.ms)) / 1000).toFixed(3)} s`,
      `${(median(samples[i].map((s) => s.peakKiB)) / 1024).toFixed(0)} MiB`,
      (await Deno.stat(v.out)).size.toLocaleString("en-US"),
      String(groups),
      stats ? "yes" : "no",
      dict ? "yes" : "no",
    ]);
  }
  console.log(`deno ${Deno.version.deno}, ${rounds} rounds, medians`);
  console.log(markdownTable(
    ["variant", "wall", "peak RSS", "bytes", "row groups", "statistics", "dictionary"],
    rows,
  ));
} finally {
  await Deno.remove(root, { recursive: true });
}
