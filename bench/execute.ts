// Whole-process start-up benchmark of `execute`: a trivial task on local files, next to an empty
// `deno run`, in the same run. Runs are interleaved (each round runs every variant once, in
// rotating order) so that machine noise hits all variants alike; reports medians and ratios.
//
//   deno run -A bench/execute.ts [--rounds N]
import { parseArgs } from "node:util";
import {
  decodeTaskTemplate,
  encodeLiteralMap,
  encodeTaskTemplate,
  jsonToStruct,
  type JsonValue,
  structToJson,
} from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { denoProgram, flytekitContainerArgs, nodePaths, renderArgs } from "../tests/_propeller.ts";
import { testTemplate } from "../tests/_runtime_fixtures.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "21" } },
});
const rounds = Number(values.rounds);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-" });

// An empty script, and one that only imports the flyteidl module (the floor every run pays).
const empty = `${root}/empty.ts`;
await Deno.writeTextFile(empty, "");
const idlOnly = `${root}/idl_only.ts`;
await Deno.writeTextFile(
  idlOnly,
  `import ${JSON.stringify(new URL("../idl/mod.ts", import.meta.url).href)};`,
);

async function layout(name: string, template: ReturnType<typeof testTemplate>, inputs: Uint8Array) {
  const paths = nodePaths(`${root}/${name}`, {});
  await Deno.mkdir(paths.dataDir, { recursive: true });
  await Deno.writeFile(paths.taskTemplate, encodeTaskTemplate(template));
  await Deno.writeFile(paths.inputs, inputs);
  return {
    paths,
    args: renderArgs(template.container!.args!, {
      input: paths.inputs,
      inputPrefix: paths.dataDir,
      outputPrefix: paths.outputPrefix,
      rawOutputDataPrefix: paths.rawOutputPrefix,
      prevCheckpointPrefix: "",
      checkpointOutputPrefix: paths.checkpoint,
      perRetryUniqueKey: "bench",
      taskTemplatePath: paths.taskTemplate,
    }),
  };
}

const io = { s: Types.string, n: Types.integer };
const echo = await layout(
  "echo",
  testTemplate("echo", "tests.echo", {
    inputs: { s: io.s.literalType, n: io.n.literalType },
    outputs: { s: io.s.literalType, n: io.n.literalType },
  }),
  encodeLiteralMap(await valuesToLiteralMap({ s: "hello", n: 42n }, io)),
);
const unknown = await layout(
  "unknown",
  testTemplate("echo", "x", { args: flytekitContainerArgs("no.such.Executor") }),
  new Uint8Array(),
);

/** Runs a script outside the checkout with the checkout's import map. */
function withConfig(cmd: string[]): string[] {
  return [
    cmd[0],
    cmd[1],
    "--config",
    new URL("../deno.json", import.meta.url).pathname,
    ...cmd.slice(2),
  ];
}

// flytekit's own SQLite3Task template and inputs (select 10 rows), on a 5,000-row database.
const dbPath = `${root}/tracks.db`;
{
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(dbPath);
  db.exec("create table tracks (TrackId integer primary key, Name text)");
  const insert = db.prepare("insert into tracks (Name) values (?)");
  db.exec("begin");
  for (let i = 0; i < 5000; i++) insert.run(`Track ${i}`);
  db.exec("commit");
  db.close();
}
const fixtures = new URL("../testdata/idl/flytekit-sqlite3/", import.meta.url);
const sqliteTemplate = decodeTaskTemplate(await Deno.readFile(new URL("template.pb", fixtures)));
const custom = structToJson(sqliteTemplate.custom) as Record<string, JsonValue>;
sqliteTemplate.custom = jsonToStruct({ ...custom, uri: dbPath });
const sqlite = await layout(
  "sqlite",
  sqliteTemplate as ReturnType<typeof testTemplate>,
  await Deno.readFile(new URL("inputs.pb", fixtures)),
);

