/**
 * Differential fuzzing of query templating against the real engines.
 *
 * A grammar makes templates out of every string, identifier and comment kind of a dialect, with
 * `{{ .inputs.v }}` placeholders inside them and between them, and each template is rendered
 * three times: with two benign values (`zqa`, `zqb`) and with one hostile value. Each rendering
 * runs on the engine the way the executors run it (SQLite: one prepared statement; PostgreSQL:
 * the extended protocol with parameters, the simple one without; MariaDB: a prepared statement
 * with parameters, a multi-statement text query without), and the oracle is the engine's own
 * reading of the statement: the benign renderings must give the same statements, columns and rows,
 * with `zqa` replaced by `zqb`, and the hostile one (unless refused by the renderer) the same
 * with `zqa` replaced by the value. A hostile value can therefore never add a statement, a column
 * or a row, nor move text out of the literal it was put in.
 *
 * @example One seeded case on SQLite
 * ```ts ignore
 * import { Prng } from "./fuzz.ts";
 * import { generateCase, sqliteEngine } from "./template_diff.ts";
 *
 * const engine = sqliteEngine();
 * const c = generateCase(new Prng(1), "sqlite");
 * console.log(await engine.check(c));
 * ```
 *
 * @module
 */

import { Prng } from "./fuzz.ts";
import { renderQuery, type SqlDialect, sqliteParam } from "../executors/query_template.ts";
import { pyStr } from "../types/py_str.ts";

/** The benign values: plain identifiers that appear nowhere else in a template. */
export const BENIGN = ["zqa", "zqb"] as const;

/** One generated case. */
export interface TemplateCase {
  /** The template, one input `v`. */
  template: string;
  /** The hostile value. */
  hostile: string;
}

/** What an engine made of one rendering. */
export interface Reading {
  /** Statements the engine saw (SQLite: the text after the first one). */
  statements: string;
  /** Column names of the result, in order. */
  columns: string[];
  /** Rows, as text. */
  rows: string[][];
}

/** The outcome of one case. */
export type Verdict =
  /** the renderer refused the template with a benign value (a USER error) */
  | "template-refused"
  /** the engine did not accept the benign rendering (a template the grammar got wrong) */
  | "template-invalid"
  /** the renderer refused the hostile value (a USER error) */
  | "hostile-refused"
  /** the engine refused the hostile rendering with an error that is not a parse error */
  | "hostile-engine-refused"
  /** the hostile rendering read as the benign one, the value in place */
  | "agree";

/** A case where the engine and the renderer disagree. */
export class Disagreement extends Error {
  /** Makes the error for `c`. */
  constructor(readonly c: TemplateCase, readonly dialect: SqlDialect, detail: string) {
    super(
      `${dialect}: ${detail}\n  template: ${JSON.stringify(c.template)}\n  hostile: ${
        JSON.stringify(c.hostile)
      }`,
    );
  }
}

/** An engine that reads renderings. */
export interface Engine {
  /** The dialect the renderer is given. */
  dialect: SqlDialect;
  /** Runs one rendering (throws the engine's error). */
  read(sql: string, params: unknown[]): Promise<Reading>;
  /** Engine errors a hostile value may cause without any change in how the text parses. */
  benignError: RegExp;
  /** Cuts a column name as the engine does (PostgreSQL: 63 bytes; MariaDB: 256 characters). */
  cutName?: (name: string) => string;
  /**
   * Maps cells and names before comparing (MariaDB: utf8mb3 text turns astral characters into
   * `????`).
   */
  fold?: (text: string) => string;
  /** Frees the engine. */
  close(): Promise<void>;
}

const P_FORMS = [
  "{{ .inputs.v }}",
  "{{.inputs.v}}",
  "{{  .Inputs.v  }}",
  "{{ .INPUTS.v}}",
];

const HOSTILE_ATOMS = [
  "'",
  "''",
  "\\",
  "\\'",
  "\\\\'",
  '"',
  '""',
  "]",
  "[",
  "`",
  "$$",
  "$t$",
  "$a$",
  "$",
  "*/",
  "/*",
  "--",
  "#",
  "/*!",
  "\n",
  "\r\n",
  "\t",
  ";",
  "; select 1",
  "' union select 1 --",
  "', 'x",
  ") --",
  "?",
  "$1",
  "?1",
  ":v",
  "@v",
  "%s",
  "{{ .inputs.v }}",
  "\\u0027",
  "\\0027",
  "!0027",
  "U&",
  "E'",
  "\u2019",
  "\u02bc",
  "\uff07",
  "\u00a0",
  "\u2028",
  "é",
  "😀",
  "\\x27",
  "\\n",
  "0x27",
  " or 1=1",
  "x",
  "1",
];

