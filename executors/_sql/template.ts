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
 * import { renderQuery } from "./template.ts";
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
 * import { renderQuery } from "./template.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const q = renderQuery("select * from t where id in ({{ .inputs.ids }})", { ids: [1n, 4n] });
 * assertEquals([q.sql, q.params], ["select * from t where id in (?, ?)", [1n, 4n]]);
 * ```
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { pyStr } from "./py_str.ts";

/** SQL dialects the tokenizer knows. */
export type SqlDialect = "sqlite" | "postgres" | "mysql";

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

/** One `{{ .inputs.x }}` occurrence in the template. */
export interface Placeholder {
  /** Offset of `{{` in the template. */
  start: number;
  /** Offset after `}}`. */
  end: number;
  /** The input name, as written. */
  name: string;
}

// flytekit's pattern `({{\s*.inputs.(\w+)\s*}})` (re.IGNORECASE): the dots are unescaped, so they
// match any character but a newline; \w is Unicode-aware in Python 3. Python's IGNORECASE also
// matches "ı", "İ" and "ſ" in "inputs", spelled out here: a case-insensitive Unicode regex costs
// V8 about 0.6 ms to compile, a sixtieth of a whole short run.
const PLACEHOLDER =
  /\{\{\s*[^\n][iI\u0130\u0131][nN][pP][uU][tT][sS\u017f][^\n]([\p{L}\p{N}_]+)\s*\}\}/uy;
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENTIFIER_TAIL = /^[A-Za-z0-9_]+$/;

/**
 * Finds flytekit placeholders anywhere in a template (strings and comments included).
 *
 * @example Placeholders anywhere
 * ```ts
 * import { findPlaceholders } from "./template.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(findPlaceholders("a {{.Inputs.x}} b {{ .inputs.y }}").map((p) => p.name), ["x", "y"]);
 * ```
 */
export function findPlaceholders(template: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (let i = template.indexOf("{{"); i >= 0; i = template.indexOf("{{", i + 1)) {
    const match = matchAt(template, i);
    if (match) {
      out.push(match);
      i = match.end - 1;
    }
  }
  return out;
}

function matchAt(text: string, at: number): Placeholder | undefined {
  if (text.charCodeAt(at) !== 123 || text.charCodeAt(at + 1) !== 123) return undefined;
  PLACEHOLDER.lastIndex = at;
  const m = PLACEHOLDER.exec(text);
  return m ? { start: at, end: at + m[0].length, name: m[1] } : undefined;
}

type TokenKind =
  | "space"
  | "comment"
  | "string"
  | "quoted"
  | "dollar"
  | "word"
  | "number"
  | "param"
  | "op"
  | "placeholder";

interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** Placeholders inside a string, quoted identifier, dollar string or comment. */
  inner?: Placeholder[];
  /** For placeholders: the input name. */
  name?: string;
  /** For strings: the prefix (`E`, `X`, `N`, ...) and quote, and where the body starts and ends. */
  bodyStart?: number;
  bodyEnd?: number;
  /**
   * For PostgreSQL strings that continue an earlier one (`E'a'` newline `'b'`): what they inherit
   * from it, backslash escapes (`E`) or Unicode escapes (`U&`).
   */
  continues?: "escapes" | "unicode" | "plain";
  /** For PostgreSQL strings: a later string continues this one. */
  continued?: boolean;
}

/**
 * PostgreSQL concatenates string literals separated by whitespace holding a newline (and `--`
 * comments after it), and the later parts keep the first part's kind: an `E'...'` continued by
 * `'...'` still reads backslash escapes. The kind a string at `at` inherits, if it continues one.
 */
function continuedKind(
  text: string,
  tokens: readonly Token[],
  at: number,
): { kind: "escapes" | "unicode" | "plain"; previous: Token } | undefined {
  let k = tokens.length - 1;
  while (k >= 0 && (tokens[k].kind === "space" || tokens[k].kind === "comment")) {
    const t = tokens[k];
    if (t.kind === "comment" && !text.startsWith("--", t.start)) return undefined;
    k--;
  }
  const previous = tokens[k];
  if (previous?.kind !== "string" || text[previous.bodyStart! - 1] !== "'") return undefined;
  if (!/\n/.test(text.slice(previous.end, at))) return undefined;
  if (previous.continues) return { kind: previous.continues, previous };
  const prefix = text.slice(previous.start, previous.bodyStart! - 1).toUpperCase();
  if (prefix === "E") return { kind: "escapes", previous };
  if (/^u&$/i.test(text.slice(previous.start - 2, previous.start))) {
    return { kind: "unicode", previous };
  }
  return { kind: "plain", previous };
}

/** Splits a template into tokens; placeholders inside strings and comments are collected. */
function tokenize(text: string, dialect: SqlDialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  // Scans to `close` (a closing quote), collecting placeholders; `doubled` quotes escape it.
  const scanQuoted = (from: number, close: string, backslash: boolean) => {
    const inner: Placeholder[] = [];
    let j = from;
    while (j < n) {
      const p = matchAt(text, j);
      if (p) {
        inner.push(p);
        j = p.end;
        continue;
      }
      const c = text[j];
      if (backslash && c === "\\") {
        j += 2;
        continue;
      }
      if (c === close) {
        // Doubled quotes escape; SQLite's [...] has no escape and ends at the first "]".
        if (close !== "]" && text[j + 1] === close) {
          j += 2;
          continue;
        }
        return { bodyEnd: j, end: j + 1, inner };
      }
      j++;
    }
    throw new UserError(
      `Cannot parse query template: unterminated ${
        close === "'" ? "string" : "quoted identifier"
      } at offset ${from - 1}`,
      { code: "USER:InvalidTemplate" },
    );
  };
  // Scans a string or quoted identifier whose body starts at `bodyStart`, pushes it, returns its end.
  const pushQuoted = (
    kind: TokenKind,
    start: number,
    bodyStart: number,
    close: string,
    backslash: boolean,
  ) => {
    const r = scanQuoted(bodyStart, close, backslash);
    tokens.push({ kind, start, end: r.end, inner: r.inner, bodyStart, bodyEnd: r.bodyEnd });
    return r.end;
  };
  while (i < n) {
    const start = i;
    const c = text[i];
    const placeholder = matchAt(text, i);
    if (placeholder) {
      tokens.push({ kind: "placeholder", start, end: placeholder.end, name: placeholder.name });
      i = placeholder.end;
      continue;
    }
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(text[i]) && !matchAt(text, i)) i++;
      tokens.push({ kind: "space", start, end: i });
      continue;
    }
    // MySQL: `#` comments, and `--` starts a comment only before whitespace.
    if (
      (c === "-" && text[i + 1] === "-" &&
        (dialect !== "mysql" || i + 2 >= n || /\s/.test(text[i + 2]))) ||
      (c === "#" && dialect === "mysql")
    ) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      tokens.push({
        kind: "comment",
        start,
        end: i,
        inner: findPlaceholders(text.slice(start, i)).map((p) => shift(p, start)),
      });
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === "*" && text[i + 1] === "/") {
          depth--;
          i += 2;
        } else if (dialect === "postgres" && text[i] === "/" && text[i + 1] === "*") {
          depth++;
          i += 2;
        } else i++;
      }
      tokens.push({
        kind: "comment",
        start,
        end: i,
        inner: findPlaceholders(text.slice(start, i)).map((p) => shift(p, start)),
      });
      continue;
    }
    // String literals, with an optional prefix: E'..' (PostgreSQL escapes), X'..', B'..', N'..'.
    const prefixed = /[eExXbBnN]/.test(c) && text[i + 1] === "'" && !isWordChar(text[i - 1]);
    if (c === "'" || prefixed) {
      const continued = dialect === "postgres" && !prefixed
        ? continuedKind(text, tokens, i)
        : undefined;
      if (continued) continued.previous.continued = true;
      const backslash = (dialect === "postgres" && (c === "e" || c === "E")) ||
        dialect === "mysql" || continued?.kind === "escapes";
      i = pushQuoted("string", start, i + (prefixed ? 2 : 1), "'", backslash);
      if (continued) tokens[tokens.length - 1].continues = continued.kind;
      continue;
    }
    if (c === '"' && dialect === "mysql") {
      // A string in MySQL's default mode, with backslash escapes.
      i = pushQuoted("string", start, i + 1, '"', true);
      continue;
    }
    if (
      c === '"' || (dialect === "sqlite" && (c === "`" || c === "[")) ||
      (dialect === "mysql" && c === "`")
    ) {
      i = pushQuoted("quoted", start, i + 1, c === "[" ? "]" : c, false);
      continue;
    }
    if (c === "$" && dialect === "postgres") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag && !isWordChar(text[i - 1])) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        if (close < 0) {
          throw new UserError(
            `Cannot parse query template: unterminated dollar-quoted string at offset ${i}`,
            { code: "USER:InvalidTemplate" },
          );
        }
        const bodyStart = i + tag[0].length;
        tokens.push({
          kind: "dollar",
          start,
          end: close + tag[0].length,
          bodyStart,
          bodyEnd: close,
          inner: findPlaceholders(text.slice(bodyStart, close)).map((p) => shift(p, bodyStart)),
        });
        i = close + tag[0].length;
        continue;
      }
      if (/^\$\d/.test(text.slice(i, i + 2))) {
        i++;
        while (i < n && /\d/.test(text[i])) i++;
        tokens.push({ kind: "param", start, end: i });
        continue;
      }
    }
    if (
      (dialect === "sqlite" &&
        (c === "?" || ((c === ":" || c === "@" || c === "$") && isWordStart(text[i + 1])))) ||
      (dialect === "mysql" && c === "?")
    ) {
      i++;
      while (i < n && isWordChar(text[i])) i++;
      tokens.push({ kind: "param", start, end: i });
      continue;
    }
    if (isWordStart(c)) {
      while (i < n && (isWordChar(text[i]) || text[i] === "$") && !matchAt(text, i)) i++;
      tokens.push({ kind: "word", start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const m = /^(?:0[xX][0-9A-Fa-f]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(
        text.slice(i, i + 400),
      );
      i += m ? m[0].length : 1;
      tokens.push({ kind: "number", start, end: i });
      continue;
    }
    tokens.push({ kind: "op", start, end: i + 1 });
    i++;
  }
  return tokens;
}

function shift(p: Placeholder, by: number): Placeholder {
  return { start: p.start + by, end: p.end + by, name: p.name };
}

function isWordStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_\u0080-\uffff]/.test(c);
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_\u0080-\uffff]/.test(c);
}

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
 * import { renderQuery } from "./template.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const q = renderQuery("select * from t where a = {{ .inputs.a }}", { a: "x" }, { dialect: "postgres" });
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

