import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { UserError } from "../../errors.ts";
import { Timestamp } from "../../types/values.ts";
import { renderQuery, sqliteParam } from "./render.ts";

function code(fn: () => unknown): string {
  return assertThrows(fn, UserError).code;
}

Deno.test("renderQuery() binds values where an expression starts", () => {
  const q = renderQuery(
    "select {{.inputs.a}} as a from t where x = {{.inputs.b}} and y in ({{.inputs.c}}, {{.inputs.d}}) limit {{ .inputs.n }}",
    { a: 1n, b: "s", c: 2.5, d: null, n: 10n },
  );
  assertEquals(q.sql, "select ? as a from t where x = ? and y in (?, ?) limit ?");
  assertEquals(q.params, [1n, "s", 2.5, null, 10n]);
  const pg = renderQuery("select * from t where a = {{.inputs.a}} or b = {{.inputs.b}}", {
    a: 1n,
    b: 2n,
  }, { dialect: "postgres" });
  assertEquals(pg.sql, "select * from t where a = $1 or b = $2");
});

Deno.test("renderQuery() rebuilds quoted strings with the value escaped", () => {
  const q = renderQuery(
    "select * from t where name = '{{.inputs.name}}' and tag like '%{{ .inputs.tag }}%'",
    { name: "O'Brien", tag: "' OR 1=1 --" },
  );
  assertEquals(q.sql, "select * from t where name = 'O''Brien' and tag like '%'' OR 1=1 --%'");
  assertEquals(q.params, []);
  const typed = renderQuery("select '{{.inputs.f}}|{{.inputs.b}}|{{.inputs.t}}'", {
    f: 1.0,
    b: true,
    t: Timestamp.parse("2024-01-02T03:04:05Z"),
  });
  assertEquals(typed.sql, "select '1.0|True|2024-01-02 03:04:05+00:00'");
});

Deno.test("renderQuery() keeps newlines, comments and other braces", () => {
  const q = renderQuery(
    "select 1 -- {{ .inputs.a }}\n, {{ .rawOutputDataPrefix }} /* {{.inputs.a}} */",
    {
      a: "x",
    },
  );
  assertEquals(
    q.sql,
    "select 1 -- {{ .inputs.a }}\n, {{ .rawOutputDataPrefix }} /* {{.inputs.a}} */",
  );
});

Deno.test("renderQuery() accepts only plain identifiers where no value can go", () => {
  const q = renderQuery(
    "select {{.inputs.col}}_x from {{.inputs.schema}}.{{.inputs.table}} join t2 as {{.inputs.alias}} on 1 order by {{.inputs.col}} {{.inputs.dir}}, events_{{.inputs.year}}",
    { col: "c", schema: "main", table: "tracks", alias: "b", dir: "desc", year: 2024n },
  );
  assertEquals(
    q.sql,
    "select c_x from main.tracks join t2 as b on 1 order by c desc, events_2024",
  );
  const attacks = [
    ["select * from {{.inputs.t}}", "tracks; drop table tracks"],
    ["select * from {{.inputs.t}}", "tracks --"],
    ["select * from t where a = 1 {{.inputs.t}}", "or 1=1"],
    ["select * from t order by a {{.inputs.t}}", "desc; delete from t"],
    ["insert into t ({{.inputs.t}}) values (1)", "a) select 1 --"],
    ["update t set {{.inputs.t}} = 1", "a = 2, b"],
    ["select * from t where x = '' {{.inputs.t}}", "or 1"],
    ["select * from s.{{.inputs.t}}", "x y"],
    ["select * from x_{{.inputs.t}}", "1 union select 2"],
  ];
  for (const [template, value] of attacks) {
    assertEquals(code(() => renderQuery(template, { t: value })), "USER:UnsafeInput", template);
  }
});

Deno.test("renderQuery() escapes values inside quoted identifiers", () => {
  assertEquals(
    renderQuery('select "{{.inputs.c}}" from t', { c: 'a"b' }).sql,
    'select "a""b" from t',
  );
  // SQLite's [...] cannot hold "]": it becomes the "..." identifier it stands for.
  assertEquals(
    renderQuery('select [x"{{.inputs.c}}] from t', { c: 'a]b"' }).sql,
    'select "x""a]b""" from t',
  );
  assertEquals(
    renderQuery("select `{{.inputs.c}}` from t", { c: "a`b" }).sql,
    "select `a``b` from t",
  );
});

