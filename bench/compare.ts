// Start-up of this checkout against another one (an earlier release, a branch), side by side in
// one run: flytekit's SQLite3Task template (10 rows) through each checkout's entrypoint, started
// as the compiled binary starts (`--no-config`: no project config or lock file to read) and as a
// `deno run` inside the checkout (reads its deno.json and deno.lock), next to an empty `deno run`;
// each with the flags its `deno task execute` gives.
// Rounds are interleaved so that machine noise hits every variant alike; medians and ratios.
// With --command, the task is a command task running `true` (no inputs, no outputs; both
// checkouts run with --allow-run), next to `true` run directly: the command executor's overhead
// before and after (the base must have the command executor). With --bundle DIR, one more row
// runs this checkout's `deno task bundle` output (DIR/main.js) the way the binary-like row runs
// the module graph. Wall time and CPU time (user + system, from bash's `times`) are reported; on
// a busy machine the CPU time is the figure to read.
//
//   git worktree add /tmp/base <rev> && (cd /tmp/base && deno install)
//   deno run -A bench/compare.ts --base /tmp/base [--rounds N] [--command] [--bundle dist/bundle]
import { parseArgs } from "node:util";
import { jsonToStruct } from "../idl/mod.ts";
import { flytekitContainerArgs, prepareNode } from "../_testing/propeller.ts";
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

const { values } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string" },
    rounds: { type: "string" },
    command: { type: "boolean" },
    bundle: { type: "string" },
  },
});
if (!values.base) {
  console.error(
    "Usage: deno run -A bench/compare.ts --base <other checkout> [--rounds N] [--command] [--bundle DIR]",
  );
  Deno.exit(2);
}
const base = values.base.replace(/\/$/, "");
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const rounds = roundsArg(31, values.rounds ? ["--rounds", values.rounds] : []);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-compare-" });

try {
  const empty = `${root}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  let node;
  if (values.command) {
    node = await prepareNode({
      template: {
        id: { resourceType: 1, project: "bench", domain: "development", name: "t", version: "1" },
        type: "flyteshim-command",
        interface: { inputs: { variables: {} }, outputs: { variables: {} } },
        custom: jsonToStruct({ command: ["true"] }),
        container: { image: "any", args: flytekitContainerArgs("flyteshim.command") },
      },
      inputs: { literals: {} },
      root: `${root}/node`,
    });
  } else {
    const dbPath = `${root}/tracks.db`;
    await writeTracksDatabase(dbPath);
    node = await prepareNode({
      template: flytekitSqlite3Template(dbPath),
      inputs: flytekitSqlite3Inputs(),
      root: `${root}/node`,
    });
  }
  // Each checkout runs with the flags it ships: those of its `deno task execute` (the compiled
  // binary's, as tests/image_test.ts checks).
  const shippedFlags = (checkout: string) => {
    const config = JSON.parse(Deno.readTextFileSync(`${checkout}/deno.json`));
    return (config.tasks.execute as string).split(/\s+/).filter((f) => f.startsWith("--"));
  };
  const run = (checkout: string, config: string[], entry = `${checkout}/entrypoint/main.ts`) => [
    Deno.execPath(),
    "run",
    "--quiet",
    ...config,
    ...shippedFlags(checkout),
    ...(values.command ? ["--allow-run"] : []),
    entry,
    ...node.args,
  ];
  const variants = [
    { name: "empty `deno run`", cmd: [Deno.execPath(), "run", "--no-config", empty] },
    { name: "base, `--no-config`", cmd: run(base, ["--no-config"]) },
    { name: "this checkout, `--no-config`", cmd: run(here, ["--no-config"]) },
    { name: "base, its deno.json", cmd: run(base, ["--config", `${base}/deno.json`]) },
    { name: "this checkout, its deno.json", cmd: run(here, ["--config", `${here}/deno.json`]) },
    ...(values.command ? [{ name: "`true`, run directly", cmd: ["true"] }] : []),
    ...(values.bundle
      ? [{
        name: "this checkout's bundle, `--no-config`",
        cmd: run(here, ["--no-config"], `${values.bundle.replace(/\/$/, "")}/main.js`),
      }]
      : []),
  ];
  const loadBefore = Deno.loadavg()[0];
  const samples = await interleave(variants, rounds, async (variant) => {
    const sample = await timeCommand(variant.cmd, { name: variant.name, cpu: true });
    if (variant.name !== variants[0].name && variant.cmd[0] !== "true") {
      await Deno.stat(`${node.paths.outputPrefix}/outputs.pb`);
      await Deno.remove(node.paths.outputPrefix, { recursive: true });
      await Deno.remove(node.paths.rawOutputPrefix, { recursive: true }).catch(() => {});
    }
    return sample;
  });
  const m = samples.map((s) => median(s.map((x) => x.ms)));
  const cpu = samples.map((s) => median(s.map((x) => x.cpuMs!)));
  const load = `${loadBefore.toFixed(1)} before, ${
    Deno.loadavg().map((x) => x.toFixed(1)).join(", ")
  } after`;
  console.log(
    `${rounds} interleaved rounds, medians (whole process), base: ${base}, load average ${load}\n`,
  );
  // The row a ratio compares with: the base for this checkout's rows, this checkout's
  // binary-like row for its bundle.
  const against = (i: number) =>
    i === 2 || i === 4 ? i - 1 : variants[i].name.includes("bundle") ? 2 : undefined;
  const direct = values.command ? m[5] : undefined;
  console.log(markdownTable(
    [
      "run",
      "wall",
      "wall vs empty run",
      "wall vs base",
      "CPU",
      "CPU vs base",
      ...(direct === undefined ? [] : ["over `true`", "overhead vs base"]),
    ],
    variants.map((v, i) => [
      v.name,
      `${m[i].toFixed(1)} ms`,
      `${(m[i] / m[0]).toFixed(2)}x`,
      against(i) === undefined ? "" : `${(m[i] / m[against(i)!]).toFixed(2)}x`,
      `${cpu[i].toFixed(1)} ms`,
      against(i) === undefined ? "" : `${(cpu[i] / cpu[against(i)!]).toFixed(2)}x`,
      ...(direct === undefined ? [] : [
        i >= 1 && i <= 4 ? `+${(m[i] - direct).toFixed(1)} ms` : "",
        i === 2 || i === 4 ? `${((m[i] - direct) / (m[i - 1] - direct)).toFixed(2)}x` : "",
      ]),
    ]),
    ["l", "r", "r", "r", "r", "r", "r", "r"],
  ));
  console.log(
    "\nRatios: this checkout's rows against the base's; the bundle's against this checkout's " +
      "`--no-config` row.",
  );
} finally {
  await Deno.remove(root, { recursive: true });
}
