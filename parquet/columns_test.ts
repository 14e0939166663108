import { assertEquals } from "@std/assert";
import { inferColumnKind, kindForDeclaredType, literalTypeForKind, widenKind } from "./columns.ts";
import { flyteidl } from "../idl/mod.ts";

Deno.test("inferColumnKind() decides by values, then by declared type", () => {
  assertEquals(inferColumnKind([1n, null, 2n], "TEXT"), "int64");
  assertEquals(inferColumnKind([1n, 2.5], null), "double");
  assertEquals(inferColumnKind([1.5], "INTEGER"), "double");
  assertEquals(inferColumnKind(["a", 1n, 2.5], null), "string");
  assertEquals(inferColumnKind([new Uint8Array(1), "a"], null), "binary");
  assertEquals(inferColumnKind([true, false], null), "boolean");
  assertEquals(inferColumnKind([new Date(0)], null), "timestamp");
  assertEquals(inferColumnKind([true, 1n], null), "string");
  assertEquals(inferColumnKind([null, null], "BIGINT"), "int64");
  assertEquals(inferColumnKind([], "FLOAT"), "double");
  assertEquals(inferColumnKind([null], null), "string");
});

Deno.test("kindForDeclaredType() follows SQLite's affinity rules", () => {
  const cases: [string, string][] = [
    ["INT", "int64"],
    ["UNSIGNED BIG INT", "int64"],
    ["VARCHAR(255)", "string"],
    ["NCHAR", "string"],
    ["CLOB", "string"],
    ["BLOB", "binary"],
    ["REAL", "double"],
    ["DOUBLE PRECISION", "double"],
    ["NUMERIC", "double"],
    ["BOOLEAN", "boolean"],
    ["TIMESTAMP", "timestamp"],
    ["", "string"],
  ];
  for (const [declared, kind] of cases) assertEquals(kindForDeclaredType(declared), kind, declared);
});

Deno.test("literalTypeForKind() maps to Flyte simple types", () => {
  const S = flyteidl.core.SimpleType;
  assertEquals(literalTypeForKind("double"), { simple: S.FLOAT });
  assertEquals(literalTypeForKind("binary"), { simple: S.BINARY });
  assertEquals(literalTypeForKind("timestamp"), { simple: S.DATETIME });
});

Deno.test("widenKind() widens as inference would have decided", () => {
  assertEquals(widenKind("int64", "real"), "double");
  assertEquals(widenKind("int64", "text"), "string");
  assertEquals(widenKind("double", "text"), "string");
  assertEquals(widenKind("int64", "blob"), "binary");
  assertEquals(widenKind("string", "blob"), "binary");
  assertEquals(widenKind("boolean", "integer"), "string");
  assertEquals(widenKind("binary", "text"), undefined);
  assertEquals(widenKind("double", "integer"), undefined);
  assertEquals(widenKind("string", "other"), undefined);
});