Deno.test("renderQuery() rebuilds identifiers and strings as SQLite and PostgreSQL read them", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(":memory:");
  db.exec('create table t("x""a]b""" int); insert into t values (7)');
  const q = renderQuery('select [x"{{.inputs.c}}] as v from t', { c: 'a]b"' });
  assertEquals(db.prepare(q.sql).all().map((r) => ({ ...r })), [{ v: 7 }]);
  // SQLite's [...] ends at the first "]" (no escape), as the tokenizer now reads it.
  assertEquals(
    renderQuery("select [a] from t where b = {{.inputs.v}}", { v: 1n }).sql,
    "select [a] from t where b = ?",
  );
  db.close();
  // PostgreSQL's U&'...' decodes escapes in the value: refused.
  const error = assertThrows(
    () => renderQuery("select U&'{{ .inputs.s }}'", { s: "\\0041" }, { dialect: "postgres" }),
    UserError,
    "U&",
  );
  assertEquals(error.code, "USER:UnsafeInput");
  assertEquals(
    renderQuery("select u&'d\\0061t' || '{{ .inputs.s }}'", { s: "x" }, { dialect: "postgres" })
      .sql,
    "select u&'d\\0061t' || 'x'",
  );
});

Deno.test("renderQuery() handles PostgreSQL strings", () => {
  const pg = { dialect: "postgres" } as const;
  assertEquals(
    renderQuery(
      "select interval '{{.inputs.d}} days', E'a\\n{{.inputs.s}}'",
      { d: 3n, s: "\\'" },
      pg,
    )
      .sql,
    "select interval '3 days', E'a\\n\\\\'''",
  );
  assertEquals(
    renderQuery("select 'c:\\{{.inputs.s}}'", { s: "x\\y" }, pg).sql,
    "select E'c:\\\\x\\\\y'",
  );
  assertEquals(
    renderQuery("select $tag$it's {{.inputs.s}}$tag$, $$ {{.inputs.s}} $$", { s: "a'b" }, pg).sql,
    "select $tag$it's a'b$tag$, $$ a'b $$",
  );
  assertEquals(
    renderQuery("select x::int from t /* a /* nested */ {{.inputs.s}} */", { s: "1" }, pg).sql,
    "select x::int from t /* a /* nested */ {{.inputs.s}} */",
  );
});

Deno.test("renderQuery() keeps a dollar-quoted string dollar-quoted, with a tag the value cannot end", () => {
  const pg = { dialect: "postgres" } as const;
  const render = (template: string, s: string) => renderQuery(template, { s }, pg).sql;
  assertEquals(render("select $${{.inputs.s}}$$", "a\\n'b"), "select $$a\\n'b$$");
  assertEquals(
    render("select $t${{.inputs.s}}$t$", "x$t$; select 1; $t$"),
    "select $fs0$x$t$; select 1; $t$$fs0$",
  );
  assertEquals(render("select $${{.inputs.s}}$$", "$fs0$ $"), "select $fs1$$fs0$ $$fs1$");
  // A body ending in "$" would close "$$" one character early.
  assertEquals(render("select $${{.inputs.s}}$$", "a$"), "select $fs0$a$$fs0$");
  // Found by differential fuzzing (seed 16, case 31,853): after a string and a newline, a '...'
  // literal continues that string (and an E'...' one is a syntax error); a dollar-quoted one
  // does neither.
  assertEquals(
    render("select E'a'\n-- c\n$${{.inputs.s}}$$ AS c2", "\\n"),
    "select E'a'\n-- c\n$$\\n$$ AS c2",
  );
});

