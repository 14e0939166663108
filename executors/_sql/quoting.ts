/**
 * Values placed inside SQL text: a placeholder inside a quoted string, a quoted identifier or a
 * dollar-quoted string rebuilds that token with the value, as Python's `str()` renders it,
 * escaped by the token's own rules (doubled quotes, backslashes in escape strings, a fresh
 * dollar tag).
 *
 * @example A value inside a PostgreSQL string with a backslash becomes an E'...' string
 * ```ts
 * import { rebuildString } from "./quoting.ts";
 * import { tokenize } from "./tokenizer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const template = "'{{ .inputs.p }}'";
 * const [token] = tokenize(template, "postgres");
 * assertEquals(rebuildString(template, token, { p: "a\\b" }, "postgres"), "E'a\\\\b'");
 * ```
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { pyStr } from "../../types/py_str.ts";
import type { SqlDialect, Token } from "./tokenizer.ts";

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

/**
 * Rebuilds a `'...'` (or `E'...'`, `X'...'`) literal with values escaped inside.
 *
 * @throws {UserError} `USER:UnsafeInput` for a value with a NUL character, a value inside
 * PostgreSQL's `U&'...'`, or a backslash inside a string continued across lines.
 * @example A quote inside a value is doubled
 * ```ts
 * import { rebuildString } from "./quoting.ts";
 * import { tokenize } from "./tokenizer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const template = "'%{{ .inputs.p }}%'";
 * const [token] = tokenize(template, "sqlite");
 * assertEquals(rebuildString(template, token, { p: "O'B" }, "sqlite"), "'%O''B%'");
 * ```
 */
export function rebuildString(
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
 *
 * @throws {UserError} `USER:UnsafeInput` for a value with a NUL character or a value inside
 * PostgreSQL's `U&"..."`.
 * @example SQLite's brackets become double quotes
 * ```ts
 * import { rebuildQuoted } from "./quoting.ts";
 * import { tokenize } from "./tokenizer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const template = "[t_{{ .inputs.n }}]";
 * const [token] = tokenize(template, "sqlite");
 * assertEquals(rebuildQuoted(template, token, { n: 'a"b' }), '"t_a""b"');
 * ```
 */
export function rebuildQuoted(template: string, t: Token, inputs: Record<string, unknown>): string {
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
 *
 * @throws {UserError} `USER:UnsafeInput` for a value with a NUL character.
 * @example A value that would end the tag gets a fresh tag
 * ```ts
 * import { rebuildDollar } from "./quoting.ts";
 * import { tokenize } from "./tokenizer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const template = "$q${{ .inputs.v }}$q$";
 * const [token] = tokenize(template, "postgres");
 * assertEquals(rebuildDollar(template, token, { v: "a$q$" }), "$fs0$a$q$$fs0$");
 * ```
 */
export function rebuildDollar(template: string, t: Token, inputs: Record<string, unknown>): string {
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
