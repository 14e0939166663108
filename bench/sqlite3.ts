// Whole-process benchmark of the SQLite3 executor against flytekit's figures: `execute` of
// `select * from events limit N` on a deterministic 3,000,000-row table, through the
// pyflyte-execute contract, next to an empty `deno run` and python3's bare sqlite3 `fetchall()`
// of the same rows, measured in the same run. Reports the median wall time and peak RSS per
// variant, and ratios (execute / fetchall: the cost of writing parquet over reading the rows).
//
// With `--base <other checkout>` (an earlier commit, made with `git worktree add` and `deno
// install`), that checkout's program runs the same queries in the same rounds: before and after,
// side by side.
//
//   deno run -A bench/sqlite3.ts [--rounds 3] [--rows 10,100000,1000000,3000000] [--no-zip]
//     [--base DIR]
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { denoProgram, flytekitContainerArgs, prepareNode } from "../_testing/propeller.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { HAS_GNU_TIME, interleave, markdownTable, median, timeCommand } from "./_measure.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    rows: { type: "string", default: "10,100000,1000000,3000000" },
    "no-zip": { type: "boolean", default: false },
    base: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const sizes = values.rows.split(",").map(Number);
const TOTAL = 3_000_000;

// flytekit 1.16.10 pyflyte-execute on the same table (environment.md): wall s, peak MiB.
const FLYTEKIT: Record<number, [number, number]> = {
  10: [1.71, 172],
  100000: [2.31, 278],
  1000000: [5.29, 758],
  3000000: [15.68, 1944],
  [-1]: [6.30, 758], // 1,000,000 rows from the zipped database
};

const cacheDir = new URL("../.tmp/bench/", import.meta.url).pathname;
await Deno.mkdir(cacheDir, { recursive: true });
const dbPath = `${cacheDir}events-${TOTAL}.db`;

