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
// matches "ı", "İ" and "ſ" in "inputs", spelled out here: a case-insensitive Unicode regex costs
// V8 about 0.6 ms to compile, a sixtieth of a whole short run.
const PLACEHOLDER =
  /\{\{\s*[^\n][iI\u0130\u0131][nN][pP][uU][tT][sS\u017f][^\n]([\p{L}\p{N}_]+)\s*\}\}/uy;
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
  PLACEHOLDER.lastIndex = at;
  const m = PLACEHOLDER.exec(text);
  return m ? { start: at, end: at + m[0].length, name: m[1] } : undefined;
}
