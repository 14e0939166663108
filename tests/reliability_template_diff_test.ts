// Differential fuzzing of query templating against SQLite, PostgreSQL and MariaDB: a short seeded
// run per engine (tools/fuzz_template.ts runs the long ones), the regression cases the long runs
// found, and a check that the oracle catches a renderer that pastes values into strings.
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  checkCase,
  Disagreement,
  type Engine,
  fuzzEngine,
  mariadbEngine,
  postgresEngine,
  sqliteEngine,
  type TemplateCase,
} from "../_testing/template_diff.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { startMariadb } from "../_testing/mariadb.ts";

const SEED = 16;

/**
 * Cases the long runs flagged. None was a tokenizer bug: each was the oracle's own mistake, and
 * they stay here so the oracle keeps reading the engines right.
 */
const REGRESSIONS: Record<string, TemplateCase[]> = {
  // `$$` in a value: String.replaceAll read it as a replacement pattern.
  sqlite: [
    { template: "select {{.inputs.v}} AS cp, '{{ .inputs.v }}' AS c1", hostile: "$$?1" },
    { template: 'select "c{{ .inputs.v }}" AS "c1{{ .inputs.v }}"', hostile: '$t$$t$ ""' },
    // A column without an alias is named by its text (quotes doubled there).
    {
      template: "Select '{{ .inputs.v }}{{ .inputs.v }}'/* #*/-- */AS c0, '' c1",
      hostile: "]E'?zz",
    },
  ],
  postgres: [
    // Column names past 63 bytes are cut (a notice, not an error).
    { template: `select 1 AS "c0{{ .inputs.v }}"`, hostile: "é".repeat(40) },
    { template: "select E'\\\\{{ .inputs.v }}' AS c0", hostile: "\\'; select 1 --" },
    { template: "select 'a'\n'{{ .inputs.v }}' AS c0", hostile: "\\' ; select 1" },
    { template: "select $t${{ .inputs.v }}$t$ AS c0", hostile: "$t$; select 1; $t$" },
  ],
  mysql: [
    // Aliases are cut at 255 bytes on a character boundary.
    { template: "select 1 AS `c0'{{ .inputs.v }}`", hostile: "' union select 1 --’".repeat(20) },
    // N'...' is utf8mb3: astral characters come back as ????.
    { template: "SELECT N'\\'{{ .inputs.v }}' AS c0", hostile: "😀[zz-- a" },
    // Binary results (concat with X'..') are compared as text.
    { template: "select concat({{ .inputs.v }}, X'41') AS c0", hostile: "#zz" },
    { template: 'select "{{ .inputs.v }}" AS c0', hostile: '\\"; select 1; -- ' },
    // ? and astral characters mixed in an N'...' string (seed 16, case 98,098): runs of ? fold.
    {
      template:
        "select N'{\\'{{ .inputs.v }}' AS `c0/*` WHERE {{ .inputs.v }} IN ('\\Z{', {{ .inputs.v }})",
      hostile: "?😀".repeat(20),
    },
  ],
};

/**
 * Templates the engine refuses as written, which the renderer once rewrote into SQL it accepts
 * (or refuses for some values only): the verdict must be "template-invalid" whatever the value.
 */
const INVALID_AS_WRITTEN: Record<string, TemplateCase[]> = {
  sqlite: [],
  postgres: [
    // Seed 16, case 31,853: a dollar-quoted string after a string and a newline is a syntax
    // error; rebuilt as '...', it continued the E'...' string before it, and rebuilt as E'...'
    // (a value with a backslash) it was a syntax error again.
    {
      template: String.raw`select E'*/{{ .INPUTS.v}}~?6eq{{ .INPUTS.v}}'` +
        "\r\n" + String.raw`'\''' c0,-- {{ .inputs.v }}` + "\n" +
        String.raw`U&'--/*\\'''/* ` + "\n" + `--{{ .INPUTS.v}} */AS "c1é",-- {{ .inputs.v }}` +
        "\n$$\t{{.inputs.v}}$$ AS c2",
      hostile: "\\n",
    },
    { template: "select E'a'\n-- c\n$${{ .inputs.v }}$$ AS c2", hostile: "\\n" },
  ],
  mysql: [],
};

async function fuzz(engine: Engine, cases: number) {
  const found: string[] = [];
  const tally = await fuzzEngine(
    engine,
    SEED,
    cases,
    (d, i) => found.push(`case ${i}: ${d.message}`),
  );
  assertEquals(found, []);
  // The grammar mostly makes templates the engine runs, and hostile values that reach it.
  assert(tally.agree > cases / 3, JSON.stringify(tally));
  for (const c of REGRESSIONS[engine.dialect]) {
    // No disagreement; the renderer may refuse the value (a USER error) where it cannot be kept.
    const verdict = await checkCase(engine, c);
    assert(verdict !== "template-refused" && verdict !== "template-invalid", verdict);
  }
  for (const c of INVALID_AS_WRITTEN[engine.dialect]) {
    assertEquals(await checkCase(engine, c), "template-invalid", c.template);
  }
  return tally;
}

Deno.test("template diff: SQLite reads every rendering as the benign one, value in place", async () => {
  const engine = await sqliteEngine();
  try {
    await fuzz(engine, 4000);
  } finally {
    await engine.close();
  }
});

Deno.test("template diff: PostgreSQL reads every rendering as the benign one, value in place", async () => {
  await using pg = await startPostgres();
  const engine = await postgresEngine(pg.url);
  try {
    await fuzz(engine, 1500);
  } finally {
    await engine.close();
  }
});

Deno.test("template diff: MariaDB reads every rendering as the benign one, value in place", async () => {
  await using db = await startMariadb();
  const engine = await mariadbEngine(db.url);
  try {
    await fuzz(engine, 2500);
  } finally {
    await engine.close();
  }
});

Deno.test("template diff: the oracle catches a renderer that pastes values into strings", async () => {
  const engine = await sqliteEngine();
  try {
    const naive = (template: string, value: string) => ({
      sql: template.replaceAll(/\{\{[^}]*\}\}/g, () => value),
      params: [],
    });
    const c = { template: "select 'x{{ .inputs.v }}' AS c0", hostile: "', 2 AS c1 --" };
    const e = await assertRejects(() => checkCase(engine, c, naive), Disagreement);
    assert(e.message.includes(`"columns":["'x'","c1"]`), e.message);
    // The real renderer on the same case.
    assertEquals(await checkCase(engine, c), "agree");
  } finally {
    await engine.close();
  }
});
