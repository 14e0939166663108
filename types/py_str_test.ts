import { assertEquals } from "@std/assert";
import { Duration, Timestamp } from "./values.ts";
import { pyDatetime, pyFloat, pyStr, pyTimedelta } from "./py_str.ts";

Deno.test("pyFloat() matches Python's repr", () => {
  // Expected strings from CPython 3.11: repr(float(x)).
  const cases: [number, string][] = [
    [1, "1.0"],
    [0.1, "0.1"],
    [1e-5, "1e-05"],
    [1e-4, "0.0001"],
    [0.0001234, "0.0001234"],
    [123456789012345680000, "1.2345678901234568e+20"],
    [1e16, "1e+16"],
    [9999999999999998, "9999999999999998.0"],
    [1.5e300, "1.5e+300"],
    [5e-324, "5e-324"],
    [2.5, "2.5"],
    [100, "100.0"],
    [-3.25e-7, "-3.25e-07"],
    [NaN, "nan"],
    [-Infinity, "-inf"],
    [-0, "-0.0"],
    [1 / 3, "0.3333333333333333"],
  ];
  for (const [value, expected] of cases) assertEquals(pyFloat(value), expected, String(value));
});

Deno.test("pyDatetime() renders an aware UTC datetime", () => {
  assertEquals(pyDatetime(Timestamp.parse("2024-01-02T03:04:05Z")), "2024-01-02 03:04:05+00:00");
  assertEquals(pyDatetime(new Timestamp(0n, 1500)), "1970-01-01 00:00:00.000001+00:00");
});

Deno.test("pyTimedelta() normalizes like Python's timedelta", () => {
  assertEquals(pyTimedelta(new Duration(93784n)), "1 day, 2:03:04");
  assertEquals(pyTimedelta(new Duration(2n * 86400n)), "2 days, 0:00:00");
  assertEquals(pyTimedelta(new Duration(0n, 500_000_000)), "0:00:00.500000");
  assertEquals(pyTimedelta(new Duration(-1n)), "-1 day, 23:59:59");
  assertEquals(pyTimedelta(new Duration(-3n * 86400n - 1n)), "-4 days, 23:59:59");
});

Deno.test("pyStr() renders every value kind", () => {
  assertEquals(pyStr(null), "None");
  assertEquals(pyStr(true), "True");
  assertEquals(pyStr(false), "False");
  assertEquals(pyStr(2n ** 63n - 1n), "9223372036854775807");
  assertEquals(pyStr("O'Brien"), "O'Brien");
  assertEquals(pyStr(["a", 1n, 2.0, null]), "['a', 1, 2.0, None]");
  assertEquals(pyStr({ k: "it's" }), `{'k': "it's"}`);
  assertEquals(pyStr({ uri: "s3://b/k", format: "csv" }), "s3://b/k");
  assertEquals(pyStr(new Date(Date.UTC(2024, 0, 2))), "2024-01-02 00:00:00+00:00");
});

Deno.test("pyDatetime() exact microseconds before 1970 and at the ends of Python's range", () => {
  assertEquals(
    pyDatetime(Timestamp.parse("1969-12-31T23:59:59.999999Z")),
    "1969-12-31 23:59:59.999999+00:00",
  );
  assertEquals(pyDatetime(Timestamp.parse("0001-01-01T00:00:00Z")), "0001-01-01 00:00:00+00:00");
  assertEquals(
    pyDatetime(Timestamp.parse("9999-12-31T23:59:59.999999Z")),
    "9999-12-31 23:59:59.999999+00:00",
  );
});
