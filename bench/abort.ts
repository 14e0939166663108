// What the abort watchdog (entrypoint/abort_watchdog.ts) costs and buys, in whole-process runs
// of the real program through the propeller harness, interleaved (each round runs every variant
// once, in rotating order):
//
// 1. the 10-row run (flytekit's SQLite3Task template and inputs: 10 of 5,000 rows to parquet)
//    with the watchdog off and on, on local files and with every prefix and the database on a
//    local S3 server (s3rver), where `auto` turns it on;
// 2. SIGTERM during one long SQLite step (a recursive query): the time from the signal to the end
//    of the process, and whether error.pb was there, with the watchdog off and on.
//
//   deno run -A bench/abort.ts [--rounds N] [--sigterm-rounds N]
import { jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { type PreparedNode, prepareNode, runNode } from "../_testing/propeller.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import {
  flytekitSqlite3Inputs,
  flytekitSqlite3Template,
  interleave,
  markdownTable,
  median,
  outputsRunMs,
  timesTable,
  wholeNumberArgs,
  writeTracksDatabase,
} from "./_measure.ts";

const { rounds, "sigterm-rounds": sigtermRounds } = wholeNumberArgs({
  rounds: 21,
  "sigterm-rounds": 3,
});

// About 10 s of one step on these machines: long enough to show the wait without the watchdog.
const LONG_QUERY =
  "with recursive c(x) as (select 1 union all select x + 1 from c where x < 30000000) select count(*) as n from c";

const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-abort-" });
const s3 = await startS3rver({ buckets: ["bench"] });
try {
  const dbPath = `${root}/tracks.db`;
  await writeTracksDatabase(dbPath);
  const s3Storage = createStorage({ s3: s3.config });
  await s3Storage.upload(dbPath, "s3://bench/dbs/tracks.db");
  const inputs = flytekitSqlite3Inputs();
  const watchdog = (mode: string) => ({ FLYTESHIM_ABORT_WATCHDOG: mode });

  // 1. The 10-row run.
  const short: { name: string; node: PreparedNode }[] = [];
  for (const mode of ["off", "on"]) {
    short.push({
      name: `local files, watchdog ${mode}`,
      node: await prepareNode({
        template: flytekitSqlite3Template(dbPath),
        inputs,
        root: `${root}/local-${mode}`,
        env: watchdog(mode),
      }),
    });
  }
  for (const mode of ["off", "auto"]) {
    short.push({
      name: `s3:// prefixes and database, watchdog ${mode}`,
      node: await prepareNode({
        template: flytekitSqlite3Template("s3://bench/dbs/tracks.db"),
        inputs,
        root: `s3://bench/${mode}`,
        storage: s3Storage,
        env: { ...s3.env, ...watchdog(mode) },
      }),
    });
  }
  const times = await interleave(
    short,
    rounds,
    async (v) => outputsRunMs(v.name, await runNode(v.node)),
  );
  console.log(
    `bench/abort.ts: ${rounds} interleaved rounds, whole-process wall time of the 10-row run (Deno ${Deno.version.deno})`,
  );
  console.log(timesTable(short.map((v) => v.name), times, {
    header: "ratio to watchdog off",
    cell: (i) => `${(median(times[i]) / median(times[i - (i % 2)])).toFixed(3)}x`,
  }));

  // 2. SIGTERM during one long step.
  const template: TaskTemplate = {
    ...flytekitSqlite3Template(dbPath),
    custom: jsonToStruct({ query_template: LONG_QUERY, uri: dbPath, compressed: false }),
  };
  template.interface = { ...template.interface, inputs: { variables: {} } };
  const long: { name: string; node: PreparedNode }[] = [];
  for (const mode of ["off", "on"]) {
    long.push({
      name: `watchdog ${mode}`,
      node: await prepareNode({
        template,
        inputs: { literals: {} },
        root: `${root}/long-${mode}`,
        env: watchdog(mode),
      }),
    });
  }
  const ended = await interleave(long, sigtermRounds, async (v) => {
    const run = await runNode(v.node, {
      interrupt: { when: /Running the query/ },
      timeoutMs: 120_000,
    });
    if (run.error?.code !== "SYSTEM:Aborted" || run.files.includes("outputs.pb")) {
      throw new Error(`${v.name}: files ${run.files}, error ${run.error?.code}: ${run.stderr}`);
    }
    await Deno.remove(`${v.node.paths.outputPrefix}/error.pb`);
    return { ms: run.msAfterInterrupt!, exit: run.signal ?? String(run.code) };
  });
  console.log(
    `\nSIGTERM during one long SQLite step (${sigtermRounds} interleaved rounds): from the signal to the end of the process, error.pb written in every run`,
  );
  console.log(markdownTable(
    ["variant", "median ms", "max ms", "exit"],
    long.map((v, i) => [
      v.name,
      median(ended[i].map((e) => e.ms)).toFixed(0),
      Math.max(...ended[i].map((e) => e.ms)).toFixed(0),
      [...new Set(ended[i].map((e) => e.exit))].join(", "),
    ]),
    ["l", "r", "r", "l"],
  ));
} finally {
  await s3.stop();
  await Deno.remove(root, { recursive: true });
}
