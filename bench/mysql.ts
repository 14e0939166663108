// Whole-process benchmark of the SQL executor on MariaDB: the real program, run the way propeller
// runs it (flytekit's SQLAlchemyTask template, secret password from the environment), writing
// 1,000,000 rows (bigint, text, decimal, boolean, timestamp, nullable text) to parquet, next to
// `mariadb --batch -e "select ..." > /dev/null` of the same rows. Reports median wall times, the
// program's peak RSS (GNU time) and the ratio; runs are interleaved.
//
// With `--base <other checkout>` (an earlier commit, with `deno install` run in it), that
// checkout's program runs in the same rounds too: before and after, side by side.
//
//   deno run -A bench/mysql.ts [--rounds N] [--rows N] [--base DIR]
import { parseArgs } from "node:util";
import { jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { valuesToLiteralMap } from "../types/mod.ts";
import { startMariadb } from "../_testing/mariadb.ts";
import {
  DEFAULT_PROGRAM,
  denoProgram,
  flytekitContainerArgs,
  runPropeller,
} from "../_testing/propeller.ts";
import { median, wholeNumberArgs } from "./_measure.ts";

const { values: named } = parseArgs({
  args: Deno.args,
  options: { base: { type: "string" }, rounds: { type: "string" }, rows: { type: "string" } },
});
const base = named.base?.replace(/\/$/, "");
const { rounds, rows } = wholeNumberArgs(
  { rounds: 3, rows: 1_000_000 },
  Object.entries({ rounds: named.rounds, rows: named.rows })
    .flatMap(([k, v]) => v === undefined ? [] : [`--${k}`, v]),
);
const loadAverage = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const PASSWORD = "bench-pw";

const db = await startMariadb({ password: PASSWORD });
try {
  const t0 = performance.now();
  await db.sql(`
    use app;
    create table app.events (id bigint primary key, label text, amount decimal(12, 2), flag boolean,
                             created_at timestamp(6) null, note text);
    insert into app.events
      select seq, concat('label-', seq % 1000), seq * 0.25, seq % 2 = 0,
             timestamp '2024-01-01 00:00:00' + interval seq second,
             if(seq % 3 = 0, null, concat('note ', seq))
      from seq_1_to_${rows};
  `);
  console.log(`table: ${rows} rows loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const query = `select * from events order by id limit ${rows}`;
  const template: TaskTemplate = {
    id: { resourceType: 1, project: "p", domain: "d", name: "mysql.bench", version: "v1" },
    type: "sqlalchemy",
    interface: { outputs: { variables: { results: { type: { schema: {} } } } } },
    custom: jsonToStruct({
      query_template: query,
      uri: `mysql+pymysql://${db.user}@${db.host}:${db.port}/app`,
      secret_connect_args: {
        password: { group: "db", key: "password", group_version: null, mount_requirement: 1 },
      },
    }),
    container: {
      image: "flyteshim",
      args: flytekitContainerArgs("flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor"),
    },
  };
  const inputs = await valuesToLiteralMap({}, {});
  const timeFile = await Deno.makeTempFile();
  const execute: number[] = [];
  const rss: number[] = [];
  const baseExecute: number[] = [];
  const baseRss: number[] = [];
  const client: number[] = [];
  const programs = {
    execute: DEFAULT_PROGRAM,
    base: base
      ? denoProgram(`${base}/entrypoint/main.ts`).toSpliced(2, 0, "--config", `${base}/deno.json`)
      : undefined,
  };
  const variants = ["execute", "client", ...(base ? ["base"] : [])];
  const loadBefore = loadAverage();
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length];
      if (variant === "client") {
        const started = performance.now();
        const out = await new Deno.Command("mariadb", {
          args: [
            "--no-defaults",
            "-h",
            db.host,
            "-P",
            String(db.port),
            "-u",
            db.user,
            `-p${PASSWORD}`,
            "--batch",
            "-e",
            query,
            "app",
          ],
          stdout: "null",
          stderr: "piped",
        }).output();
        if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
        client.push((performance.now() - started) / 1000);
        continue;
      }
      const run = await runPropeller({
        template,
        inputs,
        program: [
          "/usr/bin/time",
          "-f",
          "%M %e",
          "-o",
          timeFile,
          ...(variant === "base" ? programs.base! : programs.execute),
        ],
        env: { _FSEC_DB_PASSWORD: PASSWORD },
        timeoutMs: 300_000,
      });
      if (run.code !== 0 || run.error) {
        throw new Error(`run failed: ${run.error?.message ?? run.stderr}`);
      }
      const [kb, wall] = (await Deno.readTextFile(timeFile)).trim().split("\n").pop()!.split(" ");
      (variant === "base" ? baseExecute : execute).push(Number(wall));
      (variant === "base" ? baseRss : rss).push(Number(kb) / 1024);
      await Deno.remove(run.paths.dataDir.replace(/\/metadata\/.*$/, ""), { recursive: true })
        .catch(() => {});
    }
  }
  await Deno.remove(timeFile);
  console.log(
    `execute: ${median(execute).toFixed(2)} s, ${median(rss).toFixed(0)} MiB; ` +
      `mariadb --batch: ${median(client).toFixed(2)} s; ratio ${
        (median(execute) / median(client)).toFixed(2)
      }x (medians of ${rounds}; load average ${loadBefore} before, ${loadAverage()} after)`,
  );
  if (base) {
    console.log(
      `base (${base}): ${median(baseExecute).toFixed(2)} s, ${median(baseRss).toFixed(0)} MiB; ` +
        `ratio ${(median(baseExecute) / median(client)).toFixed(2)}x; ` +
        `this checkout / base ${(median(execute) / median(baseExecute)).toFixed(2)}x`,
    );
  }
} finally {
  await db.stop();
}
