// The built artifact: `deno task bundle` (code-split, so lazy imports stay lazy) runs the propeller
// harness like the source does, including flytekit's fixture, on local folders and on S3, and the
// SQL executor against a real PostgreSQL (rows, the lazily loaded driver chunk, SIGTERM).
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  jsonToStruct,
  type JsonValue,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { activeAfterWaiting, startPostgres } from "../_testing/postgres.ts";
import { denoProgram, PROGRAM_FLAGS, runPropeller } from "../_testing/propeller.ts";
import { assertFailed, systemError } from "../_testing/reliability.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import { sqlalchemyTemplate } from "../_testing/sql_task.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";

const root = new URL("../", import.meta.url).pathname;
const bundleTask: string = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks.bundle;

/** Builds the bundle with the task's own command, into a temporary folder. */
async function buildBundle(): Promise<string> {
  const outdir = await tempDir({ prefix: "flyteshim-bundle-" });
  const args = bundleTask.split(/\s+/).slice(1).map((a) => a === "dist/bundle" ? outdir : a);
  const out = await new Deno.Command(Deno.execPath(), { args, cwd: root, stderr: "piped" })
    .output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return outdir;
}

const outdir = await buildBundle();
const program = denoProgram(`${outdir}/main.js`);

async function fixtureTemplate(custom: Record<string, JsonValue> = {}): Promise<TaskTemplate> {
  const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  template.custom = jsonToStruct({
    ...structToJson(template.custom),
    uri: `${FIXTURE_DIR}chinook-mini.db`,
    ...custom,
  });
  return template;
}

/** The chunks main.js loads before it runs anything (static imports, transitively). */
async function staticChunks(): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = ["main.js"];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = await Deno.readTextFile(`${outdir}/${file}`);
    for (const m of code.matchAll(/^\s*(?:import|export)\b[^;'"]*?from\s*"\.\/([^"]+)"/gm)) {
      queue.push(m[1]);
    }
    for (const m of code.matchAll(/^\s*import\s*"\.\/([^"]+)"/gm)) queue.push(m[1]);
  }
  return seen;
}

Deno.test("bundle: the bundle keeps executors, S3 and npm clients out of its start-up graph", async () => {
  const chunks = await staticChunks();
  const all = [...Deno.readDirSync(outdir)].map((e) => e.name);
  for (const lazy of ["s3-", "postgres-", "mysql", "zip-", "mod-"]) {
    assert(all.some((f) => f.startsWith(lazy)), `expected a lazily loaded ${lazy}* chunk`);
    assert(![...chunks].some((f) => f.startsWith(lazy)), `${lazy}* is loaded at start-up`);
  }
});

Deno.test("bundle: the bundled executor runs flytekit's fixture and matches expected-results.parquet", async () => {
  const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));
  const run = await runPropeller({ template: await fixtureTemplate(), inputs, program });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["outputs.pb"], run.error?.message ?? "");
  const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
  assertMatch(sd.uri!, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}$`));
  const table = await readParquet(`${sd.uri}/00000`);
  const expected = await readParquet(`${FIXTURE_DIR}expected-results.parquet`);
  assertEquals(table.columns, expected.columns);
  assertEquals(table.rows, expected.rows);
});

Deno.test("bundle: the bundled executor writes a USER error document for a bad query", async () => {
  const run = await runPropeller({
    template: await fixtureTemplate({
      query_template: "select * from trackz limit {{.inputs.limit}}",
    }),
    inputs: decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
    program,
  });
  assertEquals([run.code, run.files], [0, ["error.pb"]]);
  assertEquals(run.error?.code, "USER:SqlError");
  assertStringIncludes(run.error?.message ?? "", "no such table: trackz");
});

Deno.test("bundle: the bundled executor runs with every prefix on S3 (the lazy S3 chunk loads)", async () => {
  await using s3 = await startS3rver({ buckets: ["my-s3-bucket"] });
  const storage = createStorage({ s3: s3.config });
  await storage.write(
    "s3://my-s3-bucket/dbs/chinook.db",
    await Deno.readFile(`${FIXTURE_DIR}chinook-mini.db`),
  );
  const run = await runPropeller({
    template: await fixtureTemplate({ uri: "s3://my-s3-bucket/dbs/chinook.db" }),
    inputs: decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
    root: "s3://my-s3-bucket/bundle",
    storage,
    env: s3.env,
    program,
  });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.files, ["outputs.pb"], run.error?.message ?? "");
  const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
  assert(sd.uri!.startsWith("s3://my-s3-bucket/"));
});

Deno.test("bundle: the bundled program describes its executors", async () => {
  const out = await new Deno.Command(program[0], { args: [...program.slice(1), "describe"] })
    .output();
  assert(out.success);
  const text = new TextDecoder().decode(out.stdout);
  assertStringIncludes(text, "flytekit.extras.sqlite3.task.SQLite3TaskExecutor");
  assertStringIncludes(text, "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor");
});

/**
 * A template as flytekit's SQLAlchemyTask serializes it
 * (docs/flyte-contract.md#what-flytekits-sql-tasks-write), user and password as secrets.
 */
function sqlTemplate(pg: { host: string; port: number }, query: string): TaskTemplate {
  return sqlalchemyTemplate({
    query_template: query,
    uri: `postgresql+psycopg2://${pg.host}/postgres`,
    connect_args: { port: pg.port + 0.0, connect_timeout: 5.0, sslmode: "disable" },
    secret_connect_args: {
      username: { group: "db", key: "user", group_version: null, mount_requirement: 1 },
      password: { group: "db", key: "password", group_version: null, mount_requirement: 1 },
    },
  });
}

