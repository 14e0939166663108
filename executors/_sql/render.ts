/**
 * Query templating with flytekit's syntax (`{{ .inputs.name }}`), without ever pasting an input
 * into SQL text unescaped. A small tokenizer finds strings, quoted identifiers, comments and
 * placeholders, and each placeholder is rendered by where it stands:
 *
 * - where an expression may start (after an operator, `(`, `,`, or a keyword such as `WHERE`,
 *   `AND`, `LIMIT`, `SELECT`): a bound parameter; a list there must be an item of an `IN (...)`
 *   list (`id in ({{ .inputs.ids }})`) and becomes one bound parameter per element
 *   (`in (?, ?)`, `in ($1, $2)`); a list anywhere else in the SQL text, an empty list, a list of
 *   lists or maps, and a map are refused (`USER:InvalidInput`);
 * - inside a quoted SQL string (`'%{{ .inputs.name }}%'`): the string is rebuilt with the value
 *   (as Python's `str()` renders it) escaped inside;
 * - inside a quoted identifier: the identifier is rebuilt with the value escaped inside (SQLite,
 *   whose executor turns on double-quoted strings as Python's `sqlite3` has them, then reads
 *   `"..."` as a name when one of that name is in scope and as a string otherwise);
 * - inside a comment: left as it is (the input still counts as used);
 * - anywhere else (after `FROM`, `JOIN`, `INTO`, `UPDATE`, `TABLE`, `AS`, `BY`, next to a dot or
 *   glued to a word, after a name): the value must be a plain identifier
 *   (`[A-Za-z_][A-Za-z0-9_]*`), else `USER:UnsafeInput`.
 *
 * @example Value, string and identifier positions
 * ```ts
 * import { renderQuery } from "./render.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const q = renderQuery(
 *   "select * from {{ .inputs.table }} where name like '{{.inputs.p}}%' and n < {{ .inputs.n }}",
 *   { table: "tracks", p: "O'B", n: 10n },
 * );
 * assertEquals(q.sql, "select * from tracks where name like 'O''B%' and n < ?");
 * assertEquals(q.params, [10n]);
 * ```
 *
 * @example A list as the items of an IN list
 * ```ts
 * import { renderQuery } from "./render.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const q = renderQuery("select * from t where id in ({{ .inputs.ids }})", { ids: [1n, 4n] });
 * assertEquals([q.sql, q.params], ["select * from t where id in (?, ?)", [1n, 4n]]);
 * ```
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { pyStr } from "../../types/py_str.ts";
import { findPlaceholders } from "./placeholders.ts";
import { rebuildDollar, rebuildQuoted, rebuildString } from "./quoting.ts";
import { type SqlDialect, type Token, tokenize } from "./tokenizer.ts";

export type { SqlDialect } from "./tokenizer.ts";

/** Options of {@linkcode renderQuery}. */
export interface RenderQueryOptions {
  /**
   * The dialect: SQLite (`?` parameters, `[x]` and `` `x` `` identifiers), MySQL/MariaDB (`?`
   * parameters, backslash escapes in `'...'` and `"..."` strings, `` `x` `` identifiers, `#`
   * comments; the driver keeps `ANSI_QUOTES` and `NO_BACKSLASH_ESCAPES` off) or PostgreSQL (`$1`
   * parameters, `E'...'` strings, dollar quoting, nested block comments).
   *
   * @default {"sqlite"}
   */
  dialect?: SqlDialect;
  /**
   * Refuse a template with more than one statement (a trailing `;` is allowed), as Python's
   * `sqlite3` does; drivers otherwise run the first one and silently drop the rest.
   *
   * @default {true}
   */
  singleStatement?: boolean;
}

