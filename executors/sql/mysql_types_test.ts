import { assertEquals } from "@std/assert";
import { mysqlType } from "./mysql_types.ts";

Deno.test("mysqlType() kinds by protocol type, flags and charset", () => {
  const kind = (columnType: number, flags = 0, characterSet = 45) =>
    mysqlType({ name: "c", columnType, flags, characterSet }).kind;
  assertEquals(
    [kind(1), kind(2), kind(9), kind(3), kind(3, 32), kind(8), kind(13)],
    ["int32", "int32", "int32", "int32", "int64", "int64", "int32"],
  );
  assertEquals([kind(4), kind(5), kind(246)], ["float32", "float64", "float64"]);
  assertEquals([kind(10), kind(12), kind(7)], ["date", "timestamp", "timestamptz"]);
  assertEquals([kind(253), kind(252), kind(253, 128, 63), kind(252, 144, 63), kind(16)], [
    "string",
    "string",
    "bytes",
    "bytes",
    "bytes",
  ]);
  assertEquals([kind(245), kind(247), kind(11)], ["string", "string", "string"]);
  assertEquals(mysqlType({ name: "b", columnType: 253, characterSet: 63 }).name, "VARBINARY");
  assertEquals(mysqlType({ name: "u", columnType: 8, flags: 32 }).name, "BIGINT UNSIGNED");
});

Deno.test("mysqlType() value conversions", () => {
  const decode = (columnType: number, value: unknown, characterSet = 45) =>
    mysqlType({ name: "c", columnType, characterSet }).decode(value);
  assertEquals(decode(8, "9223372036854775807"), 9223372036854775807n);
  assertEquals(decode(246, "12.50"), 12.5);
  assertEquals(decode(10, "2024-02-29"), 19782);
  assertEquals(decode(10, "0000-00-00"), null);
  assertEquals(decode(12, "2024-01-02 03:04:05.123456"), 1704164645123456n);
  assertEquals(decode(12, "0000-00-00 00:00:00"), null);
  assertEquals(decode(12, "2024-01-02 03:04:05"), 1704164645000000n);
  assertEquals(decode(12, "2024-01-02 03:04:05.5"), 1704164645500000n);
  assertEquals(decode(12, "2024-01-02 03:04:05.123"), 1704164645123000n);
  assertEquals(decode(7, "1969-12-31 23:59:59.999999"), -1n);
  assertEquals(decode(12, "9999-12-31 23:59:59.999999"), 253402300799999999n);
  assertEquals(decode(12, "0001-01-01 00:00:00"), -62135596800000000n);
  assertEquals(decode(10, "2024-01-02"), 19724);
  assertEquals(decode(10, "2024-01-03"), 19725);
  assertEquals(decode(12, "2024-01-02 23:00:00"), 1704236400000000n);
  assertEquals(decode(252, new Uint8Array([104, 105])), "hi");
  assertEquals(decode(252, new Uint8Array([1, 2]), 63), new Uint8Array([1, 2]));
});
