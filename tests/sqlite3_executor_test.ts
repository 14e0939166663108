// The SQLite3 executor with a real context: flytekit's fixture, archives, value kinds, errors.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertRejects } from "@std/assert";
import { StorageError, SystemError, UserError } from "../errors.ts";
import { decodeTaskTemplate, structToJson } from "../idl/mod.ts";
import { Timestamp } from "../types/values.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { tar, tarGz, zip } from "../_testing/archives.ts";
import { DatabaseSync } from "node:sqlite";
import { createSqlite3Executor } from "../executors/sqlite3/mod.ts";
import {
  fileHash,
  FIXTURE_DIR,
  makeContext,
  makeDatabase,
  runSqlite3,
  sqliteTemplate,
  TEMPLATE_DIR,
} from "../_testing/sqlite3.ts";

const CHINOOK = `${FIXTURE_DIR}chinook-mini.db`;

Deno.test("sqlite3: flytekit's fixture template yields flytekit's rows and column types", async () => {
  const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  const custom = structToJson(template.custom!) as {
    query_template: string;
    uri: string;
    compressed: boolean;
  };
  const { dataset, table } = await runSqlite3({ ...custom, uri: CHINOOK }, { limit: 10n }, {
    template,
  });
  const expected = await readParquet(`${FIXTURE_DIR}expected-results.parquet`);
  assertEquals(table!.columns, expected.columns);
  assertEquals(table!.columns, [{ name: "TrackId", type: "BIGINT" }, {
    name: "Name",
    type: "VARCHAR",
  }]);
  assertEquals(table!.rows, expected.rows);
  assertEquals(dataset!.format, "parquet");
  assertEquals(dataset!.columns, []); // a bare schema output, as flytekit writes it
  assertEquals(dataset!.uri.length - dataset!.uri.lastIndexOf("/") - 1, 32);
});

Deno.test("sqlite3: declared structured dataset columns are carried into the dataset", async () => {
  const output = {
    structuredDatasetType: {
      format: "parquet",
      columns: [{ name: "TrackId", literalType: { simple: 1 } }, {
        name: "Name",
        literalType: { simple: 3 },
      }],
    },
  };
  const custom = { query_template: "select TrackId, Name from tracks limit 2", uri: CHINOOK };
  const { dataset } = await runSqlite3(custom, {}, {
    template: sqliteTemplate(custom, { output }),
  });
  assertEquals(dataset!.columns.map((c) => c.name), ["TrackId", "Name"]);
});

for (const [format, build] of [["zip", zip], ["tar", tar], ["tar.gz", tarGz]] as const) {
  Deno.test(`sqlite3: a ${format} database is unpacked and queried`, async () => {
    const dir = await tempDir();
    const bytes = await build([{
      name: "chinook-mini.db",
      data: await Deno.readFile(CHINOOK),
      deflate: true,
    }]);
    await Deno.writeFile(`${dir}/chinook.${format}`, bytes);
    const { table } = await runSqlite3({
      query_template: "select count(*) as n from tracks where AlbumId = {{ .inputs.album }}",
      uri: `file://${dir}/chinook.${format}`,
      compressed: true,
    }, { album: 1n });
    assertEquals(table!.rows.length, 1);
    assert((table!.rows[0][0] as bigint) > 0n);
    // The archive at the URI is untouched.
    assertEquals(await Deno.readFile(`${dir}/chinook.${format}`), bytes);
  });
}