/** A hostile value: 1-4 atoms, sometimes padded with plain text. */
export function hostileValue(rng: Prng): string {
  let s = "";
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    s += rng.pick(HOSTILE_ATOMS);
    if (rng.int(4) === 0) s += rng.pick(["a", "b c", "zz", "q_1"]);
  }
  if (rng.int(20) === 0) s = s.repeat(20);
  return s;
}

const PLAIN = "abcdefghijklmnopqrstuvwxyz0123456789 ,.;()*+-/%=<>:?@!&|^~";

function plain(rng: Prng, max = 6): string {
  let s = "";
  const n = rng.int(max);
  for (let i = 0; i < n; i++) s += PLAIN[rng.int(PLAIN.length)];
  return s;
}

/** Text that is inert in any string body: no quotes, backslashes or dollar tags. */
function inert(rng: Prng): string {
  return rng.pick([plain(rng), "--", "/*", "*/", "#", "?", "$1", "{", "}", "é", "\n", "\t"]);
}

interface Gen {
  rng: Prng;
  dialect: SqlDialect;
  p: () => string;
}

/** A body for a quoted item: inert text, the given escapes, placeholders. */
function body(g: Gen, escapes: readonly string[], withP = true): string {
  let s = "";
  const n = g.rng.int(5);
  for (let i = 0; i < n; i++) {
    const k = g.rng.int(10);
    if (k < 4) s += inert(g.rng);
    else if (k < 7 && escapes.length) s += g.rng.pick(escapes);
    else if (withP) s += g.p();
  }
  return s;
}

/** A string literal of the dialect; `kinds` lists what it may be. */
function stringLiteral(g: Gen): string {
  const { rng } = g;
  switch (g.dialect) {
    case "sqlite": {
      const k = rng.int(3);
      if (k === 0) return `"${body(g, ['""', "'", "\\"])}"`; // a string when no such name exists
      if (k === 1) return `X'${rng.pick(["", "41", "4142", "00ff"])}'`;
      return `'${body(g, ["''", '"', "\\", "`", "]", "["])}'`;
    }
    case "postgres": {
      const k = rng.int(7);
      if (k === 0) {
        return `E'${body(g, ["\\'", "\\\\", "''", "\\n", "\\x41", "\\101", "\\u0041"])}'`;
      }
      if (k === 1) return `e'${body(g, ["\\'", "\\\\", "''"])}'`;
      if (k === 2) {
        return rng.int(2)
          ? `U&'${body(g, ["\\0041", "\\\\", "''", "\\+000041"])}'`
          : `U&'${body(g, ["!0041", "!!", "''", "\\"])}' UESCAPE '!'`;
      }
      if (k === 3) {
        const tag = rng.pick(["", "t", "a_1", "T"]);
        return `$${tag}$${body(g, ["'", "$", "$x$", "\\", "''", '"', tag ? "$$" : "$t$"])}$${tag}$`;
      }
      if (k === 4) {
        // A continuation: whitespace holding a newline (and comments) between parts.
        const first = rng.int(2) ? `E'${body(g, ["\\'", "\\\\", "''"])}'` : `'${body(g, ["''"])}'`;
        const gap = rng.pick(["\n", " \n ", "\n-- c\n", "\r\n", "\n -- {{ .inputs.v }}\n"]);
        return `${first}${gap}'${body(g, ["''", "\\", "\\'"].slice(0, first[0] === "E" ? 3 : 2))}'`;
      }
      if (k === 5) return `B'${rng.pick(["", "0", "101"])}'`;
      return `'${body(g, ["''", "\\", '"', "$$"])}'`;
    }
    case "mysql": {
      const k = rng.int(6);
      if (k === 0) return `"${body(g, ['""', '\\"', "\\\\", "'", "\\n", "\\%", "\\_"])}"`;
      if (k === 1) return `_utf8mb4'${body(g, ["''", "\\'"])}'`;
      if (k === 2) return `N'${body(g, ["''", "\\'"])}'`;
      if (k === 3) {
        // Adjacent literals are concatenated.
        return `'${body(g, ["''", "\\'"])}'${rng.pick([" ", "\n", " /* c */ "])}${
          rng.int(2) ? `'${body(g, ["\\\\"])}'` : `"${body(g, ['""'])}"`
        }`;
      }
      if (k === 4) return `X'${rng.pick(["", "41", "4142"])}'`;
      return `'${body(g, ["''", "\\'", "\\\\", "\\n", '"', "`", "\\0", "\\Z"])}'`;
    }
  }
}