/** The bundle's PostgreSQL driver chunk (`postgres-*.js`), by its path. */
function postgresChunk(): string {
  const name = [...Deno.readDirSync(outdir)].map((e) => e.name).find((f) =>
    f.startsWith("postgres-")
  );
  assert(name, "no postgres-* chunk in the bundle");
  return `${outdir}/${name}`;
}

Deno.test("bundle: the bundled SQL executor queries PostgreSQL; the driver chunk loads only then", async () => {
  await using pg = await startPostgres();
  await pg.sql(`
    create table tracks (id int8 primary key, name text);
    insert into tracks select g, 'track ' || g from generate_series(1, 50) g;
  `);
  const template = sqlTemplate(
    pg,
    "select id, name from tracks order by id limit {{ .inputs.limit }}",
  );
  const inputs = await valuesToLiteralMap({ limit: 20n }, { limit: Types.integer.literalType });
  const env = { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: pg.password };
  const run = await runPropeller({ template, inputs, env, program });
  assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.error?.message ?? run.stderr);
  const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
  const table = await readParquet(`${sd.uri}/00000`);
  assertEquals(table.columns.map((c) => c.type), ["BIGINT", "VARCHAR"]);
  assertEquals(table.rows.length, 20);
  assertEquals(table.rows[19], [20n, "track 20"]);
  // Deno checks read permission only for modules it imports dynamically (with lazy dynamic
  // imports): denied the driver chunk, the same run fails when it reaches the driver, so the
  // chunk is imported then and not with the program.
  const chunk = postgresChunk();
  assert(!(await staticChunks()).has(chunk.slice(outdir.length + 1)), "loaded at start-up");
  const denied = await runPropeller({
    template,
    inputs,
    env,
    program: [
      Deno.execPath(),
      "run",
      "--quiet",
      "--no-prompt",
      ...PROGRAM_FLAGS,
      `--deny-read=${chunk}`,
      `${outdir}/main.js`,
    ],
  });
  // A chunk the program cannot load is a broken build or image: not retried.
  assertFailed(denied, systemError("SYSTEM:ModuleNotFound", false), 0);
  // The message names the chunk; "postgres" in its name is masked, being the user's secret value.
  assertStringIncludes(denied.error!.message!, "Requires read access");
  assertStringIncludes(denied.error!.message!, chunk.slice(chunk.lastIndexOf("-")));
});

Deno.test("bundle: the bundled SQL executor ends a long PostgreSQL statement on SIGTERM: SYSTEM:Aborted", async () => {
  await using pg = await startPostgres();
  const run = await runPropeller({
    template: sqlTemplate(pg, "select pg_sleep(30), {{ .inputs.limit }} as n"),
    inputs: await valuesToLiteralMap({ limit: 1n }, { limit: Types.integer.literalType }),
    env: { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: pg.password },
    program,
    interrupt: { when: /Running query/ },
  });
  assertFailed(run, systemError("SYSTEM:Aborted"), 0);
  assert(run.msAfterInterrupt! < 5_000, `ended ${run.msAfterInterrupt} ms after the signal`);
  console.log(
    `SIGTERM during a PostgreSQL query (bundle): the run ended ${
      Math.round(run.msAfterInterrupt!)
    } ms after the signal, ${Math.round(run.ms)} ms after it started`,
  );
  // The statement is cancelled on the server, not left to run its 30 s.
  assertEquals(
    await activeAfterWaiting(pg, "select pg_sleep(30)%"),
    0,
    "the query still runs on the server",
  );
});
