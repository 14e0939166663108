// The executor conformance suite (_testing/executor_conformance.ts) for the built-in executors,
// each with flytekit's own template shape and executor path: sqlite3 on flytekit's fixture, and
// sql on PostgreSQL and on MariaDB. The example third-party executor runs the same suite in
// examples/checksum/conformance_test.ts.
import { assertEquals, assertMatch } from "@std/assert";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  jsonToStruct,
  type LiteralMap,
  structToJson,
} from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { type ExecutorCase, executorConformance } from "../_testing/executor_conformance.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { startMariadb } from "../_testing/mariadb.ts";
import { startPostgres } from "../_testing/postgres.ts";
import type { PropellerRunResult } from "../_testing/propeller.ts";
import { sqlalchemyTemplate } from "../_testing/sql_task.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";
import { tempDir } from "../_testing/temp.ts";
import { crossCheck, MARIADB } from "../_testing/tools.ts";

/** `limit` as a list, for an ArrayNode sub-node. */
async function limits(values: bigint[]): Promise<LiteralMap> {
  return await valuesToLiteralMap({ limit: values }, { limit: Types.list(Types.integer) });
}

/** The rows of the run's `results` dataset, read back with DuckDB. */
async function resultRows(run: PropellerRunResult): Promise<unknown[][]> {
  const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
  assertMatch(sd.uri!, new RegExp(`^${run.paths.rawOutputPrefix}/[0-9a-f]{32}$`));
  const local = `${await tempDir()}/00000`;
  await run.storage.download(`${sd.uri}/00000`, local);
  return (await readParquet(local)).rows;
}

Deno.test("executor conformance: sqlite3 on flytekit's SQLite3Task fixture", async (t) => {
  const fixture = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  const config = structToJson(fixture.custom!) as Record<string, unknown>;
  const expected = await readParquet(`${FIXTURE_DIR}expected-results.parquet`);
  await executorConformance(t, {
    template: (custom = {}) => ({
      ...fixture,
      // flytekit resolves the relative uri against the working directory: the fixture's path.
      custom: jsonToStruct(
        { ...config, uri: `${FIXTURE_DIR}chinook-mini.db`, ...custom } as never,
      ),
    }),
    inputs: async () => decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`)),
    checkOutputs: async (run) => assertEquals(await resultRows(run), expected.rows),
    badConfig: { query_template: 42 },
    failure: {
      custom: { query_template: "select * from trackz limit {{ .inputs.limit }}" },
      code: "USER:SqlError",
      recoverable: false,
      origin: "user",
      message: "no such table: trackz",
    },
    slow: {
      // node:sqlite holds the main thread for the whole statement: the abort watchdog ends it.
      custom: {
        query_template:
          "with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000000000) select count(*) as n from c where {{ .inputs.limit }} > 0",
      },
      env: { FLYTESHIM_ABORT_WATCHDOG: "on" },
      when: /Running the query/,
    },
    array: {
      inputs: () => limits([1n, 2n, 3n]),
      index: 1,
      check: async (run) => assertEquals(await resultRows(run), expected.rows.slice(0, 2)),
    },
  });
});

/** The sql executor's case on one server, whose `people` table holds ids 1 to 5. */
function sqlCase(uri: string, sleep: string): ExecutorCase {
  const base = {
    query_template: "select id, name from people order by id limit {{ .inputs.limit }}",
    uri,
    connect_args: {},
    secret_connect_args: null,
  };
  const rows = (n: number) => [1n, 2n, 3n, 4n, 5n].slice(0, n).map((id) => [id, `p${id}`]);
  return {
    template: (custom = {}) => sqlalchemyTemplate({ ...base, ...custom }),
    inputs: () => valuesToLiteralMap({ limit: 3n }, { limit: Types.integer.literalType }),
    checkOutputs: async (run) => assertEquals(await resultRows(run), rows(3)),
    badConfig: { connect_args: "sslmode=disable" },
    failure: {
      custom: { query_template: "select nope from people limit {{ .inputs.limit }}" },
      code: "USER:SqlError",
      recoverable: false,
      origin: "user",
    },
    slow: { custom: { query_template: `${sleep} where {{ .inputs.limit }} > 0` } },
    array: {
      inputs: () => limits([1n, 2n, 3n]),
      index: 1,
      check: async (run) => assertEquals(await resultRows(run), rows(2)),
    },
  };
}

Deno.test("executor conformance: sql on PostgreSQL", async (t) => {
  await using pg = await startPostgres();
  await pg.sql(`create table people (id int8 primary key, name text not null);
    insert into people select g, 'p' || g from generate_series(1, 5) g;`);
  await executorConformance(t, sqlCase(pg.url, "select pg_sleep(30) as slept"));
});

Deno.test({
  ...crossCheck("executor conformance: sql on MariaDB", ...MARIADB),
  async fn(t) {
    await using db = await startMariadb();
    await db.sql(`create table app.people (id bigint primary key, name text not null);
      insert into app.people values (1, 'p1'), (2, 'p2'), (3, 'p3'), (4, 'p4'), (5, 'p5');`);
    await executorConformance(t, sqlCase(db.url, "select sleep(30) as slept from dual"));
  },
});
