/**
 * The SQL tokenizer of query templating: it tells strings, quoted identifiers, dollar-quoted
 * strings, comments, words, numbers, parameter markers, operators and placeholders apart, by the
 * rules of SQLite, PostgreSQL or MySQL/MariaDB, so that each placeholder is rendered by where it
 * stands.
 *
 * @example A placeholder in a string and one in the SQL text
 * ```ts
 * import { tokenize } from "./tokenizer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const tokens = tokenize("select '{{ .inputs.a }}', {{ .inputs.b }}", "postgres");
 * const kinds = tokens.filter((t) => t.kind !== "space").map((t) => t.kind);
 * assertEquals(kinds, ["word", "string", "op", "placeholder"]);
 * ```
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { findPlaceholders, type Placeholder, placeholderAt } from "./placeholders.ts";

/** SQL dialects the tokenizer knows. */
export type SqlDialect = "sqlite" | "postgres" | "mysql";

/** What a token is. */
export type TokenKind =
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

/** A token of a query template: its kind and where it stands (offsets into the template). */
export interface Token {
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

/**
 * Splits a template into tokens by the dialect's rules; placeholders inside strings, quoted
 * identifiers, dollar-quoted strings and comments are collected in their token's `inner`.
 *
 * @throws {UserError} `USER:InvalidTemplate` for an unterminated string or quoted identifier.
 * @example Tokens of a template
 * ```ts
 * import { tokenize } from "./tokenizer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const tokens = tokenize("a = '{{ .inputs.x }}'", "sqlite");
 * assertEquals(tokens.map((t) => t.kind), ["word", "space", "op", "space", "string"]);
 * assertEquals(tokens[4].inner?.map((p) => p.name), ["x"]);
 * ```
 */
export function tokenize(text: string, dialect: SqlDialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  // Scans to `close` (a closing quote), collecting placeholders; `doubled` quotes escape it.
  const scanQuoted = (from: number, close: string, backslash: boolean) => {
    const inner: Placeholder[] = [];
    let j = from;
    while (j < n) {
      const p = placeholderAt(text, j);
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
  // Pushes a comment token from `start` to `end`, with the placeholders written inside it.
  const pushComment = (start: number, end: number) => {
    const inner = findPlaceholders(text.slice(start, end)).map((p) => shift(p, start));
    tokens.push({ kind: "comment", start, end, inner });
  };
  while (i < n) {
    const start = i;
    const c = text[i];
    const placeholder = placeholderAt(text, i);
    if (placeholder) {
      tokens.push({ kind: "placeholder", start, end: placeholder.end, name: placeholder.name });
      i = placeholder.end;
      continue;
    }
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(text[i]) && !placeholderAt(text, i)) i++;
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
      pushComment(start, i);
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
      pushComment(start, i);
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
      while (i < n && (isWordChar(text[i]) || text[i] === "$") && !placeholderAt(text, i)) i++;
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
