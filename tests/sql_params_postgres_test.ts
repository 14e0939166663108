// Issue 12, items 1, 4 and 5 on a real PostgreSQL, through the real program and the propeller
// harness: bound values reach the server as psycopg2 sends them (exact text, microseconds, no
// time-zone shift under TZ=America/New_York), temporal results read back exactly in DuckDB,
// scripts of several statements run in one transaction, and sslmode=require against a server
// without TLS is a USER configuration error.
import { assertEquals, assertStringIncludes } from "@std/assert";
import { flyteidl } from "../idl/mod.ts";
import { Timestamp, Types } from "../types/mod.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { freePort } from "../_testing/service.ts";
import { runSqlTask, type SqlEngineCase, sqlSharedSteps } from "../_testing/sql_task.ts";

const PASSWORD = "pg-Params-5e1b";
const TZ = { TZ: "America/New_York" };
const str = Types.string.literalType;
const datetime = Types.datetime.literalType;
const binary = { simple: flyteidl.core.SimpleType.BINARY };

Deno.test("sql executor on PostgreSQL: values, scripts and TLS as flytekit", async (t) => {
  await using pg = await startPostgres({ password: PASSWORD });
  const uri = `postgresql+psycopg2://${pg.user}:${PASSWORD}@${pg.host}:${pg.port}/postgres`;
  const engine: SqlEngineCase = {
    uri,
    sinceColumns: ["created_at", "created_tz"],
    countS1: async () => (await pg.sql("select count(*)::int as n from s1"))[0].n as number,
    duplicateKey: "duplicate key",
    tlsRequired: ["require", "verify-ca", "verify-full"].map((sslmode) => ({
      sslmode,
      connect_timeout: 5.0,
    })),
  };
  await pg.sql(`
    create table events (id int, created_at timestamp, created_tz timestamptz);
    insert into events values
      (1, '2024-01-01 10:00:00.000001', '2024-01-01 10:00:00.000001+00'),
      (2, '2024-01-01 10:00:00.000002', '2024-01-01 10:00:00.000002+00'),
      (3, '2024-01-01 14:00:00.5', '2024-01-01 14:00:00.5+00'),
      (4, '2024-01-01 06:00:00', '2024-01-01 06:00:00+00');
    create table kinds (k text, j jsonb, b bool, ts timestamp, d date, by bytea);
  `);

  await sqlSharedSteps.since(t, engine);

  await t.step(
    "values Date cannot hold, and the types npm:postgres serializes itself",
    async () => {
      const values = [
        ["json", '{"a": [1, 2]}'],
        ["bool-t", "t"],
        ["bool-yes", "yes"],
        ["bytea", "\\x00ff"],
        ["inf", "infinity"],
        ["-inf", "-infinity"],
        ["bc", "0044-03-15 12:00:00.123456 BC"],
        ["y10k", "10000-01-01 00:00:00.000001"],
        ["date-bc", "0001-01-01 BC"],
      ];
      for (const [k, v] of values) {
        const column = k === "json"
          ? "j"
          : k.startsWith("bool")
          ? "b"
          : k === "bytea"
          ? "by"
          : k === "date-bc"
          ? "d"
          : "ts";
        const { run } = await runSqlTask({
          query: `insert into kinds (k, ${column}) values ({{ .inputs.k }}, {{ .inputs.v }})`,
          uri,
          inputs: { k: [str, k], v: [str, v] },
          output: false,
          env: TZ,
        });
        assertEquals(run.error, undefined, `${k}: ${run.error?.message}`);
      }
      const stored = await pg.sql(
        "select k, j::text, b, ts::text, d::text, encode(by, 'hex') as by from kinds order by k",
      );
      const byKey = Object.fromEntries(stored.map((r) => [r.k, r]));
      assertEquals(byKey.json.j, '{"a": [1, 2]}'); // an object, not a JSON string
      assertEquals([byKey["bool-t"].b, byKey["bool-yes"].b], [true, true]);
      assertEquals(byKey.bytea.by, "00ff");
      assertEquals(
        ["inf", "-inf", "bc", "y10k"].map((k) => byKey[k].ts),
        ["infinity", "-infinity", "0044-03-15 12:00:00.123456 BC", "10000-01-01 00:00:00.000001"],
      );
      assertEquals(byKey["date-bc"].d, "0001-01-01 BC");
    },
  );

  await t.step(
    "datetime inputs: microseconds, no shift, BC and year 10000 as timestamptz",
    async () => {
      const first = Timestamp.parse("0001-01-01T00:00:00Z");
      const { run, table } = await runSqlTask({
        query: "select {{ .inputs.a }}::text as a, {{ .inputs.b }}::text as b," +
          " {{ .inputs.c }}::text as c, pg_typeof({{ .inputs.d }})::text as t",
        uri,
        inputs: {
          a: [datetime, Timestamp.parse("1969-12-31T23:59:59.999999Z")],
          b: [datetime, new Timestamp(first.seconds - 86_400n)],
          c: [datetime, new Timestamp(253402300800n, 1000)],
          d: [datetime, new Timestamp(0n)],
        },
        env: TZ,
      });
      assertEquals(run.error, undefined, run.error?.message ?? "");
      assertEquals(table!.rows, [[
        "1969-12-31 23:59:59.999999+00",
        "0001-12-31 00:00:00+00 BC",
        "10000-01-01 00:00:00.000001+00",
        "timestamp with time zone",
      ]]);
    },
  );

  await t.step("integers and floats are typed as psycopg2's literals", async () => {
    const { run, table } = await runSqlTask({
      query: "select pg_typeof({{ .inputs.i }})::text as i, pg_typeof({{ .inputs.big }})::text" +
        " as big, pg_typeof({{ .inputs.f }})::text as f, substr('abcdef', {{ .inputs.i }}) as s," +
        " {{ .inputs.f }} * 3 = 0.3 as exact",
      uri,
      inputs: {
        i: [Types.integer.literalType, 2n],
        big: [Types.integer.literalType, 2n ** 40n],
        f: [Types.float.literalType, 0.1],
      },
      env: TZ,
    });
    assertEquals(run.error, undefined, run.error?.message ?? "");
    assertEquals(table!.rows, [["integer", "bigint", "numeric", "bcdef", true]]);
  });

  await t.step("binary inputs are bytea, sent as bytes", async () => {
    const { run, table } = await runSqlTask({
      query: "select {{ .inputs.b }} as b, pg_typeof({{ .inputs.b }})::text as t",
      uri,
      inputs: { b: [binary, new Uint8Array([0, 255, 16, 92])] },
    });
    assertEquals(run.error, undefined, run.error?.message ?? "");
    const [[bytes, type]] = table!.rows;
    assertEquals([new Uint8Array(bytes as Uint8Array), type], [
      new Uint8Array([0, 255, 16, 92]),
      "bytea",
    ]);
  });

  await t.step("timestamp, timestamptz, date and time read back to the microsecond", async () => {
    const { run, table } = await runSqlTask({
      query: "select timestamp '2024-01-02 03:04:05.123456' as ts," +
        " timestamptz '2024-01-02 03:04:05.654321-05' as tz, date '2024-02-29' as d," +
        " time '23:59:59.999999' as tm, timestamp '0044-03-15 12:00:00.000001 BC' as bc," +
        " timestamp '10000-01-01 00:00:00.000001' as y10k, 'infinity'::timestamp as inf",
      uri,
      env: TZ,
      read: "select typeof(ts), ts::varchar, typeof(tz), epoch_us(tz), d::varchar," +
        " typeof(tm), tm::varchar, epoch_us(bc), epoch_us(y10k), inf::varchar from t",
    });
    assertEquals(run.error, undefined, run.error?.message ?? "");
    assertEquals(table!.rows, [[
      "TIMESTAMP",
      "2024-01-02 03:04:05.123456",
      "TIMESTAMP WITH TIME ZONE",
      1704182645654321n,
      "2024-02-29",
      "TIME",
      "23:59:59.999999",
      -63517780799999999n, // 44 BC is astronomical year -43
      253402300800000001n,
      "infinity",
    ]]);
  });

  await t.step("a script of several statements runs in one transaction", async () => {
    const { run } = await runSqlTask({
      query: "create table s1 (id int primary key, v text);\n" +
        "insert into s1 values (1, 'a'), (2, 'b');\nupdate s1 set v = 'c' where id = 2;",
      uri,
      output: false,
    });
    assertEquals(run.error, undefined, run.error?.message ?? "");
    assertEquals(await pg.sql("select id, v from s1 order by id"), [
      { id: 1, v: "a" },
      { id: 2, v: "c" },
    ]);
  });

  await sqlSharedSteps.rollback(t, engine);

  await t.step("with an output: the last statement that returns rows", async () => {
    const { run, table } = await runSqlTask({
      query: "create temporary table tmp as select id, v from s1;\n" +
        "update tmp set v = upper(v);\nselect id, v from tmp order by id;\n",
      uri,
    });
    assertEquals(run.error, undefined, run.error?.message ?? "");
    assertEquals(table!.rows, [[1, "A"], [2, "C"]].map(([i, v]) => [BigInt(i), v]));
    // The last statement's result, even empty, and not an earlier statement's rows.
    const empty = await runSqlTask({
      query: "select id from s1; select id, v from s1 where false",
      uri,
    });
    assertEquals(empty.run.error, undefined, empty.run.error?.message ?? "");
    assertEquals(empty.table!.columns.map((c) => c.name), ["id", "v"]);
    assertEquals(empty.table!.rows, []);
    // Where psycopg2 would end with a statement without rows (and pandas fail): the select.
    const before = await runSqlTask({
      query: "select id from s1 order by id; update s1 set v = v",
      uri,
    });
    assertEquals(before.run.error, undefined, before.run.error?.message ?? "");
    assertEquals(before.table!.rows, [[1n], [2n]]);
    const none = await runSqlTask({ query: "create table s2 (a int); drop table s2", uri });
    assertEquals(none.run.error?.code, "USER:InvalidTemplate");
    assertStringIncludes(
      none.run.error?.message ?? "",
      "no statement of the script returns rows",
    );
  });

  await t.step("a script with bound inputs is refused, saying why", async () => {
    const { run } = await runSqlTask({
      query: "insert into s1 values ({{ .inputs.id }}, 'z'); select 1",
      uri,
      inputs: { id: [Types.integer.literalType, 9n] },
    });
    assertEquals(run.error?.code, "USER:InvalidTemplate");
    assertStringIncludes(run.error?.message ?? "", 'binds inputs ("id")');
    assertStringIncludes(run.error?.message ?? "", "only in a single statement");
    assertEquals(await pg.sql("select count(*)::int as n from s1"), [{ n: 2 }]);
  });

  await sqlSharedSteps.tls(t, engine);

  await t.step("sslmode=require over a Unix socket: ignored, as libpq does", async () => {
    const { run, table } = await runSqlTask({
      query: "select 1 as one",
      uri: `postgresql://${pg.user}:${PASSWORD}@/postgres?host=${pg.socketDir}&port=${pg.port}`,
      connectArgs: { sslmode: "require" },
    });
    assertEquals(run.error, undefined, run.error?.message ?? "");
    assertEquals(table!.rows, [[1n]]);
  });

  await t.step("sslmode=require, nothing listening: still SYSTEM, retried", async () => {
    const { run } = await runSqlTask({
      query: "select 1",
      uri: `postgresql://${pg.user}:${PASSWORD}@127.0.0.1:${freePort()}/postgres`,
      connectArgs: { sslmode: "require", connect_timeout: 5.0 },
    });
    assertEquals([run.error?.code, run.error?.kind], ["SYSTEM:DatabaseUnavailable", 1]);
  });
});