Deno.test("sqlite3: a bad archive is a USER:BadArchive error", async () => {
  const err = await assertRejects(
    () => runSqlite3({ query_template: "select 1", uri: CHINOOK, compressed: true }),
    UserError,
  );
  assertEquals([err.code, err.recoverable], ["USER:BadArchive", false]);
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/evil.zip`, await zip([{ name: "../evil.db", data: "x" }]));
  const escaped = await assertRejects(
    () => runSqlite3({ query_template: "select 1", uri: `${dir}/evil.zip`, compressed: true }),
    UserError,
  );
  assertEquals(escaped.code, "USER:BadArchive");
});

Deno.test("sqlite3: NULLs, blobs, big integers, unicode and mixed columns are typed and kept", async () => {
  const path = await makeDatabase(`
    create table t (i integer, r real, s text, b blob, n, m);
    insert into t values (9223372036854775807, 1.5, 'héllo 😀 世界', x'00ff10', null, 1);
    insert into t values (-9223372036854775808, null, null, null, null, 2.5);
    insert into t values (9007199254740993, 0.25, '', x'', null, null);
  `);
  const { table } = await runSqlite3({
    query_template: "select * from t order by rowid",
    uri: path,
  });
  assertEquals(table!.columns.map((c) => c.type), [
    "BIGINT",
    "DOUBLE",
    "VARCHAR",
    "BLOB",
    "VARCHAR",
    "DOUBLE",
  ]);
  const rows = table!.rows.map((r) => r.map((v) => (v instanceof Uint8Array ? Array.from(v) : v)));
  assertEquals(rows, [
    [9223372036854775807n, 1.5, "héllo 😀 世界", [0, 255, 16], null, 1],
    [-9223372036854775808n, null, null, null, null, 2.5],
    [9007199254740993n, 0.25, "", [], null, null],
  ]);
});

Deno.test("sqlite3: expressions without a declared type follow their values", async () => {
  const { table } = await runSqlite3({
    query_template: "select 1 as i, 1.5 as r, 'x' as s, x'01' as b, null as n, 1 || 'a' as c",
    uri: CHINOOK,
  });
  assertEquals(table!.columns.map((c) => c.type), [
    "BIGINT",
    "DOUBLE",
    "VARCHAR",
    "BLOB",
    "VARCHAR",
    "VARCHAR",
  ]);
});

Deno.test("sqlite3: an empty result is a valid parquet file with the columns and no rows", async () => {
  const { table } = await runSqlite3({
    query_template: "select TrackId, Name, UnitPrice from tracks where 0",
    uri: CHINOOK,
  });
  assertEquals(table!.rows, []);
  const types = Object.fromEntries(table!.columns.map((c) => [c.name, c.type]));
  assertEquals(types.TrackId, "BIGINT");
  assertEquals(types.Name, "VARCHAR");
});

Deno.test("sqlite3: large results stream through several row groups and the worker", async () => {
  const { table } = await runSqlite3(
    {
      query_template:
        "with recursive n(x) as (select 1 union all select x + 1 from n where x < {{ .inputs.n }}) select x, 'row ' || x as s, x / 3.0 as d from n",
      uri: CHINOOK,
    },
    { n: 25_000n },
    {
      executor: { rowGroupRows: 4096 },
      query: "select count(*), sum(x), count(distinct s), max(d) from t",
    },
  );
  assertEquals(table!.rows, [[25000n, 312512500n, 25000n, 25000 / 3]]);
});

Deno.test("sqlite3: the runtime's parquet settings (FLYTESHIM_PARQUET_*) reach the file", async () => {
  const { table, context } = await runSqlite3(
    {
      query_template:
        "with recursive n(x) as (select 1 union all select x + 1 from n where x < 2500) select x from n",
      uri: CHINOOK,
    },
    {},
    { limits: { parquet: { codec: "ZSTD", rowGroupRows: 1000 } } },
  );
  assertEquals(table!.rows.length, 2500);
  const local = `${context.workDir}/check.parquet`; // where runSqlite3 downloaded the file
  const meta = await readParquet(
    local,
    "select row_group_id, compression, stats_min_value, stats_max_value " +
      `from parquet_metadata('${local}') order by row_group_id`,
  );
  assertEquals(meta.rows, [
    [0n, "ZSTD", "1", "1000"],
    [1n, "ZSTD", "1001", "2000"],
    [2n, "ZSTD", "2001", "2500"],
  ]);
});

Deno.test("sqlite3: a column whose values change type after the first row group is widened", async () => {
  const query = (late: string) =>
    `with recursive n(x) as (select 1 union all select x + 1 from n where x < 5000)
     select x, case when x < 4000 then x else ${late} end as v from n`;
  const cases: [string, string, unknown][] = [
    ["x + 0.5", "DOUBLE", 4000.5],
    ["'text'", "VARCHAR", "text"],
    ["x'01'", "BLOB", new Uint8Array([1])],
  ];
  for (const [late, type, value] of cases) {
    const { table, context } = await runSqlite3(
      { query_template: query(late), uri: CHINOOK },
      {},
      {
        executor: { rowGroupRows: 1000 },
        query: "select * from t where x in (1, 4000) order by x",
      },
    );
    assertEquals(table!.columns.map((c) => c.type), ["BIGINT", type], late);
    const got = table!.rows.map((r) => r[1] instanceof Uint8Array ? new Uint8Array(r[1]) : r[1]);
    const first = type === "DOUBLE" ? 1 : type === "VARCHAR" ? "1" : new TextEncoder().encode("1");
    assertEquals(got, [first, value], late);
    assert(context.logs.some((l) => l.includes("Widening")), late);
  }
});

Deno.test("sqlite3: rows stream in the query's own order, from inside the statement", async () => {
  // 150,000 rows: several slices handed to the parquet worker while the statement runs.
  const { table, context } = await runSqlite3(
    {
      query_template:
        "with recursive n(x) as (select 1 union all select x + 1 from n where x < 150000) " +
        "select x, 'row ' || x as s from n order by x desc; -- newest first",
      uri: CHINOOK,
    },
    {},
    {
      executor: { rowGroupRows: 50_000 },
      query: "select x, s, (select count(*) from (select x, lag(x) over () as p from t) " +
        "where p <= x) as out_of_order from t limit 2",
    },
  );
  assertEquals(table!.rows, [[150000n, "row 150000", 0n], [149999n, "row 149999", 0n]]);
  assert(!context.logs.some((l) => l.includes("temporary table")));
});

Deno.test("sqlite3: rows stream in the order the query alone returns them, ORDER BY or not", async () => {
  const path = await makeDatabase(`
    create table t (id integer primary key, k integer, s text);
    create index t_k on t(k);
    with recursive n(x) as (select 1 union all select x + 1 from n where x < 2000)
    insert into t select x, (x * 37) % 101, 'v' || (x % 13) from n;
  `);
  const queries = [
    "select * from t",
    "select * from t where k between 10 and 20",
    "select a.id, b.id as other from t a join t b on b.k = a.k where a.id < 50",
    "select k, count(*) as n from t group by k",
    "select distinct s from t",
    "select id from t where k < 5 union all select id from t where id < 10",
    "select * from t order by k desc, id",
    "select id, sum(k) over (order by k, id) as running from t",
  ];
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    for (const query of queries) {
      const stmt = db.prepare(query);
      stmt.setReadBigInts(true);
      (stmt as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
      const { table } = await runSqlite3({ query_template: query, uri: path });
      assertEquals(table!.rows, stmt.all(), query);
    }
  } finally {
    db.close();
  }
});

Deno.test("sqlite3: a statement too wide to stream reads through a temporary table, with the same result", async () => {
  // SQLite passes at most 1,000 arguments to a function: 1,001 columns take the other path.
  const columns = Array.from({ length: 1001 }, (_, j) => `x + ${j} as c${j}`).join(", ");
  const { table, context } = await runSqlite3(
    {
      query_template:
        `with recursive n(x) as (select 1 union all select x + 1 from n where x < 3) select ${columns} from n`,
      uri: CHINOOK,
    },
    {},
    { query: "select c0, c1000 from t" },
  );
  assertEquals(table!.rows, [[1n, 1001n], [2n, 1002n], [3n, 1003n]]);
  assert(context.logs.some((l) => l.includes("temporary table")));
});

Deno.test("sqlite3: an error after rows were written is USER:SqlError; no dataset", async () => {
  // abs() of the smallest integer fails at row 100,001, after slices went to the worker.
  const err = await assertRejects(
    () =>
      runSqlite3({
        query_template:
          "with recursive n(x) as (select 1 union all select x + 1 from n where x < 200000) " +
          "select x, case when x > 100000 then abs(-9223372036854775808) else x end as v from n",
        uri: CHINOOK,
      }),
    UserError,
  );
  assertEquals([err.code, err.message], [
    "USER:SqlError",
    "Cannot run the query: integer overflow",
  ]);
});

Deno.test("sqlite3: SQL errors are USER:SqlError with SQLite's message", async () => {
  const err = await assertRejects(
    () => runSqlite3({ query_template: "select * from trackz", uri: CHINOOK }),
    UserError,
  );
  assertEquals([err.code, err.recoverable], ["USER:SqlError", false]);
  assertEquals(err.message, "Cannot run the query: no such table: trackz");
  const runtime = await assertRejects(
    () => runSqlite3({ query_template: "select json('{bad') from tracks", uri: CHINOOK }),
    UserError,
  );
  assertEquals(runtime.message, "Cannot run the query: malformed JSON");
  const notDb = await makeDatabase("");
  await Deno.writeTextFile(notDb, "this is not a database, at all, not even close".repeat(20));
  const open = await assertRejects(
    () => runSqlite3({ query_template: "select * from t", uri: notDb }),
    UserError,
  );
  assertEquals(open.code, "USER:SqlError");
});

Deno.test("sqlite3: a failed download is the storage error as it is: missing USER, unreachable SYSTEM", async () => {
  // A missing object is the user's (issue 4's classification); a server that cannot be reached
  // is the system's, recoverable, so propeller retries the task.
  const missing = await assertRejects(
    () => runSqlite3({ query_template: "select 1", uri: "/nonexistent/chinook.db" }),
    StorageError,
  );
  assertEquals(
    [missing.uri, missing.code, missing.origin, missing.recoverable],
    ["/nonexistent/chinook.db", "USER:NotFound", "user", false],
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now: connection refused
  const unreachable = await assertRejects(
    () => runSqlite3({ query_template: "select 1", uri: `http://127.0.0.1:${port}/chinook.db` }),
    StorageError,
  );
  assertEquals(
    [unreachable.code, unreachable.origin, unreachable.recoverable],
    ["SYSTEM:StorageError", "system", true],
  );
});

