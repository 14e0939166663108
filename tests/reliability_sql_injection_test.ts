// SQL injection corpus against the SQLite3 executor (in process, real executor and templating)
// and the SQL executor on a real PostgreSQL (its COPY path, inputs as literals): every payload in every placeholder position either
// returns exactly the rows a literal reading of the input selects (none, here) or is refused as
// USER:UnsafeInput / USER:SqlError. The database is unchanged afterwards: byte-identical for
// SQLite, same tables, row counts and content checksums for PostgreSQL; no file appears.
import { crossCheck, MARIADB } from "../_testing/tools.ts";
import { assert, assertEquals } from "@std/assert";
import { FlyteshimError } from "../errors.ts";
import { startMariadb } from "../_testing/mariadb.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { runSql, T } from "../_testing/sql_run.ts";
import { fileHash, makeDatabase, runSqlite3, sqliteTemplate } from "../_testing/sqlite3.ts";
import { Types } from "../types/mod.ts";
import type { flyteidl } from "../idl/mod.ts";

const ATTACHED = `/tmp/flyteshim-injected-${crypto.randomUUID().slice(0, 8)}.db`;

/** Payloads: classic, stacked, comment, quote-escaping, unicode, encoding and engine tricks. */
const PAYLOADS: readonly string[] = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "1 OR 1=1",
  "1) OR (1=1",
  "'; DROP TABLE users; --",
  "1; DROP TABLE users",
  "'; DELETE FROM users; --",
  "'; INSERT INTO users VALUES (99, 'mallory', 'x'); --",
  "'; UPDATE users SET secret = 'pwned'; --",
  "' UNION SELECT id, secret FROM users --",
  "1 UNION SELECT id, secret FROM users",
  "' || (SELECT secret FROM users LIMIT 1) || '",
  "%' OR name LIKE '%",
  "\\'; DROP TABLE users; --",
  "\\\\'; DROP TABLE users; --",
  '"; DROP TABLE users; --',
  "]; DROP TABLE users; --",
  "`; DROP TABLE users; --",
  "x' /*",
  "*/ OR 1=1 --",
  "'\n; DROP TABLE users; --",
  "\u0000' OR 1=1 --",
  "\u02bc OR 1=1 --",
  "\uff07 OR 1=1 --",
  "'' OR ''='",
  "%27%20OR%201%3D1",
  "char(39) || ' OR 1=1'",
  `'; ATTACH DATABASE '${ATTACHED}' AS x; CREATE TABLE x.t(a); --`,
  "'; PRAGMA writable_schema = 1; --",
  "' AND load_extension('/tmp/evil') --",
  "$$; DROP TABLE users; $$",
  "$x$; DROP TABLE users; $x$",
  "$q$; DROP TABLE users; --",
  "E'\\''; DROP TABLE users; --",
  "'; COPY users TO '/tmp/flyteshim-copied'; --",
  "'; SELECT pg_sleep(0); --",
  "{{ .inputs.x }}",
  "?",
  "$1",
  ":x",
  "users; --",
  "users",
  "' OR 1=1 #",
  "\\' OR 1=1 -- ",
  "\\\\' OR 1=1 #",
  "'; SELECT SLEEP(0); #",
  "' UNION SELECT id, secret FROM users INTO OUTFILE '/tmp/flyteshim-outfile' #",
  "\u00bf' OR 1=1 -- ",
];

/** Query templates, one per placeholder position. */
type Dialect = "sqlite" | "postgres" | "mysql";
const ALL: Dialect[] = ["sqlite", "postgres", "mysql"];