/** An alias: a word, a quoted identifier (placeholders inside) or a placeholder. */
function alias(g: Gen, i: number): string {
  const { rng } = g;
  const k = rng.int(8);
  if (k < 3) return `c${i}`;
  if (k === 3) return `c${i}_${g.p()}`; // glued to a word: a plain identifier or refused
  if (k === 4) return g.p();
  if (g.dialect === "sqlite") {
    const q = rng.int(3);
    if (q === 0) return `"c${i}${body(g, ['""', "'"])}"`;
    if (q === 1) return `[c${i}${body(g, ['"', "'", "`"])}]`;
    return `\`c${i}${body(g, ["``", "'"])}\``;
  }
  if (g.dialect === "postgres") return `"c${i}${body(g, ['""', "'"])}"`;
  return `\`c${i}${body(g, ["``", "'", '"'])}\``;
}

/**
 * A comment, possibly holding placeholders. Its body never ends it early (no newline in a line
 * comment, no comment end in a block comment): text left outside would be read as code, where
 * the value can change a result without any change in parsing (`- - ?` on MariaDB).
 */
function comment(g: Gen): string {
  const { rng } = g;
  const k = rng.int(g.dialect === "sqlite" ? 2 : 3);
  const line = (s: string) => s.replace(/[\r\n]/g, " ");
  const block = (s: string) => s.replaceAll("*/", "* /").replaceAll("/*", "/ *");
  if (k === 0) return `-- ${line(body(g, ["'", '"', "*/", "$$"]))}\n`;
  if (k === 1) return `/* ${block(body(g, ["'", '"', "--", "$$"]))} */`;
  if (g.dialect === "postgres") return `/* a /* ${block(body(g, ["'", "$$"]))} */ b */`;
  return `# ${line(body(g, ["'", '"', "*/"]))}\n`;
}

/** A value expression. */
function item(g: Gen): string {
  const { rng } = g;
  const k = rng.int(8);
  if (k < 3) return stringLiteral(g);
  if (k === 3) return g.p();
  if (k === 4) return `(${g.p()})`;
  if (k === 5) {
    if (g.dialect === "mysql") return `concat(${g.p()}, ${stringLiteral(g)})`;
    return `${g.p()} || ${stringLiteral(g)}`;
  }
  if (k === 6) return rng.pick(["1", "2.5", "1 + 2", "null", "-3"]);
  return `coalesce(${stringLiteral(g)}, ${g.p()})`;
}

function gap(g: Gen): string {
  const k = g.rng.int(6);
  if (k === 0) return comment(g);
  if (k === 1) return "\n";
  return " ";
}

/** Makes one template and hostile value for `dialect`. */
export function generateCase(rng: Prng, dialect: SqlDialect): TemplateCase {
  let placeholders = 0;
  const g: Gen = {
    rng,
    dialect,
    p: () => {
      placeholders++;
      return rng.pick(P_FORMS);
    },
  };
  const items: string[] = [];
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    items.push(`${item(g)}${gap(g)}${rng.int(5) ? "AS " : ""}${alias(g, i)}`);
  }
  if (placeholders === 0) items.push(`${g.p()} AS cp`);
  let sql = `${rng.pick(["SELECT", "select", "Select"])}${gap(g)}${items.join(`,${gap(g)}`)}`;
  const tail = rng.int(6);
  // Never a comparison of the value with a constant: a hostile value equal to it would change
  // the rows without any change in how the text parses.
  if (tail === 0) sql += `${gap(g)}WHERE ${g.p()} IS NOT NULL AND ${stringLiteral(g)} IS NOT NULL`;
  if (tail === 1) sql += `${gap(g)}WHERE ${g.p()} IN (${stringLiteral(g)}, ${g.p()})`;
  if (tail === 2) sql += `${gap(g)}WHERE ${stringLiteral(g)} = ${stringLiteral(g)} OR 1 = 1`;
  if (rng.int(4) === 0) sql += gap(g);
  if (rng.int(5) === 0) sql += ";";
  if (rng.int(6) === 0) sql += ` ${comment(g).trimEnd()}`;
  return { template: sql, hostile: hostileValue(rng) };
}