/** Generates the events table deterministically (an LCG seeded with a constant), once. */
function ensureDatabase(): void {
  try {
    const db = new DatabaseSync(dbPath, { readOnly: true });
    const row = db.prepare("select count(*) as n from events").get() as { n: number };
    db.close();
    if (row.n === TOTAL) return;
  } catch { /* (re)generate below */ }
  const started = performance.now();
  for (const stale of [dbPath, `${dbPath}.tmp`]) {
    try {
      Deno.removeSync(stale);
    } catch { /* absent */ }
  }
  const db = new DatabaseSync(`${dbPath}.tmp`);
  db.exec(`pragma journal_mode = off; pragma synchronous = off;
    create table events (id INTEGER PRIMARY KEY, user_id INTEGER, amount REAL, label TEXT,
      flag INTEGER, created_at TEXT)`);
  const insert = db.prepare("insert into events values (?, ?, ?, ?, ?, ?)");
  const labels = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const t0 = Date.UTC(2024, 0, 1);
  db.exec("begin");
  for (let i = 1; i <= TOTAL; i++) {
    insert.run(
      i,
      Math.floor(next() * 100_000),
      Math.round(next() * 1e6) / 100,
      `${labels[i % 8]}-${Math.floor(next() * 1000)}`,
      i % 2,
      new Date(t0 + i * 1000).toISOString().slice(0, 19).replace("T", " "),
    );
  }
  db.exec("commit");
  db.close();
  Deno.renameSync(`${dbPath}.tmp`, dbPath);
  console.log(`generated ${dbPath} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

ensureDatabase();

// The same database zipped (flytekit's figure for `compressed=True`), built once.
const zipPath = `${cacheDir}events-${TOTAL}.zip`;
if (!values["no-zip"]) {
  try {
    Deno.statSync(zipPath);
  } catch {
    const { zip } = await import("../_testing/archives.ts");
    const bytes = await zip([{
      name: "events.db",
      data: await Deno.readFile(dbPath),
      deflate: true,
    }]);
    await Deno.writeFile(`${zipPath}.tmp`, bytes);
    Deno.renameSync(`${zipPath}.tmp`, zipPath);
  }
}

const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-sqlite3-" });
const empty = `${root}/empty.ts`;
await Deno.writeTextFile(empty, "");

const limit = { limit: Types.integer };
function template(uri = dbPath, compressed = false): TaskTemplate {
  return {
    id: { resourceType: 1, project: "bench", domain: "development", name: "events", version: "v1" },
    type: "sqlite",
    interface: {
      inputs: { variables: { limit: { type: limit.limit.literalType, description: "limit" } } },
      outputs: { variables: { results: { type: { schema: {} }, description: "results" } } },
    },
    custom: jsonToStruct({
      query_template: "select * from events limit {{ .inputs.limit }}",
      uri,
      compressed,
    }),
    container: {
      image: "flyteshim",
      args: flytekitContainerArgs("flytekit.extras.sqlite3.task.SQLite3TaskExecutor"),
    },
  };
}

async function layout(
  n: number,
  zipped = false,
  tag = "",
): Promise<{ args: string[]; raw: string }> {
  const { paths, args } = await prepareNode({
    template: zipped ? template(zipPath, true) : template(),
    inputs: await valuesToLiteralMap({ limit: BigInt(n) }, limit),
    root: `${root}/n${n}${zipped ? "z" : ""}${tag}`,
  });
  return { args, raw: paths.rawOutputPrefix };
}

async function parquetBytes(raw: string): Promise<number> {
  let total = 0;
  for await (const dir of Deno.readDir(raw)) {
    total += (await Deno.stat(`${raw}/${dir.name}/00000`)).size;
    await Deno.remove(`${raw}/${dir.name}`, { recursive: true });
  }
  return total;
}

const program = denoProgram("entrypoint/main.ts");
const base = values.base?.replace(/\/$/, "");
const baseProgram = base &&
  denoProgram(`${base}/entrypoint/main.ts`).toSpliced(2, 0, "--config", `${base}/deno.json`);
const variants: {
  name: string;
  n?: number;
  cmd: string[];
  raw?: string;
  python?: number;
  base?: boolean;
}[] = [
  { name: "empty deno run", cmd: [Deno.execPath(), "run", "--quiet", empty] },
];
for (const n of sizes) {
  const { args, raw } = await layout(n);
  variants.push({ name: `execute, ${n} rows`, n, cmd: [...program, ...args], raw });
  if (baseProgram) {
    const { args, raw } = await layout(n, false, "b");
    variants.push({
      name: `base: execute, ${n} rows`,
      n,
      cmd: [...baseProgram, ...args],
      raw,
      base: true,
    });
  }
  if (n >= 100_000) {
    const fetchall = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); " +
      `rows = c.execute('select * from events limit ${n}').fetchall(); assert len(rows) == ${n}`;
    variants.push({
      name: `python3 sqlite3 fetchall(), ${n} rows`,
      cmd: ["python3", "-c", fetchall, dbPath],
      python: n,
    });
  }
}
if (!values["no-zip"]) {
  const { args, raw } = await layout(1_000_000, true);
  variants.push({
    name: "execute, 1000000 rows, zipped database",
    n: -1,
    cmd: [...program, ...args],
    raw,
  });
}

// Warm-up (module cache, page cache), then interleaved rounds.
const loadAverage = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const loadBefore = loadAverage();
const bytes = new Map<string, number>();
const samples = await interleave(variants, rounds, async (v) => {
  const sample = await timeCommand(v.cmd, { peakRss: true });
  if (v.raw) bytes.set(v.name, await parquetBytes(v.raw));
  return sample;
});

const emptyMs = median(samples[0].map((s) => s.ms));
console.log(
  `deno ${Deno.version.deno}, ${rounds} rounds, medians; peak RSS ${
    HAS_GNU_TIME ? "from /usr/bin/time" : "from VmHWM polling"
  }; load average ${loadBefore} before, ${loadAverage()} after${base ? `; base: ${base}` : ""}`,
);
console.log(markdownTable(
  [
    "variant",
    "wall",
    "vs empty run",
    "flytekit wall",
    "speed-up",
    "peak RSS",
    "flytekit peak",
    "parquet bytes",
  ],
  variants.map((v, i) => {
    const ms = median(samples[i].map((x) => x.ms));
    const mib = median(samples[i].map((x) => x.peakKiB)) / 1024;
    const ref = v.n !== undefined ? FLYTEKIT[v.n] : undefined;
    const py = variants.findIndex((p) => p.python !== undefined && p.python === v.n);
    const vsPython = py >= 0
      ? ` (${(ms / median(samples[py].map((x) => x.ms))).toFixed(2)}x fetchall)`
      : "";
    const b = v.base || v.n === undefined ? -1 : variants.findIndex((p) => p.base && p.n === v.n);
    const vsBase = b >= 0
      ? ` (${(ms / median(samples[b].map((x) => x.ms))).toFixed(2)}x base)`
      : "";
    return [
      v.name,
      `${(ms / 1000).toFixed(3)} s${vsPython}${vsBase}`,
      `${(ms / emptyMs).toFixed(1)}x`,
      ref ? `${ref[0]} s` : "-",
      ref ? `${(ref[0] * 1000 / ms).toFixed(1)}x` : "-",
      `${mib.toFixed(0)} MiB`,
      ref ? `${ref[1]} MiB` : "-",
      bytes.get(v.name)?.toLocaleString("en-US") ?? "-",
    ];
  }),
));
await Deno.remove(root, { recursive: true });
