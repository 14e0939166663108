import { assertEquals } from "@std/assert";
import { configError, jsonKind } from "./_config.ts";

Deno.test("configError() is USER:InvalidConfig naming what could not be read", () => {
  const error = configError("the SQLite3 task config", `"uri" is missing`);
  assertEquals(error.message, `Cannot read the SQLite3 task config: "uri" is missing`);
  assertEquals([error.code, error.origin, error.recoverable], [
    "USER:InvalidConfig",
    "user",
    false,
  ]);
});

Deno.test("jsonKind() names each JSON kind as an error message does", () => {
  assertEquals([undefined, null, [1], "x", 1, true, {}].map(jsonKind), [
    "missing",
    "null",
    "a list",
    "a string",
    "a number",
    "a boolean",
    "an object",
  ]);
});
