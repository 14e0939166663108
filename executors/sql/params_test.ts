import { assertEquals } from "@std/assert";
import { Duration, Timestamp } from "../../types/values.ts";
import { queryParam } from "./params.ts";

Deno.test("queryParam: scalars bind as themselves", () => {
  for (const dialect of ["postgresql", "mysql"] as const) {
    assertEquals(
      [
        queryParam(1n, dialect),
        queryParam(1.5, dialect),
        queryParam("x", dialect),
        queryParam(null, dialect),
      ],
      [1n, 1.5, "x", null],
    );
  }
  assertEquals([queryParam(true, "postgresql"), queryParam(false, "mysql")], [true, 0n]);
  assertEquals([queryParam(NaN, "postgresql"), queryParam(-Infinity, "mysql")], [
    "NaN",
    "-Infinity",
  ]);
});

Deno.test("queryParam: datetimes and durations as text the servers parse", () => {
  const t = Timestamp.parse("1969-12-31T23:59:59.999999Z");
  assertEquals(queryParam(t, "postgresql"), "1969-12-31 23:59:59.999999+00:00");
  assertEquals(queryParam(t, "mysql"), "1969-12-31 23:59:59.999999");
  assertEquals(queryParam(new Duration(93784n, 500_000_000), "postgresql"), "93784.500000 seconds");
  assertEquals(queryParam(new Duration(-2n, 0), "mysql"), "-2.000000");
});

Deno.test("queryParam: other values as Python's str()", () => {
  assertEquals(queryParam([1n, "a"], "postgresql"), "[1, 'a']");
  assertEquals(queryParam({ a: true }, "mysql"), "{'a': True}");
});
