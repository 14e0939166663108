// A corpus of injection attempts through every placeholder position: each one either matches
// nothing (the value stays a value) or is refused as unsafe; the database file is byte-identical
// afterwards and no extra rows come back.
import { assert, assertEquals } from "@std/assert";
import { UserError } from "../errors.ts";
import { fileHash, makeDatabase, runSqlite3 } from "../_testing/sqlite3.ts";

const SETUP = `
  create table users (id integer primary key, name text, secret text);
  insert into users values (1, 'alice', 's1'), (2, 'bob', 's2'), (3, 'O''Brien', 's3');
  create table audit (n integer);
`;

const PAYLOADS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  "x'; DROP TABLE users; --",
  "1; DELETE FROM users",
  "1 OR 1=1",
  "0 UNION SELECT id, secret, secret FROM users",
  "') OR ('a'='a",
  "\\' OR 1=1 --",
  "'/*",
  "*/ OR 1=1 --",
  "\n OR 1=1",
  '"users"',
  "users; ATTACH DATABASE '/tmp/x.db' AS x",
  "bob' --",
  "%' OR name LIKE '%",
  "1e308; VACUUM",
  "' || (SELECT secret FROM users LIMIT 1) || '",
  "]; DROP TABLE users; --",
  "`; DROP TABLE users; --",
  "${1}",
  "?",
  ":name",
  "'\u2019 OR 1=1 --",
  "x\x00' OR 1=1",
];

// [template, rows the template returns for an innocent value, an innocent value]
const TEMPLATES: [string, number, string][] = [
  ["select * from users where name = '{{ .inputs.v }}'", 1, "bob"],
  ["select * from users where name = {{ .inputs.v }}", 1, "bob"],
  ["select * from users where name like '%{{ .inputs.v }}%'", 1, "bo"],
  ["select * from users where id = {{ .inputs.v }}", 1, "2"],
  ["select * from users where name in ('{{ .inputs.v }}', 'nobody')", 1, "bob"],
  ['select * from users where name = "{{ .inputs.v }}"', 3, "name"],
  ["select * from {{ .inputs.v }} where id = 1", 1, "users"],
  ["select * from users order by {{ .inputs.v }}", 3, "name"],
  ["select * from users where id = 1 -- {{ .inputs.v }}\n", 1, "x"],
  ["select * from users where id = 1 /* {{ .inputs.v }} */", 1, "x"],
  ["select *, '{{ .inputs.v }}' as echo from users where id = 1", 1, "x"],
];

Deno.test("sqlite3 injection: injection attempts neither change the database nor return extra rows", async () => {
  const path = await makeDatabase(SETUP);
  const before = await fileHash(path);
  let refused = 0;
  let ran = 0;
  for (const [template, innocentRows, innocent] of TEMPLATES) {
    const ok = await runSqlite3({ query_template: template, uri: path }, { v: innocent });
    assertEquals(ok.table!.rows.length, innocentRows, `${template} with ${innocent}`);
    for (const payload of PAYLOADS) {
      const label = `${JSON.stringify(template)} with ${JSON.stringify(payload)}`;
      try {
        const { table } = await runSqlite3({ query_template: template, uri: path }, { v: payload });
        ran++;
        assert(table!.rows.length <= innocentRows, `extra rows: ${label}`);
        for (const row of table!.rows) {
          // A secret never leaks into a column that does not hold it.
          assert(!row.slice(0, 2).some((v) => typeof v === "string" && /^s\d$/.test(v)), label);
        }
        if (template.includes("echo")) {
          assertEquals(table!.rows[0][3], payload.replaceAll("\0", ""), label);
        }
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        assert(
          ["USER:UnsafeInput", "USER:SqlError", "USER:InvalidTemplate"].includes(error.code),
          `${label}: ${error.code} ${error.message}`,
        );
        refused++;
      }
    }
  }
  assert(ran > 100 && refused > 10, `ran ${ran}, refused ${refused}`);
  assertEquals(await fileHash(path), before);
});

Deno.test("sqlite3 injection: quoted values keep their meaning: O'Brien matches, a quote-breaking value does not", async () => {
  const path = await makeDatabase(SETUP);
  const one = await runSqlite3(
    { query_template: "select id from users where name = '{{ .inputs.v }}'", uri: path },
    { v: "O'Brien" },
  );
  assertEquals(one.table!.rows, [[3n]]);
  const none = await runSqlite3(
    { query_template: "select id from users where name = '{{ .inputs.v }}'", uri: path },
    { v: "' OR 1=1 --" },
  );
  assertEquals(none.table!.rows, []);
});

Deno.test("sqlite3 injection: identifier positions accept plain names only", async () => {
  const path = await makeDatabase(SETUP);
  const before = await fileHash(path);
  for (const v of ["users; DROP TABLE users", "users --", "users u, audit", "(select 1)"]) {
    try {
      await runSqlite3({ query_template: "select * from {{ .inputs.v }}", uri: path }, { v });
      throw new Error(`accepted ${v}`);
    } catch (error) {
      assert(error instanceof UserError && error.code === "USER:UnsafeInput", String(error));
    }
  }
  assertEquals(await fileHash(path), before);
});