function checkNul(name: string, text: string): void {
  if (text.includes("\0")) {
    throw new UserError(
      `Cannot use input "${name}" in the query: its value holds a NUL character`,
      {
        code: "USER:UnsafeInput",
      },
    );
  }
}

/** Rebuilds a `'...'` (or `E'...'`, `X'...'`) literal with values escaped inside. */
function rebuildString(
  template: string,
  t: Token,
  inputs: Record<string, unknown>,
  dialect: SqlDialect,
): string {
  // PostgreSQL's U&'...' decodes its own escapes (\XXXX, or the UESCAPE character) in the value.
  if (
    dialect === "postgres" &&
    (/^u&$/i.test(template.slice(t.start - 2, t.start)) || t.continues === "unicode")
  ) {
    throw new UserError(
      `Cannot use input "${
        t.inner![0].name
      }" inside a U&'...' string (offset ${t.start}): its escapes would change the value; use a plain '...' string`,
      { code: "USER:UnsafeInput" },
    );
  }
  const prefix = template.slice(t.start, t.bodyStart! - 1);
  const quote = template[t.bodyStart! - 1];
  const eString = prefix.toUpperCase() === "E" || dialect === "mysql" || t.continues === "escapes";
  const parts: { text: string; value: boolean }[] = [];
  let at = t.bodyStart!;
  for (const p of t.inner!) {
    parts.push({ text: template.slice(at, p.start), value: false });
    const text = pyStr(inputs[p.name]);
    checkNul(p.name, text);
    parts.push({ text, value: true });
    at = p.end;
  }
  parts.push({ text: template.slice(at, t.bodyEnd!), value: false });
  // PostgreSQL: a backslash in a value is only unambiguous in an E'' string; turn the literal
  // into one (escaping the template's own backslashes) when a value holds one.
  const toE = dialect === "postgres" && !eString && prefix === "" &&
    parts.some((p) => p.value && p.text.includes("\\"));
  // A string that continues another, or is continued, cannot become E'...': the continuation
  // would then read its parts' backslashes as escapes (or stop being one).
  if (toE && (t.continues || t.continued)) {
    throw new UserError(
      `Cannot use input "${
        t.inner![0].name
      }" with a backslash inside a string continued across lines (offset ${t.start}); write it as one '...' literal`,
      { code: "USER:UnsafeInput" },
    );
  }
  const backslashes = eString || toE;
  let body = "";
  for (const p of parts) {
    if (p.value) {
      let v = p.text;
      if (backslashes) v = v.replace(/\\/g, "\\\\");
      body += v.replaceAll(quote, quote + quote);
    } else body += toE ? p.text.replace(/\\/g, "\\\\") : p.text;
  }
  return `${toE ? "E" : prefix}${quote}${body}${quote}`;
}

