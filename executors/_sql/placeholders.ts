/**
 * flytekit's placeholders, `{{ .inputs.name }}`, found where flytekit's own pattern finds them:
 * anywhere in a template, strings and comments included.
 *
 * @example The placeholders of a template
 * ```ts
 * import { findPlaceholders } from "./placeholders.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const found = findPlaceholders("select {{ .inputs.a }} -- {{.inputs.b}}");
 * assertEquals(found.map((p) => p.name), ["a", "b"]);
 * ```
 *
 * @module
 */

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
// matches "ı", "İ" and "ſ" in "inputs". As a JavaScript regular expression it reads
// /\{\{\s*[^\n][iI\u0130\u0131][nN][pP][uU][tT][sS\u017f][^\n]([\p{L}\p{N}_]+)\s*\}\}/uy, which
// `placeholderAt` follows by hand (the tests hold it to that expression): V8 takes about 1 ms to
// create and compile a Unicode expression with property classes, a fortieth of a short run, and
// a placeholder's name is nearly always ASCII.

/** The letters of "inputs", each with the characters that match it. */
const INPUTS: readonly string[] = ["iI\u0130\u0131", "nN", "pP", "uU", "tT", "sS\u017f"];

/** JavaScript's `\s`: white space and line terminators. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Letters and digits beyond ASCII (`\p{L}` and `\p{N}`), made by the first such character. */
let wordBeyondAscii: RegExp | undefined;

/** The length (1 or 2 code units) of the code point at `i` when it is a name character, else 0. */
function nameCharAt(text: string, i: number): number {
  if (i >= text.length) return 0;
  const c = text.charCodeAt(i);
  if (c < 0x80) {
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
        c === 0x5f
      ? 1
      : 0;
  }
  const cp = text.codePointAt(i)!;
  wordBeyondAscii ??= /^[\p{L}\p{N}]$/u;
  return wordBeyondAscii.test(String.fromCodePoint(cp)) ? (cp > 0xffff ? 2 : 1) : 0;
}

/** Where the name and the whole placeholder end when its first unescaped dot is at `i`. */
function restAt(
  text: string,
  i: number,
): { nameStart: number; nameEnd: number; end: number } | undefined {
  // [^\n]: one code point (a surrogate pair counts as one).
  if (i >= text.length || text.charCodeAt(i) === 0x0a) return undefined;
  i += text.codePointAt(i)! > 0xffff ? 2 : 1;
  for (const letter of INPUTS) {
    if (i >= text.length || !letter.includes(text[i])) return undefined;
    i++;
  }
  if (i >= text.length || text.charCodeAt(i) === 0x0a) return undefined;
  i += text.codePointAt(i)! > 0xffff ? 2 : 1;
  const nameStart = i;
  for (let n = nameCharAt(text, i); n > 0; n = nameCharAt(text, i)) i += n;
  if (i === nameStart) return undefined;
  const nameEnd = i;
  while (isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x7d || text.charCodeAt(i + 1) !== 0x7d) return undefined;
  return { nameStart, nameEnd, end: i + 2 };
}

/**
 * Finds flytekit placeholders anywhere in a template (strings and comments included).
 *
 * @example Placeholders anywhere
 * ```ts
 * import { findPlaceholders } from "./placeholders.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const placeholders = findPlaceholders("a {{.Inputs.x}} b {{ .inputs.y }}");
 * assertEquals(placeholders.map((p) => p.name), ["x", "y"]);
 * ```
 */
export function findPlaceholders(template: string): Placeholder[] {
  const out: Placeholder[] = [];
  for (let i = template.indexOf("{{"); i >= 0; i = template.indexOf("{{", i + 1)) {
    const match = placeholderAt(template, i);
    if (match) {
      out.push(match);
      i = match.end - 1;
    }
  }
  return out;
}

/**
 * The placeholder that starts at offset `at` of `text`, if one does.
 *
 * @example A placeholder at an offset
 * ```ts
 * import { placeholderAt } from "./placeholders.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(placeholderAt("a = {{ .inputs.x }}", 4), { start: 4, end: 19, name: "x" });
 * assertEquals(placeholderAt("a = {{ .inputs.x }}", 0), undefined);
 * ```
 */
export function placeholderAt(text: string, at: number): Placeholder | undefined {
  if (text.charCodeAt(at) !== 123 || text.charCodeAt(at + 1) !== 123) return undefined;
  let spaces = 0;
  while (isSpace(text.charCodeAt(at + 2 + spaces))) spaces++;
  // \s* gives back white space, from the longest run down, until the rest matches.
  for (let k = spaces; k >= 0; k--) {
    const rest = restAt(text, at + 2 + k);
    if (rest) {
      return { start: at, end: rest.end, name: text.slice(rest.nameStart, rest.nameEnd) };
    }
  }
  return undefined;
}
