// Start-up of this checkout against another one (an earlier release, a branch), side by side in
// one run: flytekit's SQLite3Task template (10 rows) through each checkout's entrypoint, started
// as the compiled binary starts (`--no-config`: no project config or lock file to read) and as a
// `deno run` inside the checkout (reads its deno.json and deno.lock), next to an empty `deno run`.
// Rounds are interleaved so that machine noise hits every variant alike; medians and ratios.
//
//   git worktree add /tmp/base <rev> && (cd /tmp/base && deno install)
//   deno run -A bench/compare.ts --base /tmp/base [--rounds N]
import { parseArgs } from "node:util";
import { prepareNode, PROGRAM_FLAGS } from "../_testing/propeller.ts";
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
  options: { base: { type: "string" }, rounds: { type: "string" } },
});
if (!values.base) {
  console.error("Usage: deno run -A bench/compare.ts --base <other checkout> [--rounds N]");
  Deno.exit(2);
}
const base = values.base.replace(/\/$/, "");
const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const rounds = roundsArg(31, values.rounds ? ["--rounds", values.rounds] : []);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-compare-" });

try {
  const empty = `${root}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const dbPath = `${root}/tracks.db`;
  await writeTracksDatabase(dbPath);
  const node = await prepareNode({
    template: flytekitSqlite3Template(dbPath),
    inputs: flytekitSqlite3Inputs(),
    root: `${root}/node`,
  });
  const run = (checkout: string, config: string[]) => [
    Deno.execPath(),
    "run",
    "--quiet",
    ...config,
    ...PROGRAM_FLAGS,
    `${checkout}/entrypoint/main.ts`,
    ...node.args,
  ];
  const variants = [
    { name: "empty `deno run`", cmd: [Deno.execPath(), "run", "--no-config", empty] },
    { name: "base, `--no-config`", cmd: run(base, ["--no-config"]) },
    { name: "this checkout, `--no-config`", cmd: run(here, ["--no-config"]) },
    { name: "base, its deno.json", cmd: run(base, ["--config", `${base}/deno.json`]) },
    { name: "this checkout, its deno.json", cmd: run(here, ["--config", `${here}/deno.json`]) },
  ];
  const samples = await interleave(variants, rounds, async (variant) => {
    const sample = await timeCommand(variant.cmd, { name: variant.name });
    if (variant.name !== variants[0].name) {
      await Deno.stat(`${node.paths.outputPrefix}/outputs.pb`);
      await Deno.remove(node.paths.outputPrefix, { recursive: true });
      await Deno.remove(node.paths.rawOutputPrefix, { recursive: true }).catch(() => {});
    }
    return sample.ms;
  });
  const m = samples.map(median);
  console.log(`${rounds} interleaved rounds, medians (whole process), base: ${base}\n`);
  console.log(markdownTable(
    ["run", "median", "vs empty run", "vs base"],
    variants.map((v, i) => [
      v.name,
      `${m[i].toFixed(1)} ms`,
      `${(m[i] / m[0]).toFixed(2)}x`,
      i === 2 || i === 4 ? `${(m[i] / m[i - 1]).toFixed(2)}x` : "",
    ]),
    ["l", "r", "r", "r"],
  ));
} finally {
  await Deno.remove(root, { recursive: true });
}
