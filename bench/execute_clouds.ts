// Whole-process `execute` with every prefix (inputs, template, outputs, raw data) on each cloud
// backend next to the same run on local files: s3:// on s3rver, gs:// on the GCS emulator, abfs://
// on Azurite, all on loopback. flytekit's SQLite3Task template and inputs (10 of 5,000 rows to
// parquet), the database a local file in every variant, so the difference is the prefixes'
// backend: its import, credentials and requests. Runs are interleaved (each round runs every
// variant once, in rotating order); reports medians and the milliseconds added to the local run.
//
//   deno run -A bench/execute_clouds.ts [--rounds N]
import { createStorage } from "../storage/mod.ts";
import { type PreparedNode, prepareNode, runNode } from "../_testing/propeller.ts";
import { startAzurite } from "../_testing/azurite.ts";
import { startGcsEmulator } from "../_testing/gcs_emulator.ts";
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
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-clouds-" });
const [s3, gcs, azurite] = await Promise.all([
  startS3rver({ buckets: ["bench"] }),
  startGcsEmulator(),
  startAzurite({ containers: ["bench"] }),
]);

try {
  const dbPath = `${root}/tracks.db`;
  await writeTracksDatabase(dbPath);
  const template = flytekitSqlite3Template(dbPath);
  const inputs = flytekitSqlite3Inputs();
  const azureRoot = "abfs://bench@devstoreaccount1.dfs.core.windows.net/prefixes";
  const variants: { name: string; node: PreparedNode }[] = [
    {
      name: "local files",
      node: await prepareNode({ template, inputs, root: `${root}/local` }),
    },
    {
      name: "every prefix on s3:// (s3rver)",
      node: await prepareNode({
        template,
        inputs,
        root: "s3://bench/prefixes",
        storage: createStorage({ s3: s3.config }),
        env: s3.env,
      }),
    },
    {
      name: "every prefix on gs:// (GCS emulator)",
      node: await prepareNode({
        template,
        inputs,
        root: "gs://bench/prefixes",
        storage: createStorage({ gcs: gcs.config }),
        env: gcs.env,
      }),
    },
    {
      name: "every prefix on abfs:// (Azurite, account key)",
      node: await prepareNode({
        template,
        inputs,
        root: azureRoot,
        storage: createStorage({ azure: azurite.config }),
        env: azurite.env,
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
    `bench/execute_clouds.ts: ${rounds} interleaved rounds, whole-process wall time of flytekit's SQLite3Task (Deno ${Deno.version.deno}, servers on loopback)`,
  );
  console.log(timesTable(variants.map((v) => v.name), times, {
    header: "added ms (median)",
    cell: (i) => i === 0 ? "–" : `+${(median(times[i]) - base).toFixed(1)}`,
  }));
} finally {
  await Promise.all([s3.stop(), gcs.stop(), azurite.stop()]);
  await Deno.remove(root, { recursive: true });
}
