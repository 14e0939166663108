// Whole-process start-up benchmark of `execute`: a trivial task on local files, next to an empty
// `deno run`, in the same run. Runs are interleaved (each round runs every variant once, in
// rotating order) so that machine noise hits all variants alike; reports medians and ratios.
//
//   deno run -A bench/execute.ts [--rounds N]
import type { LiteralMap, TaskTemplate } from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { denoProgram, flytekitContainerArgs, prepareNode } from "../_testing/propeller.ts";
import { testTemplate } from "../_testing/runtime_fixtures.ts";
import {
  flytekitSqlite3Inputs,
  flytekitSqlite3Template,
  interleave,
  median,
  roundsArg,
  timeCommand,
  timesTable,
  writeTracksDatabase,
} from "./_measure.ts";

const rounds = roundsArg(21);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-" });

// An empty script, one that imports the IDL module the runtime uses (idl/core.ts, the floor every
// run pays), and one that imports protobufjs's generated classes too (idl/mod.ts), for scale.
const empty = `${root}/empty.ts`;
await Deno.writeTextFile(empty, "");
const importOnly = async (name: string, module: string) => {
  const path = `${root}/${name}.ts`;
  await Deno.writeTextFile(
    path,
    `import ${JSON.stringify(new URL(module, import.meta.url).href)};`,
  );
  return path;
};
const coreOnly = await importOnly("core_only", "../idl/core.ts");
const idlOnly = await importOnly("idl_only", "../idl/mod.ts");

/** Lays out a node as propeller does and renders its container args. */
function layout(name: string, template: TaskTemplate, inputs: LiteralMap) {
  return prepareNode({ template, inputs, root: `${root}/${name}` });
}

const io = { s: Types.string, n: Types.integer };
const echo = await layout(
  "echo",
  testTemplate("echo", "tests.echo", {
    inputs: { s: io.s.literalType, n: io.n.literalType },
    outputs: { s: io.s.literalType, n: io.n.literalType },
  }),
  await valuesToLiteralMap({ s: "hello", n: 42n }, io),
);
const unknown = await layout(
  "unknown",
  testTemplate("echo", "x", { args: flytekitContainerArgs("no.such.Executor") }),
  { literals: {} },
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
await writeTracksDatabase(dbPath);
const sqlite = await layout("sqlite", flytekitSqlite3Template(dbPath), flytekitSqlite3Inputs());

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
    name: "import idl/core.ts only (the table-driven codec the runtime uses)",
    cmd: withConfig(denoProgram(coreOnly)),
  },
  {
    name: "import idl/mod.ts only (adds protobufjs + its generated classes)",
    cmd: withConfig(denoProgram(idlOnly)),
  },
  {
    name: "execute: trivial task (string + integer echo), test entrypoint",
    cmd: [...denoProgram("_testing/executors_main.ts"), ...echo.args],
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

const times = await interleave(variants, rounds, async (v) => {
  const { ms } = await timeCommand(v.cmd, { name: v.name });
  await v.check?.();
  return ms;
});
const base = median(times[0]);
console.log(
  `bench/execute.ts: ${rounds} interleaved rounds, whole-process wall time (Deno ${Deno.version.deno})`,
);
console.log(timesTable(variants.map((v) => v.name), times, {
  header: "ratio to empty deno run",
  cell: (i) => `${(median(times[i]) / base).toFixed(2)}x`,
}));
console.log(
  `\nbundle: ${(bundleBytes / 1024 / 1024).toFixed(2)} MiB in ${
    [...Deno.readDirSync(bundleDir)].length
  } files (main.js ${(Deno.statSync(`${bundleDir}/main.js`).size / 1024).toFixed(1)} KiB)`,
);
await Deno.remove(root, { recursive: true });