/**
 * Rebuilds a quoted identifier (`"..."`, `` `...` ``) with values escaped inside. SQLite's
 * `[...]` cannot hold a `]` at all, so it becomes the `"..."` identifier it stands for.
 */
function rebuildQuoted(template: string, t: Token, inputs: Record<string, unknown>): string {
  // PostgreSQL's U&"..." decodes escapes in the name, as U&'...' strings do.
  if (template[t.start] === '"' && /^u&$/i.test(template.slice(t.start - 2, t.start))) {
    throw new UserError(
      `Cannot use input "${
        t.inner![0].name
      }" inside a U&"..." identifier (offset ${t.start}): its escapes would change the name; use a plain "..." identifier`,
      { code: "USER:UnsafeInput" },
    );
  }
  const open = template[t.start] === "[" ? '"' : template[t.start];
  const close = open;
  const own = (text: string) => template[t.start] === "[" ? text.replaceAll('"', '""') : text;
  let body = "";
  let at = t.bodyStart!;
  for (const p of t.inner!) {
    body += own(template.slice(at, p.start));
    const text = pyStr(inputs[p.name]);
    checkNul(p.name, text);
    body += text.replaceAll(close, close + close);
    at = p.end;
  }
  body += own(template.slice(at, t.bodyEnd!));
  return `${open}${body}${close}`;
}