/** A renderer under test: {@linkcode renderQuery}, or a broken one to show the oracle fails. */
export type Renderer = (template: string, value: string, dialect: SqlDialect) => {
  sql: string;
  params: unknown[];
};

const realRenderer: Renderer = (template, value, dialect) =>
  renderQuery(template, { v: value }, { dialect });

/** Reads one rendering of `c` with `value`, or returns the renderer's refusal. */
function render(c: TemplateCase, value: string, dialect: SqlDialect, renderer: Renderer) {
  try {
    return renderer(c.template, value, dialect);
  } catch (e) {
    if ((e as { origin?: string }).origin === "USER" || (e as Error).name === "UserError") {
      return undefined;
    }
    throw e;
  }
}

/** Cuts `name` to `limit` bytes of UTF-8 on a character boundary (PostgreSQL's names). */
export function cutBytes(name: string, limit: number): string {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= limit) return name;
  let end = limit;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

function expected(r: Reading, value: string, cutName = (s: string) => s): Reading {
  const v = pyStr(value);
  const sub = (s: string) => s.replaceAll(BENIGN[0], () => v);
  return {
    statements: sub(r.statements),
    columns: r.columns.map((c) => cutName(sub(c))),
    rows: r.rows.map((row) => row.map(sub)),
  };
}

/** Checks one case on `engine`; throws a {@linkcode Disagreement}. */
export async function checkCase(
  engine: Engine,
  c: TemplateCase,
  renderer: Renderer = realRenderer,
): Promise<Verdict> {
  const a = render(c, BENIGN[0], engine.dialect, renderer);
  if (!a) return "template-refused";
  let ra: Reading;
  try {
    ra = await engine.read(a.sql, a.params);
  } catch {
    return "template-invalid";
  }
  const compare = async (value: string) => {
    const r = render(c, value, engine.dialect, renderer);
    if (!r) return "refused" as const;
    if (r.params.length !== a.params.length) {
      throw new Disagreement(c, engine.dialect, `${r.params.length} parameters for ${value}`);
    }
    let got: Reading;
    try {
      got = await engine.read(r.sql, r.params);
    } catch (e) {
      if (engine.benignError.test(String((e as Error)?.message ?? e))) return "engine" as const;
      throw new Disagreement(
        c,
        engine.dialect,
        `the engine refused ${JSON.stringify(r.sql)}: ${(e as Error)?.message ?? e}`,
      );
    }
    const want = expected(ra, value, engine.cutName);
    const fold = engine.fold ?? ((s: string) => s);
    const show = (x: Reading) =>
      JSON.stringify({ ...x, columns: x.columns.map(fold), rows: x.rows.map((r) => r.map(fold)) });
    if (show(got) !== show(want)) {
      throw new Disagreement(
        c,
        engine.dialect,
        `${JSON.stringify(r.sql)} read as ${show(got)}, expected ${show(want)}`,
      );
    }
    return "same" as const;
  };
  const b = await compare(BENIGN[1]);
  if (b !== "same") {
    throw new Disagreement(c, engine.dialect, `the second benign value: ${b}`);
  }
  const h = await compare(c.hostile);
  if (h === "refused") return "hostile-refused";
  if (h === "engine") return "hostile-engine-refused";
  return "agree";
}

// Binary cells (X'..' literals, MariaDB's concat with one) as text, so the value substitutes.
const text = (v: unknown): string =>
  v === null || v === undefined
    ? "NULL"
    : v instanceof Uint8Array
    ? `b:${new TextDecoder().decode(v)}`
    : String(v);