Deno.test("renderQuery() reports unknown and unused inputs as flytekit does", () => {
  assertEquals(code(() => renderQuery("select {{.inputs.a}}", {})), "USER:InvalidTemplate");
  assertEquals(code(() => renderQuery("select 1", { a: 1n })), "USER:InvalidTemplate");
  assertEquals(code(() => renderQuery("select ? from t", {})), "USER:InvalidTemplate");
  assertEquals(code(() => renderQuery("select :a from t", {})), "USER:InvalidTemplate");
  assertEquals(code(() => renderQuery("select 'abc", {})), "USER:InvalidTemplate");
  assertEquals(code(() => renderQuery("select 1; drop table t", {})), "USER:InvalidTemplate");
  assertEquals(renderQuery("select 1; -- done\n", {}).sql, "select 1 -- done\n");
  assertEquals(renderQuery("select ';'", {}).sql, "select ';'");
  assertEquals(
    renderQuery("select 1; select 2", {}, { singleStatement: false }).sql,
    "select 1; select 2",
  );
  assertEquals(
    code(() => renderQuery("select '{{.inputs.a}}'", { a: "x\0y" })),
    "USER:UnsafeInput",
  );
});

Deno.test("sqliteParam() maps values to what node:sqlite binds", () => {
  assertEquals(sqliteParam(false), 0n);
  assertEquals(sqliteParam(5n), 5n);
  assertEquals(sqliteParam("x"), "x");
  assertEquals(sqliteParam(Timestamp.parse("2024-01-02T03:04:05Z")), "2024-01-02 03:04:05+00:00");
  assertEquals(sqliteParam(new Uint8Array([1])), new Uint8Array([1]));
});

Deno.test("renderQuery() keeps any random value exactly inside strings and identifiers (SQLite)", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(":memory:");
  db.exec("create table t (a text)");
  const alphabet = [..."'\"`;-/*\\\n\r\t ]$?:@[{}()%_aZ0é😀", "--", "/*", "*/", "''", "{{", "}}"];
  let seed = 11;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 500; i++) {
    const v = Array.from(
      { length: 1 + Math.floor(next() * 12) },
      () => alphabet[Math.floor(next() * alphabet.length)],
    ).join("");
    // String context: the literal is exactly the value.
    const echo = renderQuery("select '{{ .inputs.v }}' as s", { v });
    const stmt = db.prepare(echo.sql);
    assertEquals((stmt.get() as { s: string }).s, v, JSON.stringify(v));
    // Value context: bound, never SQL text.
    db.exec("delete from t");
    db.prepare("insert into t values (?)").run(v);
    const q = renderQuery(
      "select count(*) as n from t where a = {{ .inputs.v }} or a = '{{ .inputs.v }}'",
      { v },
    );
    assertEquals(
      (db.prepare(q.sql).get(...(q.params as string[])) as { n: number }).n,
      1,
      JSON.stringify(v),
    );
    // Quoted identifier context: the identifier is exactly the value.
    const ident = renderQuery('select 1 as "{{ .inputs.v }}"', { v });
    assertEquals(db.prepare(ident.sql).columns()[0].name, v, JSON.stringify(v));
  }
  db.close();
});

Deno.test("renderQuery() keeps E's backslash escapes in a '...' continuing an E'...' string", () => {
  // PostgreSQL continues E'a' into the next '...' after a newline, still in E mode, so `\'` does
  // not end it. Read as a plain string, the value would land in SQL text: with x =
  // " as injected, 42 as also_injected --", PostgreSQL 18 returned {injected: "a' ", also_injected: 42}.
  const template = "select E'a'\n'\\' '{{ .inputs.x }}' ' as c'";
  const error = assertThrows(
    () => renderQuery(template, { x: " or true --" }, { dialect: "postgres" }),
    UserError,
  );
  // Refused: the input stands outside any string once the continuation is read as PostgreSQL
  // reads it, and the template's last quote is then left open.
  assert(["USER:UnsafeInput", "USER:InvalidTemplate"].includes(error.code), error.code);
});

Deno.test("renderQuery() refuses an input inside PostgreSQL's U&\"...\" identifier like U&'...'", () => {
  // U&"..." decodes \XXXX escapes as U&'...' does: "\0041" would name column "A".
  const error = assertThrows(
    () => renderQuery('select 1 as U&"{{ .inputs.x }}"', { x: "\\0041" }, { dialect: "postgres" }),
    UserError,
  );
  assertEquals(error.code, "USER:UnsafeInput");
});