Deno.test("sqlite3: without a declared output the statement just runs, on a private copy", async () => {
  const path = await makeDatabase("create table t (x integer); insert into t values (1);");
  const custom = { query_template: "select count(*) from t where x = {{ .inputs.x }}", uri: path };
  const run = await runSqlite3(custom, { x: 1n }, {
    template: sqliteTemplate(custom, { output: null }),
  });
  assertEquals(run.outputs, {});
  // A statement that writes runs too, as in flytekit, on the run's copy: the file is unchanged.
  const before = await Deno.readFile(path);
  const write = { query_template: "delete from t where x = {{ .inputs.x }}", uri: path };
  const deleted = await runSqlite3(write, { x: 1n }, {
    template: sqliteTemplate(write, { output: null }),
  });
  assertEquals(deleted.outputs, {});
  assertEquals(await Deno.readFile(path), before);
  // With an output, the database is only read.
  const writeWithOutput = { query_template: "delete from t returning x", uri: path };
  const err = await assertRejects(() => runSqlite3(writeWithOutput, {}), UserError);
  assertEquals(err.message, "Cannot run the query: attempt to write a readonly database");
});

Deno.test("sqlite3: the config is checked key by key", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { uri: "x.db", compressed: false },
      '"query_template" must be a non-empty string, found missing',
    ],
    [
      { query_template: "select 1", uri: 3, compressed: false },
      '"uri" must be a non-empty string, found a number',
    ],
    [
      { query_template: "select 1", uri: "x.db", compressed: "yes" },
      '"compressed" must be a boolean, found a string',
    ],
    [{ query_template: "select 1", uri: "x.db" }, '"compressed" must be a boolean, found missing'],
  ];
  const { sqlite3Executor } = await import("../executors/sqlite3/mod.ts");
  for (const [custom, message] of cases) {
    const err = await assertRejects(
      // deno-lint-ignore no-explicit-any
      () => Promise.resolve().then(() => sqlite3Executor.parseConfig(custom as any, {})),
      UserError,
    );
    assertEquals(err.code, "USER:InvalidConfig");
    assertEquals(err.message, `Cannot read the SQLite3 task config: ${message}`);
  }
  const two = sqliteTemplate({ query_template: "select 1", uri: CHINOOK });
  two.interface!.outputs!.variables!.other = { type: { schema: {} } };
  const err = await assertRejects(
    () => runSqlite3({ query_template: "select 1", uri: CHINOOK }, {}, { template: two }),
    UserError,
  );
  assertEquals(err.code, "USER:InvalidConfig");
});