// The same graph as the image's binary, built with `deno task bundle`'s command into `root`.
const bundleDir = `${root}/bundle`;
{
  const task: string = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ).tasks.bundle;
  const args = task.split(/\s+/).slice(1).map((a) => a === "dist/bundle" ? bundleDir : a);
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: new URL("..", import.meta.url).pathname,
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}
let bundleBytes = 0;
for (const entry of Deno.readDirSync(bundleDir)) {
  bundleBytes += Deno.statSync(`${bundleDir}/${entry.name}`).size;
}

interface Variant {
  name: string;
  cmd: string[];
  check?: () => Promise<void>;
}

const variants: Variant[] = [
  { name: "empty deno run", cmd: [Deno.execPath(), "run", empty] },
  { name: "empty deno run, program flags", cmd: denoProgram(empty) },
  {
    name: "import idl/mod.ts only (protobufjs + generated code)",
    cmd: withConfig(denoProgram(idlOnly)),
  },
  {
    name: "execute: trivial task (string + integer echo), test entrypoint",
    cmd: [...denoProgram("tests/_executors_main.ts"), ...echo.args],
    check: async () => {
      await Deno.stat(`${echo.paths.outputPrefix}/outputs.pb`);
      await Deno.remove(echo.paths.outputPrefix, { recursive: true });
    },
  },
  {
    name: "execute: flytekit's SQLite3Task (10 of 5,000 rows to parquet), shipped entrypoint",
    cmd: [...denoProgram("entrypoint/main.ts"), ...sqlite.args],
    check: async () => {
      await Deno.stat(`${sqlite.paths.outputPrefix}/outputs.pb`);
      await Deno.remove(sqlite.paths.outputPrefix, { recursive: true });
      await Deno.remove(sqlite.paths.rawOutputPrefix, { recursive: true });
    },
  },
  {
    name: "execute: flytekit's SQLite3Task, bundle (deno task bundle)",
    cmd: [...denoProgram(`${bundleDir}/main.js`), ...sqlite.args],
    check: async () => {
      await Deno.stat(`${sqlite.paths.outputPrefix}/outputs.pb`);
      await Deno.remove(sqlite.paths.outputPrefix, { recursive: true });
      await Deno.remove(sqlite.paths.rawOutputPrefix, { recursive: true });
    },
  },
  {
    name: "execute: unknown executor -> error.pb, shipped entrypoint",
    cmd: [...denoProgram("entrypoint/main.ts"), ...unknown.args],
    check: async () => {
      await Deno.stat(`${unknown.paths.outputPrefix}/error.pb`);
      await Deno.remove(unknown.paths.outputPrefix, { recursive: true });
    },
  },
];

async function once(variant: Variant): Promise<number> {
  const started = performance.now();
  const { code, stderr } = await new Deno.Command(variant.cmd[0], {
    args: variant.cmd.slice(1),
    stdout: "null",
    stderr: "piped",
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).output();
  const ms = performance.now() - started;
  if (code !== 0) {
    throw new Error(`${variant.name} exited ${code}: ${new TextDecoder().decode(stderr)}`);
  }
  await variant.check?.();
  return ms;
}

const times = new Map(variants.map((v) => [v.name, [] as number[]]));
for (const v of variants) await once(v); // warm the module cache
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(round + i) % variants.length];
    times.get(v.name)!.push(await once(v));
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const base = median(times.get(variants[0].name)!);
console.log(
  `bench/execute.ts: ${rounds} interleaved rounds, whole-process wall time (Deno ${Deno.version.deno})`,
);
console.log("| variant | median ms | min ms | ratio to empty deno run |");
console.log("| --- | ---: | ---: | ---: |");
for (const v of variants) {
  const xs = times.get(v.name)!;
  console.log(
    `| ${v.name} | ${median(xs).toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${
      (median(xs) / base).toFixed(2)
    }x |`,
  );
}
console.log(
  `\nbundle: ${(bundleBytes / 1024 / 1024).toFixed(2)} MiB in ${
    [...Deno.readDirSync(bundleDir)].length
  } files (main.js ${(Deno.statSync(`${bundleDir}/main.js`).size / 1024).toFixed(1)} KiB)`,
);
await Deno.remove(root, { recursive: true });