const TEMPLATES: readonly { name: string; sql: string; dialects: Dialect[]; list?: boolean }[] = [
  {
    name: "value",
    sql: "select id, name from users where name = {{ .inputs.x }}",
    dialects: ALL,
  },
  {
    name: "quoted string",
    sql: "select id, name from users where name = '{{ .inputs.x }}'",
    dialects: ALL,
  },
  {
    name: "LIKE pattern",
    sql: "select id, name from users where name like '%{{ .inputs.x }}%' and id > 100",
    dialects: ALL,
  },
  {
    name: "IN list",
    sql: "select id, name from users where name in ({{ .inputs.x }}, 'nobody')",
    dialects: ALL,
  },
  {
    name: "identifier (table name)",
    sql: "select id, name from {{ .inputs.x }} where id > 100",
    dialects: ALL,
  },
  {
    name: "quoted identifier",
    sql: 'select id, name from users where "{{ .inputs.x }}" = 1',
    // In MySQL "..." is a string, and "1 OR 1=1" = 1 is true by MySQL's string-to-number cast (a
    // literal reading of the input, not an injection): the backtick template covers identifiers.
    dialects: ["sqlite", "postgres"],
  },
  {
    name: "comment",
    sql: "select id, name from users where id > 100 -- {{ .inputs.x }}\n",
    dialects: ALL,
  },
  {
    // SQLite reads "..." as a string when no column of that name is in scope (double-quoted
    // strings are on, as in Python's sqlite3): the value must still stay inside it.
    name: "double-quoted string (SQLite)",
    sql: 'select id, name from users where name = "{{ .inputs.x }}"',
    dialects: ["sqlite"],
  },
  {
    name: "double-quoted string in a select list (SQLite)",
    sql: 'select id, name, "{{ .inputs.x }}" as v from users where id > 100',
    dialects: ["sqlite"],
  },
  {
    // The payload as the one element of a list input: each element is bound on its own.
    name: "list input as IN list items",
    sql: "select id, name from users where name in ({{ .inputs.x }})",
    dialects: ALL,
    list: true,
  },
  {
    name: "double-quoted string (MySQL)",
    sql: 'select id, name from users where name = "{{ .inputs.x }}"',
    dialects: ["mysql"],
  },
  {
    name: "backtick identifier (MySQL)",
    sql: "select id, name from users where `{{ .inputs.x }}` = 1",
    dialects: ["mysql"],
  },
  {
    name: "hash comment (MySQL)",
    sql: "select id, name from users where id > 100 # {{ .inputs.x }}\n",
    dialects: ["mysql"],
  },
  {
    name: "E-string",
    sql: "select id, name from users where name = E'{{ .inputs.x }}'",
    dialects: ["postgres"],
  },
  {
    // PostgreSQL continues a string across a newline, in the first part's mode (E: backslashes).
    name: "string continuing an E-string",
    sql: "select id, name from users where name = E'x'\n  -- continued\n'{{ .inputs.x }}'",
    dialects: ["postgres"],
  },
  {
    name: "E-string continuation holding an escaped quote",
    sql: "select id, name from users where name = E'x'\n'\\' {{ .inputs.x }} '",
    dialects: ["postgres"],
  },
  {
    name: "dollar-quoted string",
    sql: "select id, name from users where name = $q${{ .inputs.x }}$q$",
    dialects: ["postgres"],
  },
];

const SETUP = `
  create table users (id integer primary key, name text not null, secret text not null);
  insert into users values (1, 'alice', 'alice-secret'), (2, 'bob', 'bob-secret'), (3, 'o''hara', 'oh-secret');
  create table audit (id integer primary key, note text);
  insert into audit values (1, 'created');
`;

/** A run's outcome: the rows, or the refusal's code. */
type Outcome = { rows: unknown[][] } | { code: string };

function refusedOrEmpty(outcome: Outcome, what: string): string {
  if ("code" in outcome) {
    assert(
      ["USER:UnsafeInput", "USER:SqlError", "USER:InvalidTemplate"].includes(outcome.code),
      `${what}: unexpected ${outcome.code}`,
    );
    return outcome.code;
  }
  // No payload names a user and every other position filters on id > 100: no row may come back.
  assertEquals(outcome.rows, [], `${what}: rows came back`);
  return "no rows";
}

/**
 * Runs one payload through the SQL executor: the rows it returned, or the USER code it refused
 * with.
 */
