// The SQL executor against a real MariaDB (Debian's mariadb-server, installed by .ci/setup),
// results read back with DuckDB as an independent parquet reader.
import { crossCheck, MARIADB } from "../_testing/tools.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { Timestamp } from "../types/mod.ts";
import { startMariadb } from "./_mariadb.ts";
import { errorExpectation, runSql, T } from "./_sql_run.ts";

const PASSWORD = "maria-Secret-9b2c!";

const expectError = errorExpectation(PASSWORD);

function bytes(row: unknown[]): unknown[] {
  return row.map((v) => v instanceof Uint8Array ? new Uint8Array(v) : v);
}

Deno.test({
  ...crossCheck("sql executor on MariaDB", ...MARIADB),
  async fn(t) {
    const db = await startMariadb({ password: PASSWORD });
    const host = `${db.host}:${db.port}`;
    const uri = `mysql+pymysql://${db.user}:${encodeURIComponent(PASSWORD)}@${host}/app`;
    try {
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
        const { readParquet } = await import("./_duckdb.ts");
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
        const { readParquet } = await import("./_duckdb.ts");
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

      await t.step("the injection corpus neither changes the table nor adds rows", async () => {
        const corpus = [
          "1 or 1=1",
          "' or '1'='1",
          "\\' or 1=1 -- ",
          "\\\\' or 1=1 #",
          '\\" or 1=1 -- ',
          "x'); drop table people; --",
          "'; delete from people; #",
          "alice' union select 99, 'evil' -- ",
          "*/ delete from people; /*",
        ];
        for (const name of corpus) {
          for (
            const query of [
              "select id, name from people where name = {{ .inputs.name }}",
              "select id, name from people where name like '%{{ .inputs.name }}%'",
              'select id, name from people where name = "{{ .inputs.name }}"',
              "select id, name from people where name = _utf8mb4'{{ .inputs.name }}' # it's",
            ]
          ) {
            const { table } = await runSql({ query, uri, inputs: { name: [T.str, name] } });
            assertEquals(table?.rows, [], `${query} with ${JSON.stringify(name)}`);
          }
        }
        assertEquals(
          (await db.sql("select id, name from app.people order by id")).trim().split("\n"),
          ["1\talice", "2\tbob", "3\to'brien"],
        );
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

      await t.step("issue 6416 shape: username and password from secrets, doubles", async () => {
        const { table } = await runSql({
          query: "select current_user() as u",
          uri: `mysql://${db.host}/app`,
          connectArgs: { port: db.port + 0.0, connect_timeout: 5.0 },
          secretConnectArgs: {
            username: { group: "db", key: "user" },
            password: { group: "db", key: "password" },
          },
          env: { _FSEC_DB_USER: db.user, _FSEC_DB_PASSWORD: PASSWORD },
        });
        assertEquals(table?.rows, [[`${db.user}@%`]]);
      });

      await t.step("a wrong password is USER:AuthenticationFailed", async () => {
        await expectError(
          runSql({
            query: "select 1",
            uri: `mysql://${db.user}:wrong-pw-1@${host}/app`,
          }),
          "USER:AuthenticationFailed",
          false,
        );
      });

      await t.step("bad SQL is USER:SqlError with the server's message", async () => {
        const error = await expectError(
          runSql({ query: "select nope from people", uri }),
          "USER:SqlError",
          false,
        );
        assertStringIncludes(error.message, "Unknown column 'nope'");
      });

      await t.step("statement_timeout is USER:StatementTimeout", async () => {
        await expectError(
          runSql({ query: "select sleep(5) as s", uri, connectArgs: { statement_timeout: 300 } }),
          "USER:StatementTimeout",
          false,
        );
      });

      await t.step("aborting kills the statement on the server", async () => {
        const controller = new AbortController();
        const outcome = runSql({ query: "select sleep(30) as s", uri, signal: controller.signal })
          .catch((e) => e);
        await new Promise((r) => setTimeout(r, 500));
        controller.abort();
        assert((await outcome) instanceof Error);
        const running = await db.sql(
          "select count(*) from information_schema.processlist where info like 'select sleep(30)%'",
        );
        assertEquals(running.trim(), "0");
      });

      await t.step("no declared output: the statement only executes", async () => {
        const { outputs } = await runSql({
          query: "insert into people values ({{ .inputs.id }}, {{ .inputs.name }})",
          uri,
          inputs: { id: [T.int, 10n], name: [T.str, "carol"] },
          output: false,
        });
        assertEquals(outputs.literals ?? {}, {});
        assertEquals((await db.sql("select name from app.people where id = 10")).trim(), "carol");
      });
    } finally {
      await db.stop();
    }
  },
});

Deno.test({
  ...crossCheck(
    "sql executor: a MariaDB server killed mid-query is SYSTEM and recoverable",
    ...MARIADB,
  ),
  async fn() {
    const db = await startMariadb({ password: PASSWORD });
    try {
      const uri = `mysql://${db.user}:${encodeURIComponent(PASSWORD)}@${db.host}:${db.port}/app`;
      const outcome = runSql({ query: "select sleep(30) as s", uri }).catch((e) => e);
      await new Promise((r) => setTimeout(r, 700));
      await db.kill();
      await expectError(
        outcome.then((e) => Promise.reject(e)),
        "SYSTEM:DatabaseUnavailable",
        true,
      );
      await expectError(runSql({ query: "select 1", uri }), "SYSTEM:DatabaseUnavailable", true);
    } finally {
      await db.stop();
    }
  },
});