/**
 * Rebuilds a dollar-quoted string with values inside, still dollar-quoted: its tag is kept unless
 * the body would end it early, then a fresh one is taken. It stays the same kind of token: turned
 * into a '...' literal, it would continue a string before it across a newline (PostgreSQL joins
 * '...' literals there, and never a dollar-quoted one), or be continued by one after it.
 */
function rebuildDollar(template: string, t: Token, inputs: Record<string, unknown>): string {
  let body = "";
  let at = t.bodyStart!;
  for (const p of t.inner!) {
    body += template.slice(at, p.start);
    const text = pyStr(inputs[p.name]);
    checkNul(p.name, text);
    body += text;
    at = p.end;
  }
  body += template.slice(at, t.bodyEnd!);
  // The delimiter must first occur right after the body (a body ending in "$x" would otherwise
  // close "$x$" one character early).
  const fits = (delimiter: string) => (body + delimiter).indexOf(delimiter) === body.length;
  let delimiter = template.slice(t.start, t.bodyStart!);
  for (let n = 0; !fits(delimiter); n++) delimiter = `$fs${n}$`;
  return `${delimiter}${body}${delimiter}`;
}

/**
 * Converts an input value to what `node:sqlite` binds: integers stay bigint, booleans become 1
 * or 0 (SQLite's `TRUE`/`FALSE`), bytes stay bytes, and everything else is bound as the text
 * Python's `str()` gives (datetimes, durations, lists...).
 *
 * @example Bound values
 * ```ts
 * import { sqliteParam } from "./template.ts";
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
