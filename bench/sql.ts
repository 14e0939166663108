// Whole-process benchmark of the SQL executor on PostgreSQL: the real program, run the way
// propeller runs it (flytekit's SQLAlchemyTask template, secret password from the environment),
// on a 1,000,000-row table (bigint, text, numeric, boolean, timestamptz, nullable text), for
// results of 20, 100,000 and 1,000,000 rows, next to `psql -c "\copy (select ...) to '/dev/null'
// csv"` (and `(format binary)`) of the same 1,000,000 rows; with `--base DIR`, also the program of
// another checkout (a previous release, with its own `deno install`) on the 1,000,000 rows. Reports
// median wall time, peak RSS (GNU time), parquet bytes, the ratio to psql's csv and the load
// average; runs are interleaved so that machine noise hits all variants alike.
//
//   deno run -A bench/sql.ts [--rounds N] [--rows N] [--base DIR]
import { jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { startPostgres } from "../_testing/postgres.ts";
import {
  DEFAULT_PROGRAM,
  denoProgram,
  flytekitContainerArgs,
  runPropeller,
} from "../_testing/propeller.ts";
import { interleave, markdownTable, median, wholeNumberArgs } from "./_measure.ts";

const baseAt = Deno.args.indexOf("--base");
const base = baseAt >= 0 ? Deno.args[baseAt + 1] : undefined;
const { rounds, rows: tableRows } = wholeNumberArgs(
  { rounds: 3, rows: 1_000_000 },
  Deno.args.filter((_, i) => baseAt < 0 || (i !== baseAt && i !== baseAt + 1)),
);
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

  type Variant = { name: string; limit?: number; program?: readonly string[]; psql?: string };
  const variants: Variant[] = [
    { name: "psql \\copy ... csv", psql: "csv" },
    { name: "psql \\copy ... (format binary)", psql: "(format binary)" },
    { name: `flyteshim, ${tableRows.toLocaleString("en")} rows`, limit: tableRows },
    ...(base
      ? [{
        name: `flyteshim before (${base}), ${tableRows.toLocaleString("en")} rows`,
        limit: tableRows,
        program: denoProgram(`${base}/entrypoint/main.ts`),
      }]
      : []),
    { name: "flyteshim, 20 rows", limit: 20 },
    { name: "flyteshim, 100,000 rows", limit: 100_000 },
  ];
  const timeFile = await Deno.makeTempFile();
  const bytes = new Map<string, number>();
  const psql = async (format: string) => {
    const started = performance.now();
    const out = await new Deno.Command("/usr/bin/time", {
      args: [
        "-f",
        "%M %U %S",
        "-o",
        timeFile,
        "psql",
        "-h",
        pg.host,
        "-p",
        String(pg.port),
        "-U",
        pg.user,
        "-d",
        "postgres",
        "-c",
        `\\copy (select * from events order by id limit ${tableRows}) to '/dev/null' ${format}`,
      ],
      env: { PGPASSWORD: PASSWORD },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`psql failed: ${new TextDecoder().decode(out.stderr)}`);
    return (performance.now() - started) / 1000;
  };
  const once = async (v: Variant): Promise<{ wall: number; rssMiB: number; cpu: number }> => {
    if (v.psql) {
      const wall = await psql(v.psql);
      const [rssKb, user, sys] = (await Deno.readTextFile(timeFile)).trim().split(" ");
      return { wall, rssMiB: Number(rssKb) / 1024, cpu: Number(user) + Number(sys) };
    }
    const inputs = await valuesToLiteralMap({ limit: BigInt(v.limit!) }, {
      limit: Types.integer.literalType,
    });
    const run = await runPropeller({
      template,
      inputs,
      program: [
        "/usr/bin/time",
        "-f",
        "%M %e %U %S",
        "-o",
        timeFile,
        ...(v.program ?? DEFAULT_PROGRAM),
      ],
      env: { _FSEC_DB_PASSWORD: PASSWORD },
      timeoutMs: 300_000,
    });
    if (run.code !== 0 || run.error) {
      throw new Error(`${v.name}: ${run.error?.message ?? run.stderr}`);
    }
    const [rssKb, wall, user, sys] = (await Deno.readTextFile(timeFile)).trim().split("\n").pop()!
      .split(" ");
    const uri = run.outputs!.literals!.results.scalar!.structuredDataset!.uri!;
    bytes.set(v.name, (await Deno.stat(`${uri}/00000`)).size);
    await Deno.remove(run.paths.dataDir.replace(/\/metadata\/.*$/, ""), { recursive: true })
      .catch(() => {});
    return { wall: Number(wall), rssMiB: Number(rssKb) / 1024, cpu: Number(user) + Number(sys) };
  };
  const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  const loadBefore = load();
  const samples = await interleave(variants, rounds, once);
  const psqlWall = median(samples[0].map((s) => s.wall));
  console.log("");
  console.log(
    `${rounds} interleaved rounds after a warm-up round; load average ${loadBefore} before, ${load()} after`,
  );
  console.log(markdownTable(
    [
      "variant",
      "wall (median)",
      "min",
      "CPU user+sys (median)",
      "peak RSS (median)",
      "parquet bytes",
      "/ psql csv",
    ],
    variants.map((v, i) => {
      const wall = median(samples[i].map((s) => s.wall));
      return [
        v.name,
        `${wall.toFixed(2)} s`,
        `${Math.min(...samples[i].map((s) => s.wall)).toFixed(2)} s`,
        `${median(samples[i].map((s) => s.cpu)).toFixed(2)} s`,
        `${median(samples[i].map((s) => s.rssMiB)).toFixed(0)} MiB`,
        bytes.get(v.name)?.toLocaleString("en") ?? "",
        `${(wall / psqlWall).toFixed(2)}x`,
      ];
    }),
    ["l", "r", "r", "r", "r", "r", "r"],
  ));
} finally {
  await pg.stop();
}
