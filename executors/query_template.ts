/**
 * Query templating, the part the SQL executors share that tools and suites exercise on their own
 * (the template fuzzer, the differential tests against SQLite, PostgreSQL and MariaDB): flytekit's
 * `{{ .inputs.name }}` placeholders rendered as bound parameters, escaped text inside quoted
 * strings and identifiers, or checked plain identifiers, never as unescaped SQL. The pieces live
 * in `_sql/`: placeholders, the tokenizer, quoting and rendering.
 *
 * @example A value bound as a parameter, one escaped inside a string
 * ```ts
 * import { renderQuery } from "./query_template.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const template = "select * from t where a = {{ .inputs.a }} and b like '{{ .inputs.b }}%'";
 * const q = renderQuery(template, { a: 1n, b: "O'B" });
 * assertEquals([q.sql, q.params], ["select * from t where a = ? and b like 'O''B%'", [1n]]);
 * ```
 *
 * @module
 */

export { findPlaceholders, type Placeholder } from "./_sql/placeholders.ts";
export {
  type RenderedQuery,
  renderQuery,
  type RenderQueryOptions,
  type SqlDialect,
  sqliteParam,
} from "./_sql/render.ts";
