// `deno task demo`: a flytekit SQLite3Task run end to end on local folders, as Flyte would run it.
// It generates a small music database, writes the task template flytekit would serialize and the
// inputs propeller would upload, runs `pyflyte-execute` through flyteshim's entrypoint, and
// prints the outputs and the first rows of the resulting parquet dataset.
import { DatabaseSync } from "node:sqlite";
import { main } from "../entrypoint/mod.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { createExecutorRegistry, type Logger } from "../executors/mod.ts";
import { decodeLiteralMap, encodeLiteralMap, encodeTaskTemplate } from "../idl/core.ts";
import { readDataset, sqlite3Task, toTaskTemplate } from "../task/mod.ts";
import { Types } from "../types/mod.ts";
import { StructuredDataset, valuesToLiteralMap } from "../types/mod.ts";

const root = new URL("../.tmp/demo/", import.meta.url).pathname;
await Deno.remove(root, { recursive: true }).catch(() => {});
await Deno.mkdir(root, { recursive: true });

// 1. A sample database: artists, albums and tracks (deterministic).
const dbPath = `${root}music.db`;
{
  const db = new DatabaseSync(dbPath);
  db.exec(`
    create table artists (ArtistId integer primary key, Name text);
    create table albums (AlbumId integer primary key, Title text, ArtistId integer);
    create table tracks (TrackId integer primary key, Name text, AlbumId integer, Composer text,
      Milliseconds integer, UnitPrice real);
  `);
  const words = [
    "River",
    "Blue",
    "Heart",
    "Time",
    "Light",
    "Dream",
    "Gold",
    "Storm",
    "Night",
    "Rain",
  ];
  const composers = ["O'Brien", "Mozart", "Björk", "Nina Simone", null];
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const insertArtist = db.prepare("insert into artists values (?, ?)");
  const insertAlbum = db.prepare("insert into albums values (?, ?, ?)");
  const insertTrack = db.prepare("insert into tracks values (?, ?, ?, ?, ?, ?)");
  db.exec("begin");
  for (let i = 1; i <= 20; i++) insertArtist.run(i, `${pick(words)} ${pick(words)}`);
  for (let i = 1; i <= 50; i++) {
    insertAlbum.run(i, `${pick(words)} of ${pick(words)}`, 1 + (i % 20));
  }
  for (let i = 1; i <= 1000; i++) {
    insertTrack.run(
      i,
      `${pick(words)} ${pick(words)}`,
      1 + (i % 50),
      pick(composers),
      120_000 + Math.floor(next() * 240_000),
      Math.round((0.49 + next()) * 100) / 100,
    );
  }
  db.exec("commit");
  db.close();
}

// 2. The task as flytekit serializes a SQLite3Task (task type "sqlite", pyflyte-execute args),
// defined and serialized with the SDK.
const query = `-- tracks by one composer, longest first
select t.TrackId, t.Name, a.Title as Album, t.Composer, t.Milliseconds / 1000.0 as Seconds, t.UnitPrice
from tracks t join albums a on a.AlbumId = t.AlbumId
where t.Composer = '{{ .inputs.composer }}' and t.Milliseconds > {{ .inputs.min_ms }}
order by t.Milliseconds desc
limit {{ .inputs.limit }}`;
const inputTypes = { composer: Types.string, min_ms: Types.integer, limit: Types.integer };
const task = sqlite3Task({
  name: "demo.tracks_by",
  image: "flyteshim",
  queryTemplate: query,
  uri: dbPath,
  compressed: false,
  inputs: inputTypes,
  // flytekit's SQLite3Task returns a FlyteSchema.
  outputs: { results: Types.schema() },
});
const template = toTaskTemplate(task, {
  flytekitCompatible: true,
  project: "flytesnacks",
  domain: "development",
  version: "v1",
});

// 3. Propeller's layout on local folders: task.pb and inputs.pb uploaded, args rendered.
const data = `${root}metadata/propeller/flytesnacks-development-demo/n0/data`;
const paths = {
  template: `${data}/task.pb`,
  inputs: `${data}/inputs.pb`,
  outputPrefix: `${data}/0`,
  raw: `${root}data/demo-n0-0`,
};
await Deno.mkdir(data, { recursive: true });
await Deno.writeFile(paths.template, encodeTaskTemplate(template));
const inputs = { composer: "O'Brien", min_ms: 300_000n, limit: 5n };
await Deno.writeFile(paths.inputs, encodeLiteralMap(await valuesToLiteralMap(inputs, inputTypes)));
const rendered: Record<string, string> = {
  "{{.input}}": paths.inputs,
  "{{.outputPrefix}}": paths.outputPrefix,
  "{{.rawOutputDataPrefix}}": paths.raw,
  "{{.taskTemplatePath}}": paths.template,
};
const args = template.container!.args!.map((a) => rendered[a] ?? a);

console.log("flyteshim demo: a flytekit SQLite3Task, run as Flyte runs it\n");
console.log(`database   ${dbPath}`);
console.log(`query      ${query.replaceAll("\n", "\n           ")}`);
console.log(
  `inputs     ${JSON.stringify(inputs, (_, v) => typeof v === "bigint" ? Number(v) : v)}`,
);
const shown = args.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a));
const argLines = [shown[0]];
for (let i = 1; i < shown.length; i++) {
  const flag = shown[i].startsWith("--") && shown[i] !== "--";
  argLines.push(flag ? `${shown[i]} ${shown[++i]}` : shown[i]);
}
console.log(`\n$ ${argLines.join(" \\\n    ")}\n`);

// 4. Run it through the pyflyte-execute contract, in this process.
const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
  console.log(`  [${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}`);
const logger: Logger = { debug() {}, info: line("info"), warn: line("warn"), error: line("error") };
const started = performance.now();
const code = await main(args, {
  registry: createExecutorRegistry(BUILTIN_EXECUTORS),
  env: {},
  logger,
  handleSignals: false,
  captureUncaught: false,
});
console.log(`\nexit code ${code} in ${Math.round(performance.now() - started)} ms`);

// 5. What propeller would read back.
const files = [...Deno.readDirSync(paths.outputPrefix)].map((e) => e.name).sort();
console.log(`output prefix holds: ${files.join(", ")}`);
if (!files.includes("outputs.pb")) Deno.exit(1);
const outputs = decodeLiteralMap(await Deno.readFile(`${paths.outputPrefix}/outputs.pb`));
const sd = outputs.literals!.results.scalar!.structuredDataset!;
console.log(
  `outputs.pb: results = structured_dataset { uri: "${sd.uri}", format: "${sd.metadata?.structuredDatasetType?.format}" }`,
);
const rows = await readDataset(new StructuredDataset({ uri: sd.uri!, format: "parquet" }), {
  limit: 5,
});
console.log(`\nfirst ${rows.rows.length} of ${rows.totalRows} rows of ${sd.uri}/00000:`);
console.table(
  rows.rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v]),
    )
  ),
);
