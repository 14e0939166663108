// Whole-process `execute` with every prefix on a local S3 server (s3rver) next to the same run on
// local files: flytekit's SQLite3Task template and inputs (10 of 5,000 rows to parquet), run as
// propeller runs it (tests/_propeller.ts). Runs are interleaved (each round runs every variant
// once, in rotating order); reports medians and ratios to the local-files run.
//
//   deno run -A bench/execute_s3.ts [--rounds N]
import { createStorage } from "../storage/mod.ts";
import { type PreparedNode, prepareNode, runNode } from "../tests/_propeller.ts";
import { startS3rver } from "../tests/_s3rver.ts";
import {
  flytekitSqlite3Inputs,
  flytekitSqlite3Template,
  interleave,
  markdownTable,
  median,
  roundsArg,
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

  const once = async (v: (typeof variants)[number]) => {
    const run = await runNode(v.node);
    if (run.code !== 0 || !run.files.includes("outputs.pb")) {
      throw new Error(`${v.name}: exit ${run.code}, files ${run.files}: ${run.stderr}`);
    }
    return run.ms;
  };

  const times = await interleave(variants, rounds, once);
  const base = median(times[0]);
  console.log(
    `bench/execute_s3.ts: ${rounds} interleaved rounds, whole-process wall time of flytekit's SQLite3Task (Deno ${Deno.version.deno}, s3rver on loopback)`,
  );
  console.log(markdownTable(
    ["variant", "median ms", "min ms", "ratio to local files"],
    variants.map((v, i) => [
      v.name,
      median(times[i]).toFixed(1),
      Math.min(...times[i]).toFixed(1),
      `${(median(times[i]) / base).toFixed(2)}x`,
    ]),
    ["l", "r", "r", "r"],
  ));
} finally {
  await s3.stop();
  await Deno.remove(root, { recursive: true });
}