Deno.test("renderQuery() expands a list that is an item of an IN list, one parameter per element", () => {
  const ids = [1n, 4n];
  assertEquals(
    renderQuery("select * from t where id in ({{ .inputs.ids }})", { ids }).sql,
    "select * from t where id in (?, ?)",
  );
  const pg = renderQuery(
    "select * from t where a = {{.inputs.a}} and id not in ( {{ .inputs.ids }} ) and b in (0, {{.inputs.s}}, /* c */ 9)",
    { a: "x", ids, s: ["p", null, 2.5] },
    { dialect: "postgres" },
  );
  assertEquals(
    pg.sql,
    "select * from t where a = $1 and id not in ( $2, $3 ) and b in (0, $4, $5, $6, /* c */ 9)",
  );
  assertEquals(pg.params, ["x", 1n, 4n, "p", null, 2.5]);
  // Each marker's offset, in parameter order.
  assertEquals(
    pg.markers.map((at) => pg.sql.slice(at, at + 2)),
    pg.params.map((_, i) => `$${i + 1}`),
  );
  assertEquals(
    renderQuery("select 1 where 1 in ({{ .inputs.ids }})", { ids: [7n] }, { dialect: "mysql" }),
    { sql: "select 1 where 1 in (?)", params: [7n], used: ["ids"], markers: [21] },
  );
  // Inside a quoted string a list keeps flytekit's str() rendering.
  assertEquals(
    renderQuery("select '{{ .inputs.ids }}' as s", { ids: [1n, "a'b"] }).sql,
    `select '[1, "a''b"]' as s`,
  );
});

Deno.test("renderQuery() refuses a list where one value stands, an empty list, nested collections and maps", () => {
  const cases: [string, unknown, string][] = [
    ["select * from t where id = {{ .inputs.ids }}", [1n, 4n], "can stand only as the items"],
    ["select * from t where id in {{ .inputs.ids }}", [1n], "can stand only as the items"],
    ["select * from t where id in ({{ .inputs.ids }} + 1)", [1n], "can stand only as the items"],
    ["select * from t where id in (1 + {{ .inputs.ids }})", [1n], "can stand only as the items"],
    ["select * from t where id in (select {{ .inputs.ids }})", [1n], "can stand only"],
    ["select * from t where id in (select 1, {{ .inputs.ids }})", [1n], "can stand only"],
    ["select * from t where id = any({{ .inputs.ids }})", [1n], "can stand only as the items"],
    ["select {{ .inputs.ids }} from t", [1n], "can stand only as the items"],
    ["select * from t limit {{ .inputs.ids }}", [1n], "can stand only as the items"],
    ["insert into t values ({{ .inputs.ids }})", [1n], "can stand only as the items"],
    ["select * from {{ .inputs.ids }}", ["t"], "can stand only as the items"],
    ["select * from t where id in ({{ .inputs.ids }})", [], "the list is empty"],
    ["select * from t where id in ({{ .inputs.ids }})", [1n, [2n]], "item 1 of the list is a list"],
    ["select * from t where id in ({{ .inputs.ids }})", [{ a: 1n }], "item 0 of the list is a map"],
    ["select * from t where id in ({{ .inputs.ids }})", { a: 1n }, "its value is a map"],
    ["select * from t where m = {{ .inputs.ids }}", { a: 1n }, "its value is a map"],
  ];
  for (const [template, ids, message] of cases) {
    for (const dialect of ["sqlite", "postgres", "mysql"] as const) {
      const error = assertThrows(() => renderQuery(template, { ids }, { dialect }), UserError);
      assertStringIncludes(error.message, message, `${dialect}: ${template}`);
      assertEquals(error.code, "USER:InvalidInput");
      assert(error.message.startsWith('Cannot use input "ids" in the query: '), error.message);
    }
  }
});

Deno.test("renderQuery() expands a list to select what the IN list of its values selects (SQLite)", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(":memory:");
  db.exec("create table t(id int, name text); insert into t values (1, 'a'), (2, 'b'), (4, 'd')");
  const run = (ids: unknown[]) => {
    const q = renderQuery("select id from t where id in ({{ .inputs.ids }}) order by id", { ids });
    return db.prepare(q.sql).all(...q.params.map(sqliteParam) as never[]).map((r) => r.id);
  };
  assertEquals(run([1n, 4n]), [1, 4]);
  assertEquals(run(["1 or 1=1", 2n]), [2]);
  db.close();
});
