// PostgreSQL's COPY path of the SQL executor against a real server: the parquet file written from
// binary COPY, decoded column by column, is byte for byte the file the row path writes for the same
// result (every type the COPY path decodes, with its edge values, in one slice and across slices
// and row groups); inputs reach the COPY statement as the literals of postgres_literal.ts, which
// read back exactly (an injection corpus), and the row path is taken when COPY cannot give the
// same result. Cancellation, statement timeout and errors in the middle of the stream.
import { assert, assertEquals, assertRejects } from "@std/assert";
import { FlyteshimError } from "../errors.ts";
import { postgresDriver } from "../executors/sql/postgres.ts";
import { ParquetFileSink } from "../executors/sql/parquet_sink.ts";
import type { ConnectOptions } from "../executors/sql/connect_options.ts";
import type { QueryReport, ResultSink, SqlConnection } from "../executors/sql/driver.ts";
import type { SqlParam } from "../executors/sql/params.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { activeAfterWaiting, startPostgres } from "../_testing/postgres.ts";
import { tempDir } from "../_testing/temp.ts";

const EDGE_TABLE = `
  create table edge (
    k int4, c_bool bool, c_int2 int2, c_int4 int4, c_int8 int8, c_oid oid, c_float8 float8,
    c_numeric numeric, c_text text, c_varchar varchar(20), c_bpchar char(5), c_name name,
    c_json json, c_jsonb jsonb, c_uuid uuid, c_bytea bytea, c_date date, c_time time,
    c_ts timestamp, c_tstz timestamptz
  );
  insert into edge values
    (1, true, -32768, -2147483648, -9223372036854775808, 0, 0.1, 0, '', '', 'ab', 'pg_class',
     '{"a": [1, 2]}', '{"b": null, "a": 1}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x',
     '2024-02-29', '00:00:00', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.654321+02'),
    (2, false, 32767, 2147483647, 9223372036854775807, 4294967295, '-0', -0.5,
     'héllo ✓ 😀 \t\n\\ ''q''', 'v', 'abcde', 'x', '[]', '[]',
     '00000000-0000-0000-0000-000000000000', '\\x00ff10', '0001-01-01 BC', '24:00:00',
     'infinity', 'infinity'),
    (3, null, null, null, null, null, 'NaN', 'NaN', null, null, null, null, null, null, null,
     null, 'infinity', '23:59:59.999999', '-infinity', '-infinity'),
    (4, true, 0, 0, 0, 1, 'Infinity', 'Infinity', repeat('long ', 400), 'x', '', 'n', '1', '"s"',
     'ffffffff-ffff-ffff-ffff-ffffffffffff', decode(repeat('00ff', 300), 'hex'), '-infinity',
     '12:34:56.5', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00'),
    (5, false, 1, 1, 1, 2, '-Infinity', '-Infinity', 'x', 'x', 'x', 'x', 'null', 'null',
     '123e4567-e89b-12d3-a456-426614174000', '\\x27', '5874897-12-31', '00:00:00.000001',
     '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC'),
    (6, true, 2, 2, 2, 3, 1e308, 12345678.91, 'y', 'y', 'y', 'y', '{}', '{}', null, null,
     '4713-01-01 BC', null, '1969-12-31 23:59:59.999999', '1970-01-01 00:00:00+00'),
    (7, true, 3, 3, 3, 4, 5e-324, 99999999999999999999.99999, 'z', 'z', 'z', 'z', '0', '0', null,
     null, '1970-01-01', null, '1970-01-01 00:00:00', '1970-01-01 00:00:00.000001+00'),
    (8, true, 4, 4, 4, 5, 2.2250738585072014e-308, 9007199254740993, 'w', 'w', 'w', 'w', '1', '1',
     null, null, '2000-01-01', null, '2000-01-01 00:00:00', '2000-01-01 00:00:00+00'),
    (9, true, 5, 5, 5, 6, 123456789.123456789, 0.000000000000000000000000000001, 'v', 'v', 'v', 'v',
     '1', '1', null, null, null, null, null, null),
    (10, true, 6, 6, 6, 7, -1.5, 123456789012345678901234567890.123, 'u', 'u', 'u', 'u', '1', '1',
     null, null, null, null, null, null),
    (11, true, 7, 7, 7, 8, 1, 1.0000000000000002, 'u', 'u', 'u', 'u', '1', '1', null, null, null,
     null, null, null),
    (12, true, 8, 8, 8, 9, 1, -0.1, 'u', 'u', 'u', 'u', '1', '1', null, null, null, null, null,
     null),
    (13, true, 9, 9, 9, 10, 1, 1e300, 'u', 'u', 'u', 'u', '1', '1', null, null, null, null, null,
     null);
`;