Deno.test("sqlite3: inputs render as flytekit renders them inside strings", async () => {
  const { table } = await runSqlite3({
    query_template:
      "select '{{ .inputs.b }}' as b, '{{ .inputs.f }}' as f, '{{ .inputs.t }}' as t, {{ .inputs.b }} as bb, {{ .inputs.f }} as ff",
    uri: CHINOOK,
  }, { b: true, f: 1e-5, t: Timestamp.parse("2024-01-02T03:04:05Z") });
  assertEquals(table!.rows, [["True", "1e-05", "2024-01-02 03:04:05+00:00", 1n, 1e-5]]);
});

Deno.test("sqlite3: an aborted run stops with SYSTEM:Aborted", async () => {
  const controller = new AbortController();
  controller.abort();
  const err = await assertRejects(
    () =>
      runSqlite3(
        { query_template: "select * from tracks", uri: CHINOOK },
        {},
        { signal: controller.signal },
      ),
  );
  assert(err instanceof SystemError || (err instanceof DOMException && err.name === "AbortError"));
});

Deno.test("sqlite3: a database over http(s) is downloaded and queried", async () => {
  const db = await Deno.readFile(CHINOOK);
  const archive = await zip([{ name: "chinook.db", data: db, deflate: true }]);
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/chinook.db") return new Response(db);
    if (path === "/chinook.zip") return new Response(archive as Uint8Array<ArrayBuffer>);
    return new Response("not found", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const plain = await runSqlite3({
    query_template: "select count(*) from artists",
    uri: `${base}/chinook.db`,
  });
  assertEquals(plain.table!.rows, [[200n]]);
  const zipped = await runSqlite3({
    query_template: "select count(*) from albums",
    uri: `${base}/chinook.zip`,
    compressed: true,
  });
  assertEquals(zipped.table!.rows, [[500n]]);
  await assertRejects(
    () => runSqlite3({ query_template: "select 1", uri: `${base}/missing.db` }),
    StorageError,
  );
});

Deno.test("sqlite3: a WAL-mode database, even with a live writer, is read from a copy", async () => {
  const path = await makeDatabase(
    "pragma journal_mode = wal; create table t (x); insert into t values (1), (2);",
  );
  const writer = new DatabaseSync(path);
  try {
    writer.exec("pragma wal_autocheckpoint = 0; insert into t values (3)");
    const before = await fileHash(path);
    const { table } = await runSqlite3({ query_template: "select count(*) from t", uri: path });
    // What is in the database file (the WAL is the writer's own), as a copy of it shows.
    assertEquals(table!.rows, [[2n]]);
    assertEquals(await fileHash(path), before);
  } finally {
    writer.close();
  }
});

Deno.test("sqlite3: a signed URL's signature stays out of the executor's logs", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const custom = {
    query_template: "select 1",
    uri: `http://127.0.0.1:${port}/db.sqlite?X-Amz-Signature=SECRETSIG`,
  };
  const template = sqliteTemplate(custom);
  const executor = createSqlite3Executor();
  const context = await makeContext(template);
  await assertRejects(() =>
    executor.execute(executor.parseConfig({ compressed: false, ...custom }, template), {}, context)
  );
  assert(context.logs.some((l) => l.includes("Fetching the database")), context.logs.join("\n"));
  assertEquals(context.logs.filter((l) => l.includes("SECRETSIG")), []);
});
