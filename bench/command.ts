// Whole-process benchmark of the command executor: what `execute` adds to a command that does
// nothing (`true`) against running `true` directly, side by side; the same with a small input and
// output moved through files; and the 10-row SQLite3 run with and without --allow-run (the
// flyteshim-command build's one extra permission). Interleaved rounds, medians.
//
//   deno run -A bench/command.ts [--rounds N]
import { jsonToStruct, type LiteralMap, type LiteralType, type TaskTemplate } from "../idl/mod.ts";
import { denoProgram, flytekitContainerArgs, prepareNode } from "../_testing/propeller.ts";
import { testTemplate } from "../_testing/runtime_fixtures.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import {
  flytekitSqlite3Inputs,
  flytekitSqlite3Template,
  interleave,
  markdownTable,
  median,
  roundsArg,
  timeCommand,
  writeTracksDatabase,
} from "./_measure.ts";

const rounds = roundsArg(21);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-command-" });

function commandTemplate(
  custom: Record<string, string | string[]>,
  io: { inputs?: Record<string, LiteralType>; outputs?: Record<string, LiteralType> } = {},
): TaskTemplate {
  const vars = (m: Record<string, LiteralType> = {}) =>
    Object.fromEntries(Object.entries(m).map(([k, t]) => [k, { type: t, description: k }]));
  return {
    id: { resourceType: 1, project: "bench", domain: "development", name: "cmd", version: "v1" },
    type: "flyteshim-command",
    interface: { inputs: { variables: vars(io.inputs) }, outputs: { variables: vars(io.outputs) } },
    custom: jsonToStruct(custom),
    container: { image: "any", args: flytekitContainerArgs("flyteshim.command") },
  };
}

async function layout(name: string, template: TaskTemplate, inputs: LiteralMap) {
  return await prepareNode({ template, inputs, root: `${root}/${name}` });
}

const trueNode = await layout("true", commandTemplate({ command: ["true"] }), { literals: {} });
const io = { n: Types.integer };
const copyNode = await layout(
  "copy",
  commandTemplate(
    { command: ["cp", "{{.inputDir}}/n", "{{.outputDir}}/n"] },
    { inputs: { n: io.n.literalType }, outputs: { n: io.n.literalType } },
  ),
  await valuesToLiteralMap({ n: 42n }, io),
);
// The floor: a trivial in-process executor (echo of an integer) through the same `execute`.
const echoNode = await layout(
  "echo",
  testTemplate("echo", "tests.echo", {
    inputs: { n: io.n.literalType },
    outputs: { n: io.n.literalType },
  }),
  await valuesToLiteralMap({ n: 42n }, io),
);
const dbPath = `${root}/tracks.db`;
await writeTracksDatabase(dbPath);
const sqlite = await layout("sqlite", flytekitSqlite3Template(dbPath), flytekitSqlite3Inputs());

const withRun = (cmd: string[]) => {
  const at = cmd.indexOf("--allow-sys");
  return [...cmd.slice(0, at + 1), "--allow-run", ...cmd.slice(at + 1)];
};
const program = denoProgram("entrypoint/main.ts");
const noConfig = (cmd: string[]) => [cmd[0], cmd[1], "--no-config", ...cmd.slice(2)];
const clean = (node: Awaited<ReturnType<typeof layout>>) => async () => {
  await Deno.stat(`${node.paths.outputPrefix}/outputs.pb`);
  await Deno.remove(node.paths.outputPrefix, { recursive: true });
  await Deno.remove(node.paths.rawOutputPrefix, { recursive: true }).catch(() => {});
};

interface Variant {
  name: string;
  cmd: string[];
  check?: () => Promise<void>;
}

const variants: Variant[] = [
  { name: "`true`, run directly", cmd: ["true"] },
  {
    name: "`execute`: a trivial in-process executor (integer echo), no subprocess",
    cmd: [...withRun(denoProgram("_testing/executors_main.ts")), ...echoNode.args],
    check: clean(echoNode),
  },
  {
    name: "`execute`: a command task running `true` (no inputs, no outputs)",
    cmd: [...withRun(program), ...trueNode.args],
    check: clean(trueNode),
  },
  {
    // As the compiled binary starts: no project config or lock file to read (about 10 ms here).
    name: "the same, started without the project's config (`deno run --no-config`)",
    cmd: [...withRun(noConfig(program)), ...trueNode.args],
    check: clean(trueNode),
  },
  {
    // A compiled binary keeps V8's code cache in $TMPDIR/deno-compile-<name>.cache, written by its
    // first start: in a fresh container every start is a first one. `deno run` reads DENO_DIR's
    // cache, so this row is the closer stand-in for a pod (it leaves out writing the cache).
    name: "the same, without V8's code cache (`--no-config --no-code-cache`)",
    cmd: [...withRun(noConfig(program)).toSpliced(3, 0, "--no-code-cache"), ...trueNode.args],
    check: clean(trueNode),
  },
  {
    name: "`execute`: `cp` of an integer input file to an integer output",
    cmd: [...withRun(program), ...copyNode.args],
    check: clean(copyNode),
  },
  {
    name: "`execute`: flytekit's SQLite3Task, 10 rows, without --allow-run",
    cmd: [...program, ...sqlite.args],
    check: clean(sqlite),
  },
  {
    name: "`execute`: flytekit's SQLite3Task, 10 rows, with --allow-run",
    cmd: [...withRun(program), ...sqlite.args],
    check: clean(sqlite),
  },
];

const samples = await interleave(variants, rounds, async (variant) => {
  const sample = await timeCommand(variant.cmd, { name: variant.name });
  await variant.check?.();
  return sample.ms;
});
const medians = samples.map(median);
const load = Deno.loadavg().map((x) => x.toFixed(1)).join(", ");
console.log(`${rounds} interleaved rounds, medians (whole process), load average ${load}\n`);
console.log(markdownTable(
  ["run", "median", "vs `true` directly"],
  variants.map((v, i) => [
    v.name,
    `${medians[i].toFixed(1)} ms`,
    i === 0 ? "" : `+${(medians[i] - medians[0]).toFixed(1)} ms`,
  ]),
  ["l", "r", "r"],
));
await Deno.remove(root, { recursive: true });