/** SQLite through `node:sqlite`, with double-quoted strings on as the executor has them. */
export async function sqliteEngine(): Promise<Engine> {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(":memory:", { enableDoubleQuotedStringLiterals: true });
  return {
    dialect: "sqlite",
    benignError: /^$/,
    // A column without an alias is named by its text, where quotes inside strings are doubled.
    fold: (text) => text.replace(/''+/g, "'").replace(/""+/g, '"'),
    read(sql, params) {
      const stmt = db.prepare(sql);
      // Arrays, as duplicate column names would collapse in objects (not in Deno's types yet).
      (stmt as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
      // node:sqlite compiles the first statement only: what follows it is the rest.
      const rest = sql.slice(stmt.sourceSQL.length);
      const rows = stmt.all(
        ...params.map(sqliteParam) as (string | number | bigint | null | Uint8Array)[],
      ) as unknown as unknown[][];
      return Promise.resolve({
        statements: rest,
        columns: stmt.columns().map((c) => c.name),
        rows: rows.map((r) => r.map(text)),
      });
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}

/** PostgreSQL through the executor's client: extended protocol with parameters, simple without. */
export async function postgresEngine(url: string): Promise<Engine> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(url, { max: 1, onnotice: () => {}, fetch_types: false });
  return {
    dialect: "postgres",
    // PostgreSQL text cannot hold NUL; name truncation is a notice, handled by nameLimit.
    benignError: /invalid byte sequence|null character|0x00/,
    cutName: (name) => cutBytes(name, 63),
    async read(text_, params) {
      if (params.length) {
        const res = await sql.unsafe(text_, params as string[], { prepare: false });
        return {
          statements: "1",
          columns: res.columns.map((c) => c.name),
          rows: (res as unknown as Record<string, unknown>[]).map((r) =>
            res.columns.map((c) => text(r[c.name]))
          ),
        };
      }
      const res = await sql.unsafe(text_).simple();
      // A script returns one result per statement (an array of results when there are several).
      const results =
        (Array.isArray(res) && res.length && Array.isArray(res[0])
          ? res
          : [res]) as unknown as Array<Record<string, unknown>[] & { columns: { name: string }[] }>;
      const last = results[results.length - 1];
      const columns = (last.columns ?? []).map((c) => c.name);
      return {
        statements: String(results.length),
        columns,
        rows: last.map((r) => (last.columns ?? []).map((c) => text(r[c.name]))),
      };
    },
    async close() {
      await sql.end({ timeout: 1 });
    },
  };
}

/** MariaDB through mysql2 as the executor connects: prepared with parameters, text without. */
export async function mariadbEngine(url: string): Promise<Engine> {
  const mysql = (await import("mysql2/promise")).default;
  const conn = await mysql.createConnection({
    uri: url,
    charset: "utf8mb4",
    multipleStatements: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
  });
  return {
    dialect: "mysql",
    // Identifiers and N'...' strings are utf8mb3: characters outside the BMP are refused there.
    benignError: /Invalid utf8mb4 character string|Illegal mix of collations/,
    cutName: (name) => cutBytes(name, 255),
    // Astral characters come back as ???? in utf8mb3 values and as ? in column names (runs of ?
    // are folded to one, as a value may hold ? itself); a column
    // without an alias is named by its text, where quotes inside strings are doubled.
    fold: (text) =>
      text.replace(/[\u{10000}-\u{10ffff}]/gu, "?").replace(/\?+/g, "?").replace(/''+/g, "'")
        .replace(/""+/g, '"'),
    async read(sql, params) {
      const [res, fields] = params.length
        ? await conn.execute({ sql, values: params as string[], rowsAsArray: true })
        : await conn.query({ sql, rowsAsArray: true });
      // With several statements, mysql2 returns one result (and field list) per statement.
      const multi = !params.length && Array.isArray(fields) && Array.isArray(fields[0]);
      const rows = (multi ? (res as unknown[])[(res as unknown[]).length - 1] : res) as unknown[][];
      const f = (multi ? fields[fields.length - 1] : fields) as { name: string }[];
      return {
        statements: multi ? String((res as unknown[]).length) : "1",
        columns: (f ?? []).map((c) => c.name),
        rows: (Array.isArray(rows) ? rows : []).map((r) => r.map(text)),
      };
    },
    async close() {
      await conn.end();
    },
  };
}

/** Counts of verdicts. */
export type Tally = Record<Verdict, number>;

/** Runs `cases` cases of `seed` on `engine`; disagreements are collected, not thrown. */
export async function fuzzEngine(
  engine: Engine,
  seed: number,
  cases: number,
  onDisagreement: (d: Disagreement, index: number) => void,
): Promise<Tally> {
  const rng = new Prng(seed);
  const tally: Tally = {
    "template-refused": 0,
    "template-invalid": 0,
    "hostile-refused": 0,
    "hostile-engine-refused": 0,
    agree: 0,
  };
  for (let i = 0; i < cases; i++) {
    const c = generateCase(rng, engine.dialect);
    try {
      tally[await checkCase(engine, c)]++;
    } catch (e) {
      if (!(e instanceof Disagreement)) throw e;
      onDisagreement(e, i);
    }
  }
  return tally;
}
