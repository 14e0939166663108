import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../../errors.ts";
import { Duration, Timestamp } from "../../types/values.ts";
import { queryParam } from "./params.ts";

Deno.test("queryParam() strings and nulls as text, the server infers the type", () => {
  for (const dialect of ["postgresql", "mysql"] as const) {
    assertEquals(queryParam("2024-01-02 03:04:05.123456", dialect), {
      kind: "text",
      value: "2024-01-02 03:04:05.123456",
    });
    assertEquals(queryParam("infinity", dialect), { kind: "text", value: "infinity" });
    assertEquals(queryParam(null, dialect), { kind: "text", value: null });
  }
});

Deno.test("queryParam() integers, floats and booleans as the literals psycopg2 and PyMySQL write", () => {
  assertEquals(queryParam(2147483647n, "postgresql"), { kind: "int32", value: "2147483647" });
  assertEquals(queryParam(-2147483649n, "postgresql"), { kind: "int64", value: "-2147483649" });
  assertEquals(queryParam(7n, "mysql"), { kind: "int64", value: "7" });
  assertEquals(queryParam(0.1, "postgresql"), { kind: "decimal", value: "0.1" });
  assertEquals(queryParam(1e300, "postgresql"), { kind: "decimal", value: "1e+300" });
  assertEquals(queryParam(NaN, "postgresql"), { kind: "float", value: "NaN" });
  assertEquals(queryParam(-Infinity, "postgresql"), { kind: "float", value: "-Infinity" });
  assertEquals(queryParam(0.1, "mysql"), { kind: "float", value: "0.1" });
  assertEquals(queryParam(true, "postgresql"), { kind: "boolean", value: "true" });
  assertEquals(queryParam(false, "mysql"), { kind: "int64", value: "0" });
});

Deno.test("queryParam() a NaN for MySQL is a USER error naming the input", () => {
  const error = assertThrows(
    () => queryParam(Infinity, "mysql", { input: "ratio" }),
    UserError,
    'Cannot bind input "ratio" for MySQL: its value inf is not a number MySQL can store',
  );
  assertEquals(error.code, "USER:InvalidInput");
});

Deno.test("queryParam() datetimes in UTC with microseconds, before 1970, BC and past 9999", () => {
  const pg = (t: Timestamp) => queryParam(t, "postgresql").value;
  assertEquals(pg(Timestamp.parse("1969-12-31T23:59:59.999999Z")), "1969-12-31 23:59:59.999999+00");
  assertEquals(pg(new Timestamp(0n, 999)), "1970-01-01 00:00:00.000000+00"); // ns truncated
  // 0001-01-01 minus one day is 1 BC (year 0), PostgreSQL's "0001-12-31 ... BC".
  const first = Timestamp.parse("0001-01-01T00:00:00Z");
  assertEquals(pg(new Timestamp(first.seconds - 86_400n)), "0001-12-31 00:00:00.000000+00 BC");
  assertEquals(pg(new Timestamp(253402300800n)), "10000-01-01 00:00:00.000000+00");
  assertEquals(
    queryParam(new Timestamp(253402300800n), "mysql").value,
    "10000-01-01 00:00:00.000000",
  );
});

Deno.test("queryParam() durations as intervals (PostgreSQL) and TIME text (MySQL)", () => {
  assertEquals(queryParam(new Duration(93784n, 500_000_000), "postgresql"), {
    kind: "interval",
    value: "1 days 7384.500000 seconds",
  });
  assertEquals(queryParam(new Duration(-1n), "postgresql").value, "-1 days 86399.000000 seconds");
  assertEquals(queryParam(new Duration(93784n, 500_000_000), "mysql").value, "26:03:04.500000");
  assertEquals(queryParam(new Duration(-1n), "mysql").value, "-0:00:01.000000");
});

Deno.test("queryParam() bytes as bytes, other values as Python's str()", () => {
  assertEquals(queryParam(new Uint8Array([0, 255]), "postgresql"), {
    kind: "bytes",
    value: new Uint8Array([0, 255]),
  });
  assertEquals(queryParam([1n, "a"], "postgresql"), { kind: "text", value: "[1, 'a']" });
  assertEquals(queryParam({ a: true }, "mysql"), { kind: "text", value: "{'a': True}" });
});
