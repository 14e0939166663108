// Whole-process benchmark of the SQL executor on PostgreSQL: the real program, run the way
// propeller runs it (flytekit's SQLAlchemyTask template, secret password from the environment),
// on a 1,000,000-row table (bigint, text, numeric, boolean, timestamptz, nullable text), for
// results of 20, 100,000 and 1,000,000 rows, next to `psql -c "\copy (select ...) to '/dev/null'
// csv"` of the same 1,000,000 rows. Reports median wall time, peak RSS of the program process (GNU
// time), parquet bytes and the ratio to psql; runs are interleaved so that machine noise hits all
// variants alike.
//
//   deno run -A bench/sql.ts [--rounds N] [--rows N]
import { jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { DEFAULT_PROGRAM, flytekitContainerArgs, runPropeller } from "../_testing/propeller.ts";
import { markdownTable, median, wholeNumberArgs } from "./_measure.ts";

const { rounds, rows: tableRows } = wholeNumberArgs({ rounds: 3, rows: 1_000_000 });
const PASSWORD = "bench-pw";

const pg = await startPostgres({ password: PASSWORD });
try {
  const t0 = performance.now();
  await pg.sql(`
    create table events (id int8 primary key, label text, amount numeric(12, 2), flag bool,
                         created_at timestamptz, note text);
    insert into events
      select g, 'label-' || (g % 1000), g * 0.25, g % 2 = 0,
             timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
             case when g % 3 = 0 then null else 'note ' || g end
      from generate_series(1, ${tableRows}) g;
  `);
  await pg.sql("vacuum analyze events");
  console.log(
    `table: ${tableRows} rows loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const template: TaskTemplate = {
    id: { resourceType: 1, project: "p", domain: "d", name: "sql.bench", version: "v1" },
    type: "sqlalchemy",
    interface: {
      inputs: { variables: { limit: { type: Types.integer.literalType } } },
      outputs: { variables: { results: { type: { schema: {} } } } },
    },
    custom: jsonToStruct({
      query_template: "select * from events order by id limit {{ .inputs.limit }}",
      uri: `postgresql+psycopg2://${pg.user}@${pg.host}:${pg.port}/postgres`,
      connect_args: { connect_timeout: 5.0 },
      secret_connect_args: {
        password: { group: "db", key: "password", group_version: null, mount_requirement: 1 },
      },
    }),
    container: {
      image: "flyteshim",
      args: flytekitContainerArgs("flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor"),
    },
  };

  const sizes = [20, 100_000, tableRows];
  const results = new Map<number, { wall: number[]; rss: number[]; bytes: number }>();
  const timeFile = await Deno.makeTempFile();
  const psql = async () => {
    const started = performance.now();
    const out = await new Deno.Command("psql", {
      args: [
        "-h",
        pg.host,
        "-p",
        String(pg.port),
        "-U",
        pg.user,
        "-d",
        "postgres",
        "-c",
        `\\copy (select * from events order by id limit ${tableRows}) to '/dev/null' csv`,
      ],
      env: { PGPASSWORD: PASSWORD },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`psql failed: ${new TextDecoder().decode(out.stderr)}`);
    return (performance.now() - started) / 1000;
  };
  const psqlWall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k <= sizes.length; k++) {
      if ((k + round) % (sizes.length + 1) === sizes.length) {
        psqlWall.push(await psql());
        continue;
      }
      const limit = sizes[(k + round) % (sizes.length + 1)];
      const inputs = await valuesToLiteralMap({ limit: BigInt(limit) }, {
        limit: Types.integer.literalType,
      });
      const run = await runPropeller({
        template,
        inputs,
        program: ["/usr/bin/time", "-f", "%M %e", "-o", timeFile, ...DEFAULT_PROGRAM],
        env: { _FSEC_DB_PASSWORD: PASSWORD },
        timeoutMs: 300_000,
      });
      if (run.code !== 0 || run.error) {
        throw new Error(`run failed: ${run.error?.message ?? run.stderr}`);
      }
      const [rssKb, wall] = (await Deno.readTextFile(timeFile)).trim().split("\n").pop()!.split(
        " ",
      );
      const uri = run.outputs!.literals!.results.scalar!.structuredDataset!.uri!;
      const bytes = (await Deno.stat(`${uri}/00000`)).size;
      const entry = results.get(limit) ?? { wall: [], rss: [], bytes };
      entry.wall.push(Number(wall));
      entry.rss.push(Number(rssKb) / 1024);
      results.set(limit, entry);
      await Deno.remove(run.paths.dataDir.replace(/\/metadata\/.*$/, ""), { recursive: true })
        .catch(() => {});
    }
  }
  const small = results.get(20)!;
  const big = results.get(tableRows)!;
  console.log("");
  console.log(
    `psql \\copy ... to '/dev/null' csv of ${tableRows} rows: ${median(psqlWall).toFixed(2)} s; ` +
      `execute / psql: ${(median(big.wall) / median(psqlWall)).toFixed(2)}x`,
  );
  console.log(markdownTable(
    ["rows returned", `wall (median of ${rounds})`, "peak RSS", "parquet bytes"],
    sizes.map((limit) => {
      const r = results.get(limit)!;
      return [
        limit.toLocaleString("en"),
        `${median(r.wall).toFixed(2)} s (x${(median(r.wall) / median(small.wall)).toFixed(1)})`,
        `${median(r.rss).toFixed(0)} MiB (x${(median(r.rss) / median(small.rss)).toFixed(2)})`,
        r.bytes.toLocaleString("en"),
      ];
    }),
  ));
} finally {
  await pg.stop();
}