/** A rendered query: SQL text and the values of its parameters, in order. */
export interface RenderedQuery {
  /** SQL text with `?` (SQLite) or `$n` (PostgreSQL) parameters. */
  sql: string;
  /** The input values bound to the parameters, as given (see {@linkcode sqliteParam}). */
  params: unknown[];
  /** The inputs the template references. */
  used: string[];
  /** Where each parameter marker starts in `sql`, in the order of `params`. */
  markers: number[];
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENTIFIER_TAIL = /^[A-Za-z0-9_]+$/;

// Keywords after which an expression starts: a placeholder there becomes a bound parameter.
const VALUE_KEYWORDS = new Set([
  "SELECT",
  "WHERE",
  "AND",
  "OR",
  "NOT",
  "ON",
  "HAVING",
  "LIMIT",
  "OFFSET",
  "WHEN",
  "THEN",
  "ELSE",
  "CASE",
  "IN",
  "LIKE",
  "ILIKE",
  "GLOB",
  "REGEXP",
  "MATCH",
  "IS",
  "BETWEEN",
  "ESCAPE",
  "DISTINCT",
  "ALL",
  "ANY",
  "SOME",
  "RETURN",
  "RETURNING",
  "DEFAULT",
  "EXISTS",
  "VALUES",
  "FETCH",
  "FIRST",
  "NEXT",
  "SIMILAR",
  "TO",
  "ARRAY",
]);
// Keywords that never end an operand (so a name-less keyword before a placeholder is not a name).
const CLAUSE_KEYWORDS = new Set([
  ...VALUE_KEYWORDS,
  "FROM",
  "JOIN",
  "INTO",
  "UPDATE",
  "TABLE",
  "VIEW",
  "INDEX",
  "TRIGGER",
  "AS",
  "BY",
  "COLLATE",
  "PRAGMA",
  "SCHEMA",
  "DATABASE",
  "SET",
  "USING",
  "INSERT",
  "DELETE",
  "CREATE",
  "DROP",
  "ALTER",
  "GROUP",
  "ORDER",
  "PARTITION",
  "WITH",
  "UNION",
  "INTERSECT",
  "EXCEPT",
  "INNER",
  "LEFT",
  "RIGHT",
  "FULL",
  "OUTER",
  "CROSS",
  "NATURAL",
  "INTERVAL",
  "DATE",
  "TIME",
  "TIMESTAMP",
]);
// Operator characters after which an expression starts.
const VALUE_OPS = new Set([
  "=",
  "<",
  ">",
  "!",
  "+",
  "-",
  "*",
  "/",
  "%",
  "|",
  "&",
  "~",
  "^",
  ",",
  "(",
  ";",
  "[",
]);

interface Frame {
  /** Whether this parenthesis holds a list of names (`insert into t (a, b)`). */
  names: boolean;
  /** Whether this parenthesis is the value list of `IN` (not a subquery). */
  inList: boolean;
  /** The last clause keyword seen at this depth. */
  clause: string;
}

/**
 * Renders a flytekit query template with inputs: placeholders become bound parameters, escaped
 * text inside SQL strings, or checked plain identifiers (see the module documentation).
 *
 * @throws {UserError} `USER:InvalidTemplate` for a reference to an unknown input, an input the
 * template never uses, an unterminated string or a parameter marker of its own;
 * `USER:UnsafeInput` for a value that cannot stand where its placeholder is.
 * @example PostgreSQL parameters
 * ```ts
 * import { renderQuery } from "./render.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const template = "select * from t where a = {{ .inputs.a }}";
 * const q = renderQuery(template, { a: "x" }, { dialect: "postgres" });
 * assertEquals([q.sql, q.params], ["select * from t where a = $1", ["x"]]);
 * ```
 */
export function renderQuery(
  template: string,
  inputs: Record<string, unknown>,
  options: RenderQueryOptions = {},
): RenderedQuery {
  const dialect = options.dialect ?? "sqlite";
  const used = new Set<string>();
  for (const p of findPlaceholders(template)) {
    if (!Object.hasOwn(inputs, p.name)) {
      throw new UserError(
        `Cannot render query template: it references "${p.name}", which is not an input (inputs: ${
          Object.keys(inputs).map((k) => `"${k}"`).join(", ") || "none"
        })`,
        { code: "USER:InvalidTemplate" },
      );
    }
    used.add(p.name);
  }
  const unused = Object.keys(inputs).filter((k) => !used.has(k));
  if (unused.length) {
    throw new UserError(
      `Cannot render query template: inputs ${
        unused.map((k) => `"${k}"`).join(", ")
      } have no match in the query`,
      { code: "USER:InvalidTemplate" },
    );
  }
  const tokens = tokenize(template, dialect);
  const params: unknown[] = [];
  const markers: number[] = [];
  const frames: Frame[] = [{ names: false, inList: false, clause: "" }];
  let out = "";
  let prev: Token | undefined; // previous significant token
  let prevPrev: Token | undefined;
  let prevPrevPrev: Token | undefined;
  let ended = false; // a top-level `;` was seen
  const word = (t: Token | undefined) =>
    t?.kind === "word" ? template.slice(t.start, t.end).toUpperCase() : "";
  const textOf = (t: Token | undefined) => t ? template.slice(t.start, t.end) : "";

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === "space" || t.kind === "comment") {
      out += textOf(t);
      continue;
    }
    if (ended && options.singleStatement !== false) {
      throw new UserError(
        `Cannot render query template: it holds more than one statement (text after ";" at offset ${t.start}); run one statement per task`,
        { code: "USER:InvalidTemplate" },
      );
    }
    if (t.kind === "op" && textOf(t) === ";" && frames.length === 1) {
      if (options.singleStatement !== false) {
        ended = true;
        continue; // dropped: node:sqlite and drivers take one statement
      }
    }
    switch (t.kind) {
      case "param":
        throw new UserError(
          `Cannot render query template: it has its own parameter marker "${
            textOf(t)
          }" at offset ${t.start}; use {{ .inputs.name }} placeholders`,
          { code: "USER:InvalidTemplate" },
        );
      case "string":
        out += t.inner!.length ? rebuildString(template, t, inputs, dialect) : textOf(t);
        break;
      case "dollar":
        out += t.inner!.length ? rebuildDollar(template, t, inputs) : textOf(t);
        break;
      case "quoted":
        out += t.inner!.length ? rebuildQuoted(template, t, inputs) : textOf(t);
        break;
      case "placeholder": {
        const value = inputs[t.name!];
        const before = tokens[k - 1];
        const after = tokens[k + 1];
        const gluedBefore = before !== undefined &&
          (before.kind === "word" || before.kind === "number" || before.kind === "placeholder" ||
            textOf(before) === ".");
        const gluedAfter = after !== undefined &&
          (after.kind === "word" || after.kind === "number" || after.kind === "placeholder" ||
            textOf(after) === ".");
        const valuePosition = !gluedBefore && !gluedAfter &&
          isValuePosition(prev, frames, template);
        const collection = collectionKind(value);
        if (collection) {
          // An item of an IN list: right after its "(" or a ",", right before a "," or its ")".
          let j = k + 1;
          while (tokens[j]?.kind === "space" || tokens[j]?.kind === "comment") j++;
          const next = tokens[j];
          const item = valuePosition && frames[frames.length - 1].inList &&
            ["(", ","].includes(textOf(prev)) && [")", ","].includes(textOf(next));
          listItems(t.name!, value, collection, { item, offset: t.start }).forEach((v, i) => {
            params.push(v);
            if (i > 0) out += ", ";
            markers.push(out.length);
            out += dialect === "postgres" ? `$${params.length}` : "?";
          });
        } else if (valuePosition) {
          params.push(value);
          markers.push(out.length);
          out += dialect === "postgres" ? `$${params.length}` : "?";
        } else {
          const text = pyStr(value);
          const tail = before?.kind === "word" || before?.kind === "number" ||
            before?.kind === "placeholder";
          if (!(tail ? IDENTIFIER_TAIL : PLAIN_IDENTIFIER).test(text)) {
            throw new UserError(
              `Cannot use input "${t.name}" in the query: its value ${
                quoteForMessage(text)
              } stands where only a plain identifier ([A-Za-z_][A-Za-z0-9_]*) is accepted, at offset ${t.start}`,
              { code: "USER:UnsafeInput" },
            );
          }
          out += text;
        }
        break;
      }
      case "op": {
        const c = textOf(t);
        if (c === "(") {
          // `insert into t (a, b)`, `create table t (...)`, `using (a, b)`: a list of names.
          const w1 = word(prev);
          const names = w1 === "USING" ||
            (prev?.kind === "word" && !CLAUSE_KEYWORDS.has(w1) &&
              ["INTO", "TABLE", "EXISTS"].includes(word(prevPrev))) ||
            (prev?.kind === "quoted" && ["INTO", "TABLE"].includes(word(prevPrev))) ||
            (prev?.kind === "word" && textOf(prevPrev) === "." &&
              ["INTO", "TABLE"].includes(word(prevPrevPrev)));
          frames.push({ names, inList: w1 === "IN", clause: "" });
        } else if (c === ")") {
          if (frames.length > 1) frames.pop();
        }
        out += c;
        break;
      }
      case "word": {
        const w = word(t);
        if (CLAUSE_KEYWORDS.has(w)) frames[frames.length - 1].clause = w;
        // `in (select ...)`: a subquery, not a list of values.
        if (textOf(prev) === "(" && (w === "SELECT" || w === "WITH" || w === "VALUES")) {
          frames[frames.length - 1].inList = false;
        }
        out += textOf(t);
        break;
      }
      default:
        out += textOf(t);
    }
    prevPrevPrev = prevPrev;
    prevPrev = prev;
    prev = t;
  }
  return { sql: out, params, used: [...used], markers };
}