async function runPayload(
  url: string,
  template: { sql: string; list?: boolean },
  payload: string,
  what: string,
): Promise<Outcome> {
  const x: [flyteidl.core.ILiteralType, unknown] = template.list
    ? [{ collectionType: T.str }, [payload]]
    : [T.str, payload];
  try {
    const { table } = await runSql({ query: template.sql, uri: url, inputs: { x } });
    return { rows: table!.rows };
  } catch (error) {
    if (!(error instanceof FlyteshimError)) throw new Error(what, { cause: error });
    assertEquals(error.origin, "user", `${what}: ${error.message}`);
    return { code: error.code };
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

function tally(counts: Map<string, number>, key: string) {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

Deno.test("injection: SQLite3 executor, every payload in every position", async () => {
  const db = await makeDatabase(SETUP, "victim.db");
  const before = await fileHash(db);
  const counts = new Map<string, number>();
  for (const template of TEMPLATES.filter((t) => t.dialects.includes("sqlite"))) {
    for (const payload of PAYLOADS) {
      const what = `${template.name} <- ${JSON.stringify(payload)}`;
      const custom = { query_template: template.sql, uri: db, compressed: false };
      const type = template.list ? Types.list(Types.string) : Types.string;
      let outcome: Outcome;
      try {
        const { table } = await runSqlite3(custom, { x: template.list ? [payload] : payload }, {
          template: sqliteTemplate(custom, { inputs: { x: type.literalType } }),
        });
        outcome = { rows: table!.rows };
      } catch (error) {
        if (!(error instanceof FlyteshimError)) throw new Error(what, { cause: error });
        assertEquals(error.origin, "user", `${what}: ${error.message}`);
        outcome = { code: error.code };
      }
      tally(counts, `${template.name}: ${refusedOrEmpty(outcome, what)}`);
      assertEquals(await fileHash(db), before, `${what}: the database changed`);
    }
  }
  // The literal reading still works: a real name in a value position finds its row only.
  const custom = {
    query_template: "select id, name from users where name = '{{ .inputs.x }}'",
    uri: db,
    compressed: false,
  };
  const { table } = await runSqlite3(custom, { x: "o'hara" }, {
    template: sqliteTemplate(custom, { inputs: { x: Types.string.literalType } }),
  });
  assertEquals(table!.rows, [[3n, "o'hara"]]);
  assertEquals(await fileHash(db), before);
  assertEquals(await exists(ATTACHED), false, "ATTACH created a file");
  console.log([...counts].map(([k, v]) => `${k} x${v}`).join("\n"));
});

Deno.test("injection: SQL executor on PostgreSQL, every payload in every position", async () => {
  await using pg = await startPostgres();
  await pg.sql(SETUP.replaceAll("integer primary key", "int primary key"));
  const fingerprint = async () =>
    JSON.stringify(
      await pg.sql(`
        select
          (select string_agg(tablename, ',' order by tablename) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')) as tables,
          (select count(*) from users) as users,
          (select md5(string_agg(id || ':' || name || ':' || secret, ',' order by id)) from users) as users_md5,
          (select count(*) from audit) as audit,
          (select md5(string_agg(id || ':' || note, ',' order by id)) from audit) as audit_md5
      `),
    );
  const before = await fingerprint();
  const counts = new Map<string, number>();
  for (const template of TEMPLATES.filter((t) => t.dialects.includes("postgres"))) {
    for (const payload of PAYLOADS) {
      // Results stream through COPY with inputs as literals (postgres_literal.ts); a NUL has no
      // literal form, so that payload takes the bound parameter, which PostgreSQL refuses.
      const what = `${template.name} <- ${JSON.stringify(payload)}`;
      const outcome = await runPayload(pg.url, template, payload, what);
      tally(counts, `${template.name}: ${refusedOrEmpty(outcome, what)}`);
    }
    assertEquals(await fingerprint(), before, `${template.name}: the database changed`);
  }
  // Without a declared output the statement runs through the simple protocol (several
  // statements allowed): the payloads still stay inside their string.
  for (const payload of PAYLOADS.filter((p) => p.startsWith("'") && !p.includes("\u0000"))) {
    try {
      await runSql({
        query: "select count(*) from users where name = '{{ .inputs.x }}'",
        uri: pg.url,
        inputs: { x: [T.str, payload] },
        output: false,
      });
    } catch (error) {
      assert(error instanceof FlyteshimError && error.origin === "user", String(error));
    }
  }
  assertEquals(await fingerprint(), before, "no-output statements changed the database");
  const { table } = await runSql({
    query: "select id, name from users where name = '{{ .inputs.x }}'",
    uri: pg.url,
    inputs: { x: [T.str, "o'hara"] },
  });
  assertEquals(table!.rows, [[3n, "o'hara"]]);
  assertEquals(await exists("/tmp/flyteshim-copied"), false, "COPY wrote a file");
  console.log([...counts].map(([k, v]) => `${k} x${v}`).join("\n"));
});

Deno.test({
  ...crossCheck("injection: SQL executor on MariaDB, every payload in every position", ...MARIADB),
  async fn() {
    await using db = await startMariadb();
    await db.sql(`use app; ${SETUP.replaceAll("integer primary key", "int primary key")}`);
    const fingerprint = () =>
      db.sql(`
        select group_concat(table_name order by table_name) from information_schema.tables
          where table_schema = 'app';
        select count(*) from app.users; select count(*) from app.audit;
        checksum table app.users, app.audit extended;
      `);
    const before = await fingerprint();
    assert(before.includes("audit,users"), before);
    const counts = new Map<string, number>();
    for (const template of TEMPLATES.filter((t) => t.dialects.includes("mysql"))) {
      for (const payload of PAYLOADS) {
        const what = `${template.name} <- ${JSON.stringify(payload)}`;
        const outcome = await runPayload(db.url, template, payload, what);
        tally(counts, `${template.name}: ${refusedOrEmpty(outcome, what)}`);
      }
      assertEquals(await fingerprint(), before, `${template.name}: the database changed`);
    }
    const { table } = await runSql({
      query: "select id, name from users where name = '{{ .inputs.x }}'",
      uri: db.url,
      inputs: { x: [T.str, "o'hara"] },
    });
    assertEquals(table!.rows, [[3n, "o'hara"]]);
    assertEquals(await exists("/tmp/flyteshim-outfile"), false, "INTO OUTFILE wrote a file");
    console.log([...counts].map(([k, v]) => `${k} x${v}`).join("\n"));
  },
});
