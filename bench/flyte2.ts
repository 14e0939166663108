// Whole-process start-up on Flyte 2's path (`a0`, the task inlined in the args, inputs.pb as
// flyteidl2 Inputs, Flyte 2's environment) next to Flyte 1's (`pyflyte-execute`, the template
// read from task.pb), for the same tasks, in interleaved rounds; reports medians and the ratio of
// wall time and of CPU time (user + system), which a busy machine disturbs less.
//
//   deno run -A bench/flyte2.ts [--rounds N]
import { decodeInputs } from "../idl/flyte2.ts";
import { encodeLiteralMap, type LiteralMap, type TaskTemplate } from "../idl/mod.ts";
import { encodeInlineTemplate } from "../resolver/flyte2.ts";
import { containerArgs } from "../task/serialize.ts";
import { flyte2ContainerArgs } from "../task/serialize_flyte2.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { prepareFlyte2Action } from "../_testing/flyte2.ts";
import { denoProgram, prepareNode } from "../_testing/propeller.ts";
import { testTemplate } from "../_testing/runtime_fixtures.ts";
import {
  flytekitSqlite3Inputs,
  flytekitSqlite3Template,
  interleave,
  markdownTable,
  median,
  roundsArg,
  writeTracksDatabase,
} from "./_measure.ts";

const rounds = roundsArg(21);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-flyte2-" });

/**
 * The same task laid out for both lines, with the args the SDK writes for each (`deno task
 * serialize`, with and without `--flyte2`): Flyte 1's node and Flyte 2's action.
 */
async function bothLines(
  name: string,
  template: TaskTemplate,
  executor: string,
  inputs: LiteralMap,
) {
  const flyte1 = await prepareNode({
    template: { ...template, container: { ...template.container, args: containerArgs(executor) } },
    inputs,
    root: `${root}/${name}-flyte1`,
  });
  const args = flyte2ContainerArgs(executor, await encodeInlineTemplate(template));
  const flyte2 = await prepareFlyte2Action({
    spec: { taskTemplate: { container: { args } } },
    inputs: decodeInputs(encodeLiteralMap(inputs)),
    root: `${root}/${name}-flyte2`,
  });
  return { flyte1, flyte2 };
}

const io = { s: Types.string, n: Types.integer };
const echo = await bothLines(
  "echo",
  testTemplate("echo", "tests.echo", {
    inputs: { s: io.s.literalType, n: io.n.literalType },
    outputs: { s: io.s.literalType, n: io.n.literalType },
  }),
  "tests.echo",
  await valuesToLiteralMap({ s: "hello", n: 42n }, io),
);
const dbPath = `${root}/tracks.db`;
await writeTracksDatabase(dbPath);
const sqlite = await bothLines(
  "sqlite",
  flytekitSqlite3Template(dbPath),
  "flyteshim.sqlite3",
  flytekitSqlite3Inputs(),
);

type Node = Awaited<ReturnType<typeof prepareNode>>;

interface Variant {
  name: string;
  cmd: string[];
  env: Record<string, string>;
  node: Node;
}

function variant(name: string, entry: string, node: Node): Variant {
  return { name, cmd: [...denoProgram(entry), ...node.args], env: node.env, node };
}

const variants: Variant[] = [
  variant(
    "trivial task (echo), Flyte 1: pyflyte-execute",
    "_testing/executors_main.ts",
    echo.flyte1,
  ),
  variant("trivial task (echo), Flyte 2: a0", "_testing/executors_main.ts", echo.flyte2),
  variant("SQLite3Task (10 of 5,000 rows), Flyte 1", "entrypoint/main.ts", sqlite.flyte1),
  variant("SQLite3Task (10 of 5,000 rows), Flyte 2", "entrypoint/main.ts", sqlite.flyte2),
];

/**
 * One run: wall time, and CPU time (user + system, all threads) in milliseconds, from bash's
 * `times`, which reports its children's rusage to the millisecond.
 */
const stderrFile = `${root}/stderr.txt`;

async function timeRun(v: Variant): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      '"$@" >/dev/null 2>"$BENCH_STDERR"; rc=$?; times; exit $rc',
      "bash",
      ...v.cmd,
    ],
    env: { ...v.env, DENO_NO_UPDATE_CHECK: "1", BENCH_STDERR: stderrFile },
    stdout: "piped",
    stderr: "null",
  }).output();
  const wall = performance.now() - started;
  if (!out.success) {
    const stderr = await Deno.readTextFile(stderrFile).catch(() => "");
    throw new Error(`${v.name} exited ${out.code}: ${stderr}`);
  }
  // Second line: the children's user and system time, as "0m0.036s 0m0.008s".
  const children = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
  const cpu = children.split(/\s+/).map((t) => {
    const [, m, sec] = /^(\d+)m([\d.]+)s$/.exec(t)!;
    return Number(m) * 60_000 + Number(sec) * 1000;
  }).reduce((a, b) => a + b, 0);
  const prefix = v.node.paths.outputPrefix;
  await Deno.stat(`${prefix}/outputs.pb`); // a failed task would have written error.pb
  await Deno.remove(prefix, { recursive: true });
  return { wall, cpu };
}

const samples = await interleave(variants, rounds, timeRun);
const wall = samples.map((s) => s.map((x) => x.wall));
const cpu = samples.map((s) => s.map((x) => x.cpu));

console.log(
  `bench/flyte2.ts: ${rounds} interleaved rounds, whole-process wall time (Deno ${Deno.version.deno})`,
);
console.log(markdownTable(
  ["variant", "wall median ms", "wall min ms", "CPU median ms", "CPU min ms"],
  variants.map((v, i) => [
    v.name,
    median(wall[i]).toFixed(1),
    Math.min(...wall[i]).toFixed(1),
    median(cpu[i]).toFixed(0),
    Math.min(...cpu[i]).toFixed(0),
  ]),
  ["l", "r", "r", "r", "r"],
));
for (const [flyte1, flyte2, what] of [[0, 1, "trivial task"], [2, 3, "SQLite3Task"]] as const) {
  const ratio = (xs: number[][], f: (v: number[]) => number) =>
    (f(xs[flyte2]) / f(xs[flyte1])).toFixed(3);
  const min = (v: number[]) => Math.min(...v);
  console.log(
    `${what}: Flyte 2 / Flyte 1 = ${ratio(wall, median)} (wall median), ${
      ratio(wall, min)
    } (wall min), ${ratio(cpu, median)} (CPU median)`,
  );
}
await Deno.remove(root, { recursive: true });
