import { assertEquals, assertThrows } from "@std/assert";
import { postgresLiteral, withLiterals } from "./postgres_literal.ts";

Deno.test("postgresLiteral() doubles backslashes and quotes, and nothing else", () => {
  for (const value of ["", "'", "\\", "\\'", "''\\\\", "$$", "/* -- */", "é ✓ 😀", "\n\t\r"]) {
    const literal = postgresLiteral({ kind: "text", value })!;
    assertEquals(literal.slice(0, 2), "E'");
    assertEquals(literal.at(-1), "'");
    // Undoing the doubling gives the value back; no lone quote is left inside.
    const inner = literal.slice(2, -1);
    assertEquals(inner.replace(/''|\\\\/g, "").includes("'"), false);
    assertEquals(inner.replace(/''/g, "'").replace(/\\\\/g, "\\"), value);
  }
});

Deno.test("postgresLiteral() casts typed kinds, in parentheses, and has no form for NUL", () => {
  assertEquals(postgresLiteral({ kind: "int64", value: "-1" }), "(E'-1'::int8)");
  assertEquals(postgresLiteral({ kind: "decimal", value: "1e+16" }), "(E'1e+16'::numeric)");
  assertEquals(postgresLiteral({ kind: "float", value: "NaN" }), "(E'NaN'::float8)");
  assertEquals(postgresLiteral({ kind: "boolean", value: "false" }), "(E'false'::bool)");
  assertEquals(
    postgresLiteral({ kind: "interval", value: "1 days 0.000000 seconds" }),
    "(E'1 days 0.000000 seconds'::interval)",
  );
  assertEquals(postgresLiteral({ kind: "timestamptz", value: "x\0" }), undefined);
});

Deno.test("withLiterals() replaces markers at their offsets only", () => {
  const sql = "select '$1', $1 -- $2\n, $2";
  assertEquals(
    withLiterals(sql, [13, 24], [{ kind: "text", value: "a" }, { kind: "int32", value: "2" }]),
    "select '$1', E'a' -- $2\n, (E'2'::int4)",
  );
  assertEquals(
    withLiterals(sql, [13, 24], [{ kind: "text", value: "\0" }, { kind: "text", value: "b" }]),
    undefined,
  );
  assertThrows(
    () => withLiterals(sql, [8, 25], [{ kind: "text", value: "a" }, { kind: "text", value: "b" }]),
    RangeError,
  );
  assertThrows(() => withLiterals("select $10", [7], [{ kind: "text", value: "a" }]), RangeError);
  assertThrows(
    () => withLiterals(sql, [13], [{ kind: "text", value: "a" }, { kind: "text", value: "b" }]),
    RangeError,
  );
});
