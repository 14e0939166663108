// The SQL executor against a real MariaDB (Debian's mariadb-server, installed by .ci/setup),
// results read back with DuckDB as an independent parquet reader.
import { crossCheck, MARIADB } from "../_testing/tools.ts";
import { assert, assertEquals } from "@std/assert";
import { Timestamp } from "../types/mod.ts";
import { type MariadbServer, startMariadb } from "../_testing/mariadb.ts";
import { serverKilledMidQuery, sqlSuite, type SqlSuiteServer } from "../_testing/sql_suite.ts";
import { runSql, T } from "../_testing/sql_run.ts";

const PASSWORD = "maria-Secret-9b2c!";

/** The server as the shared SQL suite drives it. */
function mariadbCase(db: MariadbServer): SqlSuiteServer {
  const sleep = (seconds: number) => `select sleep(${seconds}) as s`;
  return {
    uri: `mysql+pymysql://${db.user}:${encodeURIComponent(PASSWORD)}@${db.host}:${db.port}/app`,
    password: PASSWORD,
    people: async () =>
      (await db.sql("select id, name from app.people order by id")).trim().split("\n"),
    nameOf: async (id) =>
      (await db.sql(`select name from app.people where id = ${id}`)).trim() || undefined,
    injection: {
      corpus: [
        "1 or 1=1",
        "' or '1'='1",
        "\\' or 1=1 -- ",
        "\\\\' or 1=1 #",
        '\\" or 1=1 -- ',
        "x'); drop table people; --",
        "'; delete from people; #",
        "alice' union select 99, 'evil' -- ",
        "*/ delete from people; /*",
      ],
      queries: [
        "select id, name from people where name = {{ .inputs.name }}",
        "select id, name from people where name like '%{{ .inputs.name }}%'",
        'select id, name from people where name = "{{ .inputs.name }}"',
        "select id, name from people where name = _utf8mb4'{{ .inputs.name }}' # it's",
      ],
    },
    secretsLogin: {
      uri: `mysql://${db.host}/app`,
      user: db.user,
      port: db.port,
      query: "select current_user() as u",
      expected: [[`${db.user}@%`]],
    },
    wrongPassword: {
      run: { uri: `mysql://${db.user}:wrong-pw-1@${db.host}:${db.port}/app` },
      wrong: "wrong-pw-1",
    },
    unknownColumnMessage: "Unknown column 'nope'",
    sleep,
    running: async (seconds) =>
      Number(
        (await db.sql(
          `select count(*) from information_schema.processlist where info like '${
            sleep(seconds)
          }%'`,
        )).trim(),
      ),
    kill: () => db.kill(),
  };
}

function bytes(row: unknown[]): unknown[] {
  return row.map((v) => v instanceof Uint8Array ? new Uint8Array(v) : v);
}

