/**
 * The one place where a bound parameter of the SQL executor becomes PostgreSQL literal text, for
 * statements that take no bound parameters (`COPY (query) TO STDOUT`). The rules:
 *
 * - every value is an escape string `E'...'`, whose lexing does not depend on
 *   `standard_conforming_strings`: each `\` and each `'` is doubled, nothing else is special, so
 *   the value ends where the literal ends;
 * - a value holding a NUL character has no literal form (PostgreSQL ends statement text at NUL):
 *   no literal, the caller keeps the bound parameter;
 * - typed kinds carry the cast of the type the bound parameter is sent with
 *   (`(E'5'::int4)`, in parentheses, so that no operator, subscript or comment around it binds
 *   differently); `text` stays untyped, as a parameter whose type the server infers;
 * - SQL NULL is `NULL`.
 *
 * The literals go in at the offsets where the templating put its `$n` markers, never by searching
 * the text. Callers must also check that the session's `client_encoding` is UTF8 (the text is
 * sent as UTF-8) and that the statement describes the same columns with literals as with
 * parameters (a cast can rename a column of the select list).
 *
 * @example A string with a quote and a backslash
 * ```ts
 * import { postgresLiteral } from "./postgres_literal.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(postgresLiteral({ kind: "text", value: "O'B\\n" }), "E'O''B\\\\n'");
 * assertEquals(postgresLiteral({ kind: "int32", value: "-5" }), "(E'-5'::int4)");
 * assertEquals(postgresLiteral({ kind: "text", value: "a\0b" }), undefined);
 * ```
 *
 * @module
 */

import type { SqlParam, SqlParamKind } from "./params.ts";

/** The cast of each parameter kind: the type its bound parameter is sent as. */
const CASTS: Record<SqlParamKind, string> = {
  text: "",
  int32: "int4",
  int64: "int8",
  decimal: "numeric",
  float: "float8",
  boolean: "bool",
  bytes: "bytea",
  timestamptz: "timestamptz",
  interval: "interval",
};

function hex(bytes: Uint8Array): string {
  let out = "\\x";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/**
 * The literal text of a bound parameter, or `undefined` when it has none (a NUL character).
 * See the module documentation for the rules.
 *
 * @example Every kind
 * ```ts
 * import { postgresLiteral } from "./postgres_literal.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(postgresLiteral({ kind: "text", value: null }), "NULL");
 * const bytes = new Uint8Array([0, 255]);
 * assertEquals(postgresLiteral({ kind: "bytes", value: bytes }), "(E'\\\\x00ff'::bytea)");
 * assertEquals(postgresLiteral({ kind: "timestamptz", value: "2024-01-02 03:04:05.000000+00" }),
 *   "(E'2024-01-02 03:04:05.000000+00'::timestamptz)");
 * ```
 */
export function postgresLiteral(param: SqlParam): string | undefined {
  if (param.value === null) return "NULL";
  const text = param.value instanceof Uint8Array ? hex(param.value) : param.value;
  if (text.includes("\0")) return undefined;
  const quoted = `E'${text.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
  const cast = CASTS[param.kind];
  if (cast === undefined) throw new TypeError(`Cannot render parameter kind "${param.kind}"`);
  return cast ? `(${quoted}::${cast})` : quoted;
}

/**
 * The statement with each `$n` marker (at the offsets the templating reported, in parameter
 * order) replaced by its parameter's literal; `undefined` when a parameter has no literal form.
 *
 * @throws {RangeError} When an offset does not hold its `$n` marker.
 * @example Two markers
 * ```ts
 * import { withLiterals } from "./postgres_literal.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const sql = "select * from t where a = $1 and b like '$1%' limit $2";
 * const params = [{ kind: "text" as const, value: "x" }, { kind: "int32" as const, value: "10" }];
 * assertEquals(withLiterals(sql, [26, 52], params),
 *   "select * from t where a = E'x' and b like '$1%' limit (E'10'::int4)");
 * ```
 */
export function withLiterals(
  sql: string,
  markers: readonly number[],
  params: readonly SqlParam[],
): string | undefined {
  if (markers.length !== params.length) {
    throw new RangeError(
      `Cannot render literals: ${markers.length} markers for ${params.length} parameters`,
    );
  }
  let out = "";
  let at = 0;
  for (let k = 0; k < params.length; k++) {
    const marker = `$${k + 1}`;
    const offset = markers[k];
    if (offset < at || !sql.startsWith(marker, offset)) {
      throw new RangeError(`Cannot render literals: no "${marker}" at offset ${offset}`);
    }
    const next = sql.charCodeAt(offset + marker.length);
    if (next >= 0x30 && next <= 0x39) {
      throw new RangeError(`Cannot render literals: no "${marker}" at offset ${offset}`);
    }
    const literal = postgresLiteral(params[k]);
    if (literal === undefined) return undefined;
    out += sql.slice(at, offset) + literal;
    at = offset + marker.length;
  }
  return out + sql.slice(at);
}
