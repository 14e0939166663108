// Whole-process `execute` with every prefix on a local S3 server (s3rver) next to the same run on
// local files: flytekit's SQLite3Task template and inputs (10 of 5,000 rows to parquet), run as
// propeller runs it (_testing/propeller.ts). Runs are interleaved (each round runs every variant
// once, in rotating order); reports medians and ratios to the local-files run.
//
//   deno run -A bench/execute_s3.ts [--rounds N]
import { createStorage } from "../storage/mod.ts";
import { type PreparedNode, prepareNode, runNode } from "../_testing/propeller.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import {
  flytekitSqlite3Inputs,
  flytekitSqlite3Template,
  interleave,
  median,
  outputsRunMs,
  roundsArg,
  timesTable,
  writeTracksDatabase,
} from "./_measure.ts";

const rounds = roundsArg(11);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-s3-" });
const s3 = await startS3rver({ buckets: ["bench"] });

try {
  const dbPath = `${root}/tracks.db`;
  await writeTracksDatabase(dbPath);
  const s3Storage = createStorage({ s3: s3.config });
  await s3Storage.upload(dbPath, "s3://bench/dbs/tracks.db");
  const inputs = flytekitSqlite3Inputs();

  const variants: { name: string; node: PreparedNode }[] = [
    {
      name: "local files (database and every prefix)",
      node: await prepareNode({
        template: flytekitSqlite3Template(dbPath),
        inputs,
        root: `${root}/local`,
      }),
    },
    {
      name: "every prefix on s3://, database local",
      node: await prepareNode({
        template: flytekitSqlite3Template(dbPath),
        inputs,
        root: "s3://bench/prefixes",
        storage: s3Storage,
        env: s3.env,
      }),
    },
    {
      name: "every prefix and the database on s3://",
      node: await prepareNode({
        template: flytekitSqlite3Template("s3://bench/dbs/tracks.db"),
        inputs,
        root: "s3://bench/all",
        storage: s3Storage,
        env: s3.env,
      }),
    },
  ];

  const times = await interleave(
    variants,
    rounds,
    async (v) => outputsRunMs(v.name, await runNode(v.node)),
  );
  const base = median(times[0]);
  console.log(
    `bench/execute_s3.ts: ${rounds} interleaved rounds, whole-process wall time of flytekit's SQLite3Task (Deno ${Deno.version.deno}, s3rver on loopback)`,
  );
  console.log(timesTable(variants.map((v) => v.name), times, {
    header: "ratio to local files",
    cell: (i) => `${(median(times[i]) / base).toFixed(2)}x`,
  }));
} finally {
  await s3.stop();
  await Deno.remove(root, { recursive: true });
}
