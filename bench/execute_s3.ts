// Whole-process `execute` with every prefix on a local S3 server (s3rver) next to the same run on
// local files: flytekit's SQLite3Task template and inputs (10 of 5,000 rows to parquet), run as
// propeller runs it (tests/_propeller.ts). Runs are interleaved (each round runs every variant
// once, in rotating order); reports medians and ratios to the local-files run.
//
//   deno run -A bench/execute_s3.ts [--rounds N]
import { parseArgs } from "node:util";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  jsonToStruct,
  type JsonValue,
  structToJson,
} from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { type PreparedNode, prepareNode, runNode } from "../tests/_propeller.ts";
import { startS3rver } from "../tests/_s3rver.ts";
import { interleave, markdownTable, median } from "./_measure.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "11" } },
});
const rounds = Number(values.rounds);
const root = await Deno.makeTempDir({ prefix: "flyteshim-bench-s3-" });
const s3 = await startS3rver({ buckets: ["bench"] });

try {
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
  const s3Storage = createStorage({ s3: s3.config });
  await s3Storage.upload(dbPath, "s3://bench/dbs/tracks.db");

  const fixtures = new URL("../testdata/idl/flytekit-sqlite3/", import.meta.url);
  const inputs = decodeLiteralMap(await Deno.readFile(new URL("inputs.pb", fixtures)));
  const template = (uri: string) => {
    const t = decodeTaskTemplate(
      Deno.readFileSync(new URL("template.pb", fixtures)),
    );
    const custom = structToJson(t.custom) as Record<string, JsonValue>;
    t.custom = jsonToStruct({ ...custom, uri });
    return t;
  };

  const variants: { name: string; node: PreparedNode }[] = [
    {
      name: "local files (database and every prefix)",
      node: await prepareNode({ template: template(dbPath), inputs, root: `${root}/local` }),
    },
    {
      name: "every prefix on s3://, database local",
      node: await prepareNode({
        template: template(dbPath),
        inputs,
        root: "s3://bench/prefixes",
        storage: s3Storage,
        env: s3.env,
      }),
    },
    {
      name: "every prefix and the database on s3://",
      node: await prepareNode({
        template: template("s3://bench/dbs/tracks.db"),
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
