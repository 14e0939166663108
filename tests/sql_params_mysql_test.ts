// Issue 12, items 1, 4 and 5 on a real MariaDB, through the real program and the propeller
// harness: bound values reach the server as exact text with a deliberate wire type (no time-zone
// shift under TZ=America/New_York), DATETIME(6), TIMESTAMP(6), DATE and TIME(6) read back to the
// microsecond, scripts of several statements run in one transaction, and TLS required against a
// server without it is a USER configuration error.
import { crossCheck, MARIADB } from "../_testing/tools.ts";
import { assertEquals, assertStringIncludes } from "@std/assert";
import { flyteidl } from "../idl/mod.ts";
import { Duration, Types } from "../types/mod.ts";
import { startMariadb } from "../_testing/mariadb.ts";
import { runSqlTask, type SqlEngineCase, sqlSharedSteps } from "../_testing/sql_task.ts";

const PASSWORD = "maria-Params-3c8d";
const TZ = { TZ: "America/New_York" };
const str = Types.string.literalType;
const binary = { simple: flyteidl.core.SimpleType.BINARY };

Deno.test({
  ...crossCheck("sql executor on MariaDB: values, scripts and TLS as flytekit", ...MARIADB),
  async fn(t) {
    await using db = await startMariadb({ password: PASSWORD });
    const uri = `mysql+pymysql://${db.user}:${PASSWORD}@${db.host}:${db.port}/app`;
    const engine: SqlEngineCase = {
      uri,
      sinceColumns: ["created_at", "created_ts"],
      countS1: async () => Number(await db.sql("select count(*) from app.s1")),
      duplicateKey: "Duplicate entry",
      tlsRequired: [{ ssl_mode: "REQUIRED" }, { ssl_mode: "VERIFY_IDENTITY" }],
    };
    await db.sql(`
      create table app.events (id int, created_at datetime(6), created_ts timestamp(6) null);
      insert into app.events values
        (1, '2024-01-01 10:00:00.000001', '2024-01-01 10:00:00.000001'),
        (2, '2024-01-01 10:00:00.000002', '2024-01-01 10:00:00.000002'),
        (3, '2024-01-01 14:00:00.5', '2024-01-01 14:00:00.5'),
        (4, '2024-01-01 06:00:00', '2024-01-01 06:00:00');
      create table app.kinds (k varchar(20), j json, b bool, bin varbinary(8), t time(6));
      create table app.s1 (id int primary key, v text) engine=InnoDB;
    `);

    await sqlSharedSteps.since(t, engine);

    await t.step("typed parameters: JSON text, booleans, durations, LIMIT", async () => {
      const insert = (k: string, column: string, type: typeof str, value: unknown) =>
        runSqlTask({
          query: `insert into kinds (k, ${column}) values ({{ .inputs.k }}, {{ .inputs.v }})`,
          uri,
          inputs: { k: [str, k], v: [type, value] },
          output: false,
          env: TZ,
        });
      for (
        const [k, column, type, value] of [
          ["json", "j", str, '{"a": [1, 2]}'],
          ["bool", "b", Types.boolean.literalType, true],
          ["bin", "bin", str, "ab"],
          ["dur", "t", Types.duration.literalType, new Duration(93784n, 500_000)],
          ["neg", "t", Types.duration.literalType, new Duration(-1n)],
        ] as const
      ) {
        const { run } = await insert(k, column, type, value);
        assertEquals(run.error, undefined, `${k}: ${run.error?.message}`);
      }
      const rows = await db.sql(
        "select concat_ws('|', k, coalesce(json_extract(j, '$.a[1]'), ''), coalesce(b, '')," +
          " coalesce(hex(bin), ''), coalesce(cast(t as char), '')) from app.kinds order by k",
      );
      assertEquals(rows.trim().split("\n"), [
        "bin|||6162|",
        "bool||1||",
        "dur||||26:03:04.000500",
        "json|2|||", // a JSON document, not a JSON string
        "neg||||-00:00:01.000000",
      ]);
      const { run, table } = await runSqlTask({
        query: "select id from events order by id limit {{ .inputs.n }}",
        uri,
        inputs: { n: [Types.integer.literalType, 2n] },
      });
      assertEquals(run.error, undefined, run.error?.message ?? "");
      assertEquals(table!.rows, [[1n], [2n]]);
    });

    await t.step("binary inputs are sent as bytes", async () => {
      const { run, table } = await runSqlTask({
        query: "select hex({{ .inputs.b }}) as h, length({{ .inputs.b }}) as n",
        uri,
        inputs: { b: [binary, new Uint8Array([0, 255, 16, 92, 0xc3])] },
      });
      assertEquals(run.error, undefined, run.error?.message ?? "");
      assertEquals(table!.rows, [["00FF105CC3", 5n]]);
    });

    await t.step("a NaN input is a USER error naming the input", async () => {
      const { run } = await runSqlTask({
        query: "select {{ .inputs.ratio }} as r",
        uri,
        inputs: { ratio: [Types.float.literalType, NaN] },
      });
      assertEquals(run.error?.code, "USER:InvalidInput");
      assertStringIncludes(run.error?.message ?? "", 'input "ratio"');
    });

    await t.step(
      "DATETIME(6), TIMESTAMP(6), DATE and TIME(6) read back to the microsecond",
      async () => {
        for (const script of [false, true]) {
          const { run, table } = await runSqlTask({
            query: (script ? "set @x = 1; " : "") +
              "select cast('2024-01-02 03:04:05.123456' as datetime(6)) as dt," +
              " created_ts as ts, cast('2024-02-29' as date) as d," +
              " cast('-838:59:59.999999' as time(6)) as tm from events where id = 3",
            uri,
            env: TZ,
            read: "select typeof(dt), dt::varchar, typeof(ts), epoch_us(ts), d::varchar, tm from t",
          });
          assertEquals(run.error, undefined, run.error?.message ?? "");
          assertEquals(table!.rows, [[
            "TIMESTAMP",
            "2024-01-02 03:04:05.123456",
            "TIMESTAMP WITH TIME ZONE",
            1704117600500000n,
            "2024-02-29",
            "-838:59:59.999999",
          ]], script ? "script (text protocol)" : "statement (binary protocol)");
        }
      },
    );

    await t.step("a script of several statements runs in one transaction", async () => {
      const { run } = await runSqlTask({
        query: "insert into s1 values (1, 'a'), (2, 'b');\nupdate s1 set v = 'c' where id = 2;",
        uri,
        output: false,
      });
      assertEquals(run.error, undefined, run.error?.message ?? "");
      assertEquals(await db.sql("select id, v from app.s1 order by id"), "1\ta\n2\tc\n");
    });

    await sqlSharedSteps.rollback(t, engine);

    await t.step("with an output: the first statement that returns rows", async () => {
      const { run, table } = await runSqlTask({
        query: "create temporary table tmp as select id, v from s1;\n" +
          "select id, upper(v) as v from tmp order by id;\nselect 'not this one';\n",
        uri,
      });
      assertEquals(run.error, undefined, run.error?.message ?? "");
      assertEquals(table!.rows, [[1n, "A"], [2n, "C"]]);
      const none = await runSqlTask({ query: "set @a = 1; set @b = 2", uri });
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
      assertStringIncludes(run.error?.message ?? "", "MySQL takes only in a single statement");
    });

    await sqlSharedSteps.tls(t, engine);
  },
});
