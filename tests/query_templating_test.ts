// Query templating where flytekit's templates meet each engine, run by the real program through
// the propeller harness: a list input as the items of an IN list (SQLite, PostgreSQL, MariaDB),
// the user errors around it, and SQLite's double-quoted strings, with Python's sqlite3 (what
// flytekit's image runs) as the oracle for the rows.
import { assert, assertEquals } from "@std/assert";
import { crossCheck, MARIADB } from "../_testing/tools.ts";
import { type flyteidl, jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { Types, valuesToLiteralMap } from "../types/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { userError } from "../_testing/reliability.ts";
import { startMariadb } from "../_testing/mariadb.ts";
import { startPostgres } from "../_testing/postgres.ts";
import {
  flytekitContainerArgs,
  type PropellerRunResult,
  runPropeller,
} from "../_testing/propeller.ts";
import { makeDatabase, runSqlite3, sqliteTemplate } from "../_testing/sqlite3.ts";

const SQLITE = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor";
const SQL = "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor";

const PEOPLE = [[1, "alice"], [2, "bob"], [3, "O'Brien"], [4, "dave"]] as const;
const SETUP = `create table people (id int primary key, name varchar(40) not null);
  insert into people values ${PEOPLE.map(([id, n]) => `(${id}, '${n.replace("'", "''")}')`)};`;

const ids = Types.list(Types.integer);
const names = Types.list(Types.string);
const nested = Types.list(Types.list(Types.integer));

/** One template run on every engine: the rows it returns, or the error code it ends with. */
interface Case {
  name: string;
  query: string;
  inputs: Record<string, [{ literalType: flyteidl.core.ILiteralType }, unknown]>;
  expect: { rows: unknown[][] } | { code: string; message: string };
}

const CASES: readonly Case[] = [
  {
    name: "a list of integers as the items of an IN list",
    query: "select id from people where id in ({{ .inputs.ids }}) order by id",
    inputs: { ids: [ids, [1n, 4n]] },
    expect: { rows: [[1n], [4n]] },
  },
  {
    name: "a list of strings next to a literal item, values never SQL text",
    query: "select id from people where name in ('alice', {{ .inputs.names }}) order by id",
    inputs: { names: [names, ["O'Brien", "x' or '1'='1", "bob"]] },
    expect: { rows: [[1n], [2n], [3n]] },
  },
  {
    name: "NOT IN",
    query: "select id from people where id not in ( {{ .inputs.ids }} ) order by id",
    inputs: { ids: [ids, [1n, 4n]] },
    expect: { rows: [[2n], [3n]] },
  },
  {
    name: "a list inside a quoted string keeps Python's str()",
    query: "select '{{ .inputs.ids }}' as s from people where id = 1",
    inputs: { ids: [ids, [1n, 4n]] },
    expect: { rows: [["[1, 4]"]] },
  },
  {
    name: "an empty list",
    query: "select id from people where id in ({{ .inputs.ids }})",
    inputs: { ids: [ids, []] },
    expect: { code: "USER:InvalidInput", message: 'input "ids" in the query: the list is empty' },
  },
  {
    name: "a list where one value is expected",
    query: "select id from people where id = {{ .inputs.ids }}",
    inputs: { ids: [ids, [1n, 4n]] },
    expect: { code: "USER:InvalidInput", message: "can stand only as the items of an IN list" },
  },
  {
    name: "a list of lists",
    query: "select id from people where id in ({{ .inputs.ids }})",
    inputs: { ids: [nested, [[1n], [4n]]] },
    expect: { code: "USER:InvalidInput", message: "item 0 of the list is a list" },
  },
];

function datasetTemplate(
  type: string,
  executor: string,
  custom: Record<string, unknown>,
  inputs: Case["inputs"],
): TaskTemplate {
  return {
    id: { resourceType: 1, project: "p", domain: "d", name: "q", version: "v1" },
    type,
    interface: {
      inputs: {
        variables: Object.fromEntries(
          Object.entries(inputs).map(([k, [t]]) => [k, { type: t.literalType, description: k }]),
        ),
      },
      outputs: { variables: { results: { type: { schema: {} }, description: "results" } } },
    },
    custom: jsonToStruct(custom as never),
    container: { image: "flyteshim:test", args: flytekitContainerArgs(executor) },
  };
}

async function rowsOf(run: PropellerRunResult): Promise<unknown[][]> {
  const uri = run.outputs!.literals!.results.scalar!.structuredDataset!.uri!;
  const local = `${await Deno.makeTempDir({ prefix: "flyteshim-templating-" })}/00000`;
  try {
    await run.storage.download(`${uri}/00000`, local);
    return (await readParquet(local)).rows;
  } finally {
    await Deno.remove(local.slice(0, -6), { recursive: true });
  }
}

async function check(run: PropellerRunResult, c: Case, engine: string) {
  const what = `${engine}: ${c.name}`;
  assertEquals(run.code, 0, `${what}\n${run.stderr}`);
  if ("rows" in c.expect) {
    assertEquals(run.files, ["outputs.pb"], `${what}: ${run.error?.message}`);
    assertEquals(await rowsOf(run), c.expect.rows, what);
  } else {
    assertEquals(run.files, ["error.pb"], what);
    assertEquals(
      [run.error?.code, run.error?.kind, run.error?.origin],
      userError(c.expect.code),
      what,
    );
    assert(run.error!.message!.includes(c.expect.message), `${what}: ${run.error!.message}`);
  }
}

async function runAll(
  engine: string,
  template: (c: Case) => TaskTemplate,
  cases: readonly Case[] = CASES,
) {
  for (const c of cases) {
    const types = Object.fromEntries(Object.entries(c.inputs).map(([k, [t]]) => [k, t]));
    const values = Object.fromEntries(Object.entries(c.inputs).map(([k, [, v]]) => [k, v]));
    const run = await runPropeller({
      template: template(c),
      inputs: await valuesToLiteralMap(values, types),
    });
    await check(run, c, engine);
  }
}

Deno.test("templating: list inputs on SQLite, through the program", async () => {
  const db = await makeDatabase(SETUP, "people.db");
  await runAll("sqlite", (c) =>
    datasetTemplate("sqlite", SQLITE, {
      query_template: c.query,
      uri: db,
      compressed: false,
    }, c.inputs));
});

Deno.test("templating: list inputs on PostgreSQL, through the program", async () => {
  await using pg = await startPostgres();
  await pg.sql(SETUP);
  await runAll("postgres", (c) =>
    datasetTemplate("sqlalchemy", SQL, {
      query_template: c.query,
      uri: pg.url,
      connect_args: {},
      secret_connect_args: null,
    }, c.inputs));
});

Deno.test({
  ...crossCheck("templating: list inputs on MariaDB, through the program", ...MARIADB),
  async fn() {
    await using db = await startMariadb();
    await db.sql(`use app; ${SETUP}`);
    await runAll("mariadb", (c) =>
      datasetTemplate("sqlalchemy", SQL, {
        query_template: c.query,
        uri: db.url,
        connect_args: {},
        secret_connect_args: null,
      }, c.inputs));
  },
});

const text = Types.string;

/** Double-quoted strings as flytekit's image reads them (SQLite's DQS behaviour). */
const DOUBLE_QUOTED: readonly Case[] = [
  {
    name: "a double-quoted string literal",
    query: `select id from people where name = "O'Brien"`,
    inputs: {},
    expect: { rows: [[3n]] },
  },
  {
    name: "an input inside a double-quoted string",
    query: `select id from people where name = "{{ .inputs.s }}"`,
    inputs: { s: [text, "O'Brien"] },
    expect: { rows: [[3n]] },
  },
  {
    name: "an input that tries to leave the double-quoted string",
    query: `select id from people where name = "{{ .inputs.s }}"`,
    inputs: { s: [text, 'x" or "1"="1'] },
    expect: { rows: [] },
  },
  {
    name: '"?" in a select list',
    query: `select "?" as q, id from people where id = 1`,
    inputs: {},
    expect: { rows: [["?", 1n]] },
  },
  {
    name: "a double-quoted name of a column stays the column",
    query: `select "name" as n, "p".id from people as "p" where "id" = 2`,
    inputs: {},
    expect: { rows: [["bob", 2n]] },
  },
];

Deno.test("templating: SQLite double-quoted strings, through the program", async () => {
  const db = await makeDatabase(SETUP, "people.db");
  await runAll(
    "sqlite",
    (c) =>
      datasetTemplate("sqlite", SQLITE, {
        query_template: c.query,
        uri: db,
        compressed: false,
      }, c.inputs),
    DOUBLE_QUOTED,
  );
});

/** Templates flytekit's image runs (its inputs pasted with str()); the rows must be the same. */
const ORACLE: readonly { query: string; inputs?: Record<string, string> }[] = [
  { query: `select id from people where name = "O'Brien"` },
  { query: `select id from people where name = "{{ .inputs.s }}"`, inputs: { s: "O'Brien" } },
  { query: `select id from people where "{{ .inputs.s }}" = name`, inputs: { s: "bob" } },
  { query: `select "?" as q, id from people where id = 1` },
  { query: `select "name" as n, "nosuch" as m from people where id = 1` },
  { query: `select "p".id, "p"."name" from people as "p" where "p".id > 2 order by 1` },
  { query: `select id from people where name in ("bob", "alice", "carol") order by id` },
  { query: `select count(*) as n, "x" || name as t from people group by "x" || name order by 2` },
  { query: `select id from people where name like "%{{ .inputs.s }}%"`, inputs: { s: "'B" } },
  { query: `select id, "id" as i, "ID" as j from people where id < 3 order by id` },
];

const PYTHON_ORACLE = `
import json, re, sqlite3, sys
db, query, inputs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
# flytekit's SQLTask.interpolate_query: each placeholder replaced by str(value).
query = re.sub(r"{{\\s*.inputs.(\\w+)\\s*}}", lambda m: str(inputs[m.group(1)]), query, flags=re.IGNORECASE)
print(json.dumps(sqlite3.connect(db).execute(query).fetchall()))
`;

Deno.test({
  ...crossCheck(
    "templating: SQLite double-quoted strings give the rows Python's sqlite3 gives",
    { python: "sqlite3" },
  ),
  async fn() {
    const db = await makeDatabase(SETUP, "people.db");
    for (const { query, inputs = {} } of ORACLE) {
      const out = await new Deno.Command("/usr/bin/python3", {
        args: ["-c", PYTHON_ORACLE, db, query, JSON.stringify(inputs)],
        stderr: "piped",
      }).output();
      assert(out.success, `${query}: ${new TextDecoder().decode(out.stderr)}`);
      const expected = JSON.parse(new TextDecoder().decode(out.stdout));
      const custom = { query_template: query, uri: db, compressed: false };
      const { table } = await runSqlite3(custom, inputs, {
        template: sqliteTemplate(custom, {
          inputs: Object.fromEntries(Object.keys(inputs).map((k) => [k, text.literalType])),
        }),
      });
      const got = table!.rows.map((r) => r.map((v) => typeof v === "bigint" ? Number(v) : v));
      assertEquals(got, expected, query);
    }
  },
});