Deno.test({
  ...crossCheck("sql: the executor on MariaDB", ...MARIADB),
  async fn(t) {
    await using db = await startMariadb({ password: PASSWORD });
    const host = `${db.host}:${db.port}`;
    const uri = `mysql+pymysql://${db.user}:${encodeURIComponent(PASSWORD)}@${host}/app`;
    await db.sql(`
      create table app.types (
        c_tiny tinyint, c_small smallint, c_int int, c_big bigint, c_float float, c_double double,
        c_decimal decimal(10,2), c_varchar varchar(20), c_text text, c_varbinary varbinary(8),
        c_blob blob, c_date date, c_datetime datetime(6), c_timestamp timestamp(6) null,
        c_json json, c_uint int unsigned, c_time time, c_enum enum('a','b')
      );
      insert into app.types values
        (-128, -32768, 2147483647, 9223372036854775807, 1.5, 0.1, 12345678.91, 'héllo ✓', 't',
         x'00ff10', x'01', '2024-02-29', '2024-01-02 03:04:05.123456',
         '2024-01-02 03:04:05.654321', '{"a": [1, 2]}', 4000000000, '12:34:56', 'b'),
        (null, null, null, null, null, null, null, null, null, null, null, null, null, null,
         null, null, null, null);
      create table app.people (id int primary key, name text not null);
      insert into app.people values (1, 'alice'), (2, 'bob'), (3, 'o''brien');
    `);

    await t.step("every mapped type reads back in DuckDB", async () => {
      const { table, parquet } = await runSql({
        query: "select * from types order by c_int is null",
        uri,
      });
      assert(table && parquet);
      assertEquals(
        table.columns.map((c) => `${c.name}:${c.type}`),
        [
          "c_tiny:BIGINT",
          "c_small:BIGINT",
          "c_int:BIGINT",
          "c_big:BIGINT",
          "c_float:DOUBLE",
          "c_double:DOUBLE",
          "c_decimal:DOUBLE",
          "c_varchar:VARCHAR",
          "c_text:VARCHAR",
          "c_varbinary:BLOB",
          "c_blob:BLOB",
          "c_date:DATE",
          "c_datetime:TIMESTAMP",
          "c_timestamp:TIMESTAMP WITH TIME ZONE",
          "c_json:VARCHAR",
          "c_uint:BIGINT",
          "c_time:VARCHAR",
          "c_enum:VARCHAR",
        ],
      );
      assertEquals(bytes(table.rows[0]).slice(0, 11), [
        -128n,
        -32768n,
        2147483647n,
        9223372036854775807n,
        1.5,
        0.1,
        12345678.91,
        "héllo ✓",
        "t",
        new Uint8Array([0, 255, 16]),
        new Uint8Array([1]),
      ]);
      assertEquals(table.rows[0].slice(14), ['{"a": [1, 2]}', 4000000000n, "12:34:56", "b"]);
      assertEquals(table.rows[1], new Array(18).fill(null));
      const { readParquet } = await import("../_testing/duckdb.ts");
      const temporal = await readParquet(
        parquet,
        "select c_date::varchar, c_datetime::varchar, epoch_us(c_timestamp) from t where c_int is not null",
      );
      assertEquals(temporal.rows, [[
        "2024-02-29",
        "2024-01-02 03:04:05.123456",
        1704164645654321n,
      ]]);
    });

    await t.step("BIGINT around 2^53 and DATETIME of every precision are exact", async () => {
      const { parquet } = await runSql({
        query:
          "select cast(9007199254740991 as signed) as a, cast(9007199254740993 as signed) as b," +
          " cast(-9223372036854775808 as signed) as c, cast('1000-01-01 00:00:00.5' as datetime(1)) as d," +
          " cast('2024-01-02 03:04:05.123' as datetime(3)) as e, cast('9999-12-31 23:59:59' as datetime) as f",
        uri,
        read: false,
      });
      const { readParquet } = await import("../_testing/duckdb.ts");
      const table = await readParquet(
        parquet!,
        "select a, b, c, epoch_us(d), epoch_us(e), epoch_us(f) from t",
      );
      assertEquals(table.rows, [[
        9007199254740991n,
        9007199254740993n,
        -9223372036854775808n,
        -30610224000000000n + 500000n,
        1704164645123000n,
        253402300799000000n,
      ]]);
    });

    await t.step("inputs are bound parameters (also LIMIT)", async () => {
      const { table } = await runSql({
        query:
          "select id, name, {{ .inputs.when }} as w from people where name <> {{ .inputs.name }}" +
          " and {{ .inputs.flag }} order by id limit {{ .inputs.n }}",
        uri,
        inputs: {
          n: [T.int, 1n],
          name: [T.str, "alice"],
          flag: [T.bool, true],
          when: [T.datetime, Timestamp.parse("2024-05-06T07:08:09.5Z")],
        },
      });
      assertEquals(table?.rows, [[2n, "bob", "2024-05-06 07:08:09.500000"]]);
    });

    await t.step("values round-trip whatever the server's default sql_mode", async () => {
      const value = `a\\b'c"d`;
      const query = `select '{{ .inputs.v }}' as s, "{{ .inputs.v }}" as d`;
      const before = await runSql({ query, uri, inputs: { v: [T.str, value] } });
      assertEquals(before.table?.rows, [[value, value]]);
      // ANSI_QUOTES would make "..." an identifier, NO_BACKSLASH_ESCAPES keep the escapes.
      await db.sql("set global sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES'");
      try {
        const after = await runSql({ query, uri, inputs: { v: [T.str, value] } });
        assertEquals(after.table?.rows, [[value, value]]);
      } finally {
        await db.sql("set global sql_mode = default");
      }
    });

    await sqlSuite(t, mariadbCase(db));
  },
});

Deno.test({
  ...crossCheck("sql: a MariaDB server killed mid-query is SYSTEM and recoverable", ...MARIADB),
  async fn() {
    await using db = await startMariadb({ password: PASSWORD });
    await serverKilledMidQuery(mariadbCase(db));
  },
});
