/**
 * Column typing for query results, as pandas + pyarrow would type a DataFrame read with
 * `read_sql_query`: the values of the first rows (32,768, or the first row group when smaller)
 * decide, the declared type decides for a column that holds only nulls there.
 *
 * | values in the first rows | parquet column |
 * | --- | --- |
 * | integers only | `int64` |
 * | reals, or integers and reals | `double` |
 * | text, alone or with numbers | `string` (numbers as text) |
 * | blobs, alone or with text or numbers | `binary` (text as UTF-8) |
 * | booleans / timestamps (other databases) | `boolean` / `timestamp` |
 * | nulls only | from the declared type (below) |
 *
 * A column of nulls only takes its type from the declared type's SQLite affinity: INTEGER →
 * `int64`, REAL or NUMERIC → `double`, TEXT → `string`, BLOB → `binary`; no declared type →
 * `string`.
 *
 * @example Values decide, the declared type fills in
 * ```ts
 * import { inferColumnKind } from "./columns.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(inferColumnKind([1n, 2.5, null], "INTEGER"), "double");
 * assertEquals(inferColumnKind([null], "VARCHAR(10)"), "string");
 * ```
 *
 * @module
 */

import { type LiteralType, SimpleType } from "../idl/core.ts";
import type { ColumnKind, ValueKind } from "./types.ts";

/**
 * The column kind for a declared SQL type, by SQLite's affinity rules (used for columns that
 * hold only nulls); `undefined` or empty (an expression) gives `string`.
 *
 * @example SQLite affinity
 * ```ts
 * import { kindForDeclaredType } from "./columns.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(["BIGINT", "DOUBLE", "CLOB", "BLOB", "DECIMAL(10,2)", ""].map(kindForDeclaredType),
 *   ["int64", "double", "string", "binary", "double", "string"]);
 * ```
 */
export function kindForDeclaredType(declared: string | null | undefined): ColumnKind {
  const t = (declared ?? "").toUpperCase();
  if (!t) return "string";
  if (t.includes("INT")) return "int64";
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return "string";
  if (t.includes("BLOB")) return "binary";
  if (t.includes("BOOL")) return "boolean";
  if (t.includes("TIMESTAMP")) return "timestamp";
  return "double"; // REAL, FLOA, DOUB and NUMERIC affinity
}

/**
 * The kind of one column from its values (first rows) and declared type; see the module
 * documentation for the rules.
 *
 * @example Text with numbers is text
 * ```ts
 * import { inferColumnKind } from "./columns.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(inferColumnKind(["a", 1n], null), "string");
 * ```
 */
export function inferColumnKind(
  values: Iterable<unknown>,
  declared: string | null | undefined,
): ColumnKind {
  let ints = false;
  let reals = false;
  let texts = false;
  let blobs = false;
  let bools = false;
  let times = false;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === "bigint") ints = true;
    else if (typeof v === "number") reals = true;
    else if (typeof v === "string") texts = true;
    else if (v instanceof Uint8Array) blobs = true;
    else if (typeof v === "boolean") bools = true;
    else if (v instanceof Date || (typeof v === "object" && "seconds" in v && "nanos" in v)) {
      times = true;
    } else texts = true;
  }
  if (blobs) return "binary";
  if (texts) return "string";
  if (times && !ints && !reals && !bools) return "timestamp";
  if (bools && !ints && !reals && !times) return "boolean";
  if (times || bools) return "string";
  if (reals) return "double";
  if (ints) return "int64";
  return kindForDeclaredType(declared);
}

const S = SimpleType;

/**
 * The Flyte literal type of a column kind (`int64` → INTEGER, `double` → FLOAT, `string` →
 * STRING, `binary` → BINARY, `boolean` → BOOLEAN, `timestamp` → DATETIME).
 *
 * @example Simple types
 * ```ts
 * import { literalTypeForKind } from "./columns.ts";
 * import { flyteidl } from "../idl/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(literalTypeForKind("int64"), { simple: flyteidl.core.SimpleType.INTEGER });
 * ```
 */
export function literalTypeForKind(kind: ColumnKind): LiteralType {
  const simple = {
    int64: S.INTEGER,
    double: S.FLOAT,
    string: S.STRING,
    binary: S.BINARY,
    boolean: S.BOOLEAN,
    timestamp: S.DATETIME,
    timestamp_ntz: S.DATETIME,
    date: S.DATETIME,
    time: S.STRING, // Flyte has no time-of-day type
  }[kind];
  return { simple };
}

/**
 * The kind a column widens to when a value of `found` kind turns up after its kind was decided,
 * by the same rules as {@linkcode inferColumnKind} (`int64` → `double` for reals, → `string` for
 * text, → `binary` for blobs); `undefined` when no widening holds it.
 *
 * @example Widening
 * ```ts
 * import { widenKind } from "./columns.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([
 *   widenKind("int64", "real"),
 *   widenKind("double", "text"),
 *   widenKind("string", "blob"),
 * ], ["double", "string", "binary"]);
 * ```
 */
export function widenKind(kind: ColumnKind, found: ValueKind): ColumnKind | undefined {
  if (found === "blob") return kind === "binary" ? undefined : "binary";
  if (found === "text" || found === "boolean") {
    return kind === "string" || kind === "binary" ? undefined : "string";
  }
  if (found === "real" && kind === "int64") return "double";
  if (
    (found === "real" || found === "integer") &&
    (kind === "boolean" || kind.startsWith("time") || kind === "date")
  ) {
    return "string";
  }
  return undefined;
}
