// The SQL executor end to end: a template as flytekit's SQLAlchemyTask serializes it
// (docs/flyte-contract.md#what-flytekits-sql-tasks-write), run by the real program through the
// propeller harness under flytekit's executor path, against a real PostgreSQL; the dataset is read
// back with DuckDB.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { activeAfterWaiting, activeWithin, startPostgres } from "../_testing/postgres.ts";
import { runPropeller } from "../_testing/propeller.ts";
import { sqlalchemyTemplate } from "../_testing/sql_task.ts";

const PASSWORD = "e2e-Secret-4d1f";

Deno.test("sql executor end to end: flytekit's SQLAlchemyTask template on PostgreSQL", async (t) => {
  await using pg = await startPostgres({ password: PASSWORD });
  await pg.sql(`
    create table tracks (id int8 primary key, name text, price numeric(10,2), at timestamptz);
    insert into tracks
      select g, 'track ' || g, g * 0.25, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
      from generate_series(1, 50) g;
  `);
  const custom = {
    query_template: "select id, name, price, at from tracks order by id limit {{ .inputs.limit }}",
    uri: `postgresql+psycopg2://${pg.host}/postgres`,
    // As flytekit writes them: numbers became doubles in the protobuf Struct.
    connect_args: { port: pg.port + 0.0, connect_timeout: 5.0, sslmode: "disable" },
    secret_connect_args: {
      username: { group: "db", key: "user", group_version: null, mount_requirement: 1 },
      password: { group: "db", key: "password", group_version: null, mount_requirement: 1 },
    },
  };
  const inputs = await valuesToLiteralMap({ limit: 20n }, { limit: Types.integer.literalType });

  await t.step("20 rows to a parquet structured dataset", async () => {
    const run = await runPropeller({
      template: sqlalchemyTemplate(custom),
      inputs,
      env: { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: PASSWORD },
    });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.error, undefined, run.error?.message ?? "");
    assert(!run.stdout.includes(PASSWORD) && !run.stderr.includes(PASSWORD));
    const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
    assertMatch(sd.uri!, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}$`));
    assertEquals(sd.metadata?.structuredDatasetType?.format, "parquet");
    const table = await readParquet(`${sd.uri}/00000`);
    assertEquals(table.columns.map((c) => c.type), [
      "BIGINT",
      "VARCHAR",
      "DOUBLE",
      "TIMESTAMP WITH TIME ZONE",
    ]);
    assertEquals(table.rows.length, 20);
    assertEquals(table.rows[19].slice(0, 3), [20n, "track 20", 5]);
  });

  await t.step("a wrong password: USER, non-recoverable error document", async () => {
    const run = await runPropeller({
      template: sqlalchemyTemplate(custom),
      inputs,
      env: { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: "not-the-password" },
    });
    assertEquals(run.code, 0, run.stderr);
    assert(run.error, "no error document");
    assertEquals(run.error.code, "USER:AuthenticationFailed");
    assertEquals(run.error.kind, 0); // NON_RECOVERABLE
    assertEquals(run.error.origin, 1); // USER
    assertStringIncludes(run.error.message ?? "", "password authentication failed");
    assert(!(run.error.message ?? "").includes("not-the-password"));
    assert(!run.stderr.includes("not-the-password") && !run.stdout.includes("not-the-password"));
  });

  /**
   * Runs `query` in a storage root of its own (so that the program is found by its arguments),
   * SIGTERMs the program once a statement matching `like` is active on the server, as the
   * kubelet, and checks that it ended Aborted soon and that the statement no longer runs there.
   */
  async function sigtermWhileActive(
    prefix: string,
    query: string,
    like: string,
    what: string,
    mustStart = false,
  ) {
    const root = await tempDir({ prefix });
    const running = runPropeller({
      root,
      template: sqlalchemyTemplate({ ...custom, query_template: query }),
      inputs,
      env: { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: PASSWORD },
      timeoutMs: 40_000,
    });
    const started = await activeWithin(pg, like, 5_000);
    if (mustStart) assert(started, `no ${what} ran on the server`);
    const pgrep = await new Deno.Command("pgrep", { args: ["-f", root] }).output();
    const pids = new TextDecoder().decode(pgrep.stdout).trim().split(/\s+/).filter(Boolean);
    assert(pids.length > 0, "program not found");
    for (const pid of pids) Deno.kill(Number(pid), "SIGTERM");
    const run = await running;
    assert(run.ms < 15_000, `took ${run.ms} ms`);
    assertEquals(run.error?.code, "SYSTEM:Aborted", run.stderr);
    assertEquals(
      await activeAfterWaiting(pg, like, 3_000),
      0,
      `the ${what} still runs on the server`,
    );
    return run;
  }

  await t.step("SIGTERM cancels the running statement on the server", async () => {
    await sigtermWhileActive(
      "flyteshim-sql-sigterm-",
      "select pg_sleep(30), {{ .inputs.limit }} as n",
      "select pg_sleep(30)%",
      "statement",
    );
  });

  await t.step("SIGTERM cancels a COPY on the server", async () => {
    // Columns the COPY path decodes, and an input: the statement runs as COPY with a literal.
    const run = await sigtermWhileActive(
      "flyteshim-sql-sigterm-copy-",
      "select {{ .inputs.limit }}::int8 as n, 'x' as s from pg_sleep(30)",
      "COPY (%pg_sleep(30)%",
      "COPY",
      true,
    );
    assertEquals(run.outputs, undefined);
  });

  await t.step(
    "an error in the middle of a COPY: error.pb, no outputs.pb, no dataset",
    async () => {
      const run = await runPropeller({
        template: sqlalchemyTemplate({
          ...custom,
          query_template:
            "select case when g = 150000 then 1 / (g - g) else g end::int8 as n, 'row ' || g as s from generate_series(1, 200000 + {{ .inputs.limit }}) g",
        }),
        inputs,
        env: { _FSEC_DB_USER: pg.user, _FSEC_DB_PASSWORD: PASSWORD },
      });
      assertEquals(run.code, 0, run.stderr);
      assertEquals(run.error?.code, "USER:SqlError", run.stderr);
      assertStringIncludes(run.error?.message ?? "", "division by zero");
      assertEquals(run.outputs, undefined);
      let raw: string[] = [];
      try {
        raw = [...Deno.readDirSync(run.paths.rawOutputPrefix)].map((e) => e.name);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      assertEquals(raw, [], "a dataset was left in the raw output prefix");
    },
  );

  await t.step("a missing secret names group and key", async () => {
    const run = await runPropeller({ template: sqlalchemyTemplate(custom), inputs, env: {} });
    assertEquals(run.error?.code, "USER:SecretNotFound");
    assertStringIncludes(run.error?.message ?? "", '"user"');
  });
});