/** Whether a value is a list or a map (a plain object; class instances are single values). */
function collectionKind(value: unknown): "list" | "map" | undefined {
  if (Array.isArray(value)) return "list";
  if (typeof value !== "object" || value === null) return undefined;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? "map" : undefined;
}

/**
 * The elements of a list input that stands as an item of an IN list, each bound on its own; a
 * list anywhere else, a map, an empty list or a list holding collections is a user error naming
 * the input.
 */
function listItems(
  name: string,
  value: unknown,
  kind: "list" | "map",
  where: { item: boolean; offset: number },
): unknown[] {
  const fail = (detail: string) =>
    new UserError(`Cannot use input "${name}" in the query: ${detail}`, {
      code: "USER:InvalidInput",
    });
  if (kind === "map") {
    throw fail(
      `its value is a map, which has no SQL form outside a quoted string (offset ${where.offset})`,
    );
  }
  if (!where.item) {
    throw fail(
      `its value is a list, which can stand only as the items of an IN list, as in "id in ({{ .inputs.${name} }})" (offset ${where.offset})`,
    );
  }
  const items = value as unknown[];
  if (items.length === 0) {
    throw fail("the list is empty; an IN list needs at least one value");
  }
  const nested = items.findIndex((v) => collectionKind(v) !== undefined);
  if (nested >= 0) {
    throw fail(
      `item ${nested} of the list is a ${
        collectionKind(items[nested])
      }; an IN list takes single values`,
    );
  }
  return items;
}