/** The sink without its encoded-slice methods: the driver then takes the row path. */
function rowsOnly(sink: ParquetFileSink): ResultSink {
  return { columns: (c) => sink.columns(c), rows: (b) => sink.rows(b) };
}

interface Written {
  report: QueryReport;
  bytes: Uint8Array;
  path: string;
}

async function write(
  conn: SqlConnection,
  dir: string,
  sql: string,
  options: { params?: SqlParam[]; markers?: number[]; rows?: boolean; rowGroupRows?: number } = {},
): Promise<Written> {
  const path = `${dir}/${crypto.randomUUID()}.parquet`;
  const sink = new ParquetFileSink(path, { rowGroupRows: options.rowGroupRows });
  const report = await conn.query(sql, options.params ?? [], options.rows ? rowsOnly(sink) : sink, {
    markers: options.markers,
  });
  await sink.close();
  return { report, bytes: await Deno.readFile(path), path };
}

/** Markers of `$1`, `$2`, ... in a hand-written statement. */
function markersOf(sql: string, count: number): number[] {
  return Array.from({ length: count }, (_, k) => sql.indexOf(`$${k + 1}`));
}

Deno.test("sql executor: PostgreSQL COPY path", async (t) => {
  const pg = await startPostgres();
  const dir = await tempDir({ prefix: "flyteshim-pg-copy-" });
  const options: ConnectOptions = {
    dialect: "postgresql",
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database: "postgres",
    sslmode: "disable",
  };
  const conn = await postgresDriver.connect(options);
  try {
    await pg.sql(EDGE_TABLE);

    await t.step("every type it decodes: the same file as the row path", async () => {
      const sql = "select * from edge order by k";
      const copy = await write(conn, dir, sql);
      const rows = await write(conn, dir, sql, { rows: true });
      assertEquals([copy.report.via, rows.report.via], ["copy", "rows"]);
      assertEquals(copy.bytes, rows.bytes);
      // And an independent reader agrees with the text forms where they are plain.
      const table = await readParquet(copy.path, "select c_numeric, c_uuid, c_bpchar from t");
      assertEquals(table.rows[1], [-0.5, "00000000-0000-0000-0000-000000000000", "abcde"]);
      assertEquals(table.rows[7][0], 9007199254740992);
    });

    await t.step("many rows, across slices and row groups: the same file", async () => {
      const sql = `
        select g::int8 as id, 'label-' || (g % 1000) as label, (g * 0.25)::numeric(12,2) as amount,
               g % 2 = 0 as flag, timestamptz '2024-01-01' + g * interval '1 second' as at,
               case when g % 3 = 0 then null else 'note ' || g end as note
        from generate_series(1, 150000) g`;
      for (const rowGroupRows of [undefined, 40_000]) {
        const copy = await write(conn, dir, sql, { rowGroupRows });
        const rows = await write(conn, dir, sql, { rowGroupRows, rows: true });
        assertEquals(copy.report.via, "copy");
        assertEquals(copy.bytes, rows.bytes, `row groups of ${rowGroupRows}`);
      }
    });

    await t.step("inputs become literals that read back exactly", async () => {
      const strings = [
        "o'hara",
        "' OR '1'='1",
        "'; DROP TABLE edge; --",
        "\\'; DROP TABLE edge; --",
        "\\\\'",
        "back\\slash\\",
        "E'\\''",
        "$$; DROP TABLE edge; $$",
        "*/ x /*",
        "-- comment\n'",
        "\u02bc \uff07 \u00bf'",
        "tab\tnewline\nreturn\r",
        "",
        "😀 ✓ é",
        "$1",
      ];
      for (const value of strings) {
        const sql = "select $1 as v, (select count(*) from edge) as n";
        const out = await write(conn, dir, sql, {
          params: [{ kind: "text", value }],
          markers: markersOf(sql, 1),
        });
        assertEquals(out.report.via, "copy");
        const table = await readParquet(out.path);
        assertEquals(table.rows, [[value, 13n]], JSON.stringify(value));
      }
      const typed: [SqlParam, unknown][] = [
        [{ kind: "int32", value: "-5" }, -5n],
        [{ kind: "int64", value: "-9223372036854775808" }, -9223372036854775808n],
        [{ kind: "decimal", value: "0.1" }, 0.1],
        [{ kind: "float", value: "-Infinity" }, -Infinity],
        [{ kind: "boolean", value: "true" }, true],
        [
          { kind: "bytes", value: new Uint8Array([0, 39, 92, 255]) },
          new Uint8Array([0, 39, 92, 255]),
        ],
        [
          { kind: "timestamptz", value: "0001-01-02 03:04:05.123456+00 BC" },
          "0001-01-02 03:04:05.123456+00 BC",
        ],
        [{ kind: "interval", value: "1 days 3600.000000 seconds" }, "1 day 01:00:00"],
        [{ kind: "text", value: null }, null],
      ];
      for (const [param, expected] of typed) {
        // timestamptz and interval read back as their text, the others as themselves.
        const sql = param.kind === "timestamptz" || param.kind === "interval"
          ? "select $1::text as v"
          : "select $1 as v";
        const out = await write(conn, dir, sql, { params: [param], markers: markersOf(sql, 1) });
        assertEquals(out.report.via, "copy", param.kind);
        const table = await readParquet(out.path);
        const value = table.rows[0][0];
        assertEquals(value instanceof Uint8Array ? new Uint8Array(value) : value, expected);
      }
      assertEquals((await pg.sql("select count(*)::int as n from edge"))[0].n, 13);
      // E'' strings lex the same whatever standard_conforming_strings says.
      const legacy = await postgresDriver.connect({
        ...options,
        options: "-c standard_conforming_strings=off -c escape_string_warning=off",
      });
      try {
        for (const value of ["\\'; DROP TABLE edge; --", "a\\b", "\\"]) {
          const sql = "select $1 as v";
          const out = await write(legacy, dir, sql, {
            params: [{ kind: "text", value }],
            markers: markersOf(sql, 1),
          });
          assertEquals(out.report.via, "copy");
          assertEquals((await readParquet(out.path)).rows, [[value]]);
        }
      } finally {
        await legacy.close();
      }
    });

    await t.step("the row path when COPY would not give the same result", async () => {
      // A cast renames an unnamed column: the literal statement describes differently.
      const sql = "select $1";
      const renamed = await write(conn, dir, sql, {
        params: [{ kind: "int32", value: "7" }],
        markers: [7],
      });
      assertEquals(renamed.report.via, "rows");
      assertEquals((await readParquet(renamed.path)).columns.map((c) => c.name), ["?column?"]);
      // float4, interval, arrays: no exact binary decoder.
      for (const expr of ["1.1::float4", "interval '1 day'", "array[1, 2]", "'a'::\"char\""]) {
        const out = await write(conn, dir, `select ${expr} as v`);
        assertEquals(out.report.via, "rows", expr);
      }
      // No markers (a caller that cannot tell where its parameters are): bound parameters.
      const bound = await write(conn, dir, "select $1 as v", {
        params: [{ kind: "text", value: "x" }],
      });
      assertEquals(bound.report.via, "rows");
      // A NUL has no literal form: the bound parameter, which the server refuses.
      await assertRejects(
        () =>
          write(conn, dir, "select $1 as v", {
            params: [{ kind: "text", value: "a\0b" }],
            markers: [7],
          }),
        FlyteshimError,
      );
      // A statement without rows.
      const none = await write(conn, dir, "create temporary table nothing (a int)");
      assertEquals(none.report.via, "rows");
      // Statements with rows that COPY does not take: refused before it starts, then the row path.
      for (const sql of ["show server_version_num", "explain select 1"]) {
        assertEquals((await write(conn, dir, sql)).report.via, "rows", sql);
      }
    });

    await t.step("float8 text rounded by extra_float_digits: the row path", async () => {
      const rounded = await postgresDriver.connect({
        ...options,
        options: "-c extra_float_digits=0",
      });
      try {
        const out = await write(rounded, dir, "select 0.1::float8 + 0.2::float8 as v");
        assertEquals(out.report.via, "rows");
        assertEquals((await readParquet(out.path)).rows, [[0.3]]);
      } finally {
        await rounded.close();
      }
      const exact = await write(conn, dir, "select 0.1::float8 + 0.2::float8 as v");
      assertEquals(exact.report.via, "copy");
      assertEquals((await readParquet(exact.path)).rows, [[0.30000000000000004]]);
    });

    await t.step("an error in the middle of the stream rejects, classified", async () => {
      const sql =
        "select case when g = 100000 then 1 / (g - g) else g end::int8 as n from generate_series(1, 200000) g";
      const path = `${dir}/failed.parquet`;
      const sink = new ParquetFileSink(path);
      const error = await assertRejects(() => conn.query(sql, [], sink), FlyteshimError);
      sink.abort();
      assertEquals(error.code, "USER:SqlError", error.message);
      assert(sink.rowCount >= 65536, `only ${sink.rowCount} rows reached the sink`);
      // The connection is still usable.
      assertEquals((await write(conn, dir, "select 1::int8 as one")).report.via, "copy");
    });

    await t.step("two columns of one name: USER:DuplicateColumn, and the COPY ends", async () => {
      const sink = new ParquetFileSink(`${dir}/duplicate.parquet`);
      const error = await assertRejects(
        () =>
          conn.query("select g::int8 as a, g::int8 as a from generate_series(1, 10) g", [], sink),
        FlyteshimError,
      );
      assertEquals(error.code, "USER:DuplicateColumn", error.message);
      assertEquals((await write(conn, dir, "select 1::int8 as one")).report.via, "copy");
    });

    await t.step("aborting cancels the COPY on the server", async () => {
      const controller = new AbortController();
      const sink = new ParquetFileSink(`${dir}/aborted.parquet`, { signal: controller.signal });
      const running = conn.query(
        "select g::int8 as n from generate_series(1, 1000000000) g",
        [],
        sink,
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const error = await assertRejects(() => running, FlyteshimError);
      sink.abort();
      assertEquals(error.code, "SYSTEM:Aborted", error.message);
      assert(Date.now() - started < 5000);
      assertEquals(
        await activeAfterWaiting(pg, "%generate_series(1, 1000000000)%"),
        0,
        "the COPY still runs on the server",
      );
    });

    await t.step("an abort before the statement starts: it never starts", async () => {
      // `void` has no binary decoder: after describing, this query takes the row path, whose
      // statement no abort event reaches if the signal fired before it started.
      const controller = new AbortController();
      controller.abort();
      const sink = new ParquetFileSink(`${dir}/pre-aborted.parquet`, { signal: controller.signal });
      const started = Date.now();
      await assertRejects(() =>
        conn.query("select pg_sleep(20) as slept", [], sink, { signal: controller.signal })
      );
      sink.abort();
      assert(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      const active = await pg.sql(
        "select pid from pg_stat_activity where query like '%pg_sleep(20)%' and pid <> pg_backend_pid() and state = 'active'",
      );
      assertEquals(active, [], "the statement runs on the server");
    });

    await t.step("statement_timeout ends a COPY", async () => {
      const timed = await postgresDriver.connect({ ...options, statementTimeoutMs: 300 });
      try {
        const sink = new ParquetFileSink(`${dir}/timeout.parquet`);
        const error = await assertRejects(
          () =>
            timed.query("select g::int8 as n from pg_sleep(5), generate_series(1, 3) g", [], sink),
          FlyteshimError,
        );
        sink.abort();
        assertEquals(error.code, "USER:StatementTimeout", error.message);
      } finally {
        await timed.close();
      }
    });
  } finally {
    await conn.close();
    await pg.stop();
  }
});