function isValuePosition(prev: Token | undefined, frames: Frame[], template: string): boolean {
  if (!prev) return false;
  const text = template.slice(prev.start, prev.end);
  const frame = frames[frames.length - 1];
  if (prev.kind === "op") {
    if (text === ",") return !frame.names && !["BY", "SET", "FROM", "JOIN"].includes(frame.clause);
    if (text === "(") return !frame.names;
    return VALUE_OPS.has(text);
  }
  if (prev.kind === "word") return VALUE_KEYWORDS.has(text.toUpperCase());
  return false;
}

function quoteForMessage(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return JSON.stringify(shown);
}

/**
 * Converts an input value to what `node:sqlite` binds: integers stay bigint, booleans become 1
 * or 0 (SQLite's `TRUE`/`FALSE`), bytes stay bytes, and everything else is bound as the text
 * Python's `str()` gives (datetimes, durations, lists...).
 *
 * @example Bound values
 * ```ts
 * import { sqliteParam } from "./render.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([sqliteParam(true), sqliteParam(2.5), sqliteParam(null)], [1n, 2.5, null]);
 * ```
 */
export function sqliteParam(value: unknown): null | bigint | number | string | Uint8Array {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint" || typeof value === "number" || typeof value === "string") {
    return value;
  }
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (value instanceof Uint8Array) return value;
  return pyStr(value);
}
