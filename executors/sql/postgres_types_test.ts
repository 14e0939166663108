import { assertEquals, assertThrows } from "@std/assert";
import {
  decodeDate,
  decodeTime,
  decodeTimestamp,
  postgresClientTypes,
  postgresType,
} from "./postgres_types.ts";

Deno.test("postgresType() the mapped OIDs and their kinds", () => {
  const kinds = Object.fromEntries(
    [16, 17, 20, 21, 23, 25, 26, 114, 700, 701, 1042, 1043, 1082, 1114, 1184, 1700, 2950, 3802]
      .map((oid) => [postgresType(oid).name, postgresType(oid).kind]),
  );
  assertEquals(kinds, {
    bool: "boolean",
    bytea: "bytes",
    int8: "int64",
    int2: "int32",
    int4: "int32",
    text: "string",
    oid: "int64",
    json: "string",
    float4: "float32",
    float8: "float64",
    bpchar: "string",
    varchar: "string",
    date: "date",
    timestamp: "timestamp",
    timestamptz: "timestamptz",
    numeric: "float64",
    uuid: "string",
    jsonb: "string",
  });
  assertEquals(postgresType(1186), {
    name: "oid 1186",
    kind: "string",
    decode: postgresType(1186).decode,
  });
});

Deno.test("postgresType() text forms of the server", () => {
  assertEquals(postgresType(16).decode("t"), true);
  assertEquals(postgresType(17).decode("\\x00ff"), new Uint8Array([0, 255]));
  assertEquals(postgresType(20).decode("-9223372036854775808"), -9223372036854775808n);
  assertEquals(postgresType(1700).decode("12345678.91"), 12345678.91);
  assertEquals(Number.isNaN(postgresType(1700).decode("NaN")), true);
  assertEquals(postgresType(701).decode("-Infinity"), -Infinity);
  assertEquals(decodeDate("2024-02-29"), 19782);
  assertEquals(decodeDate("infinity"), 2147483647);
  assertEquals(decodeTimestamp("2024-01-02 03:04:05.123456"), 1704164645123456n);
  assertEquals(decodeTimestamp("2024-01-02 03:04:05.1+05:30"), 1704144845100000n);
  assertEquals(decodeTimestamp("1969-12-31 23:59:59.999999"), -1n);
  // 44 BC is astronomical year -43.
  assertEquals(
    decodeTimestamp("0044-03-15 12:00:00+00 BC"),
    BigInt(Date.UTC(-43, 2, 15, 12)) * 1000n,
  );
  assertEquals(decodeDate("0001-01-01"), -719162);
  assertEquals(decodeTimestamp("10000-01-01 00:00:00"), 253402300800000000n);
  assertEquals(decodeTimestamp("-infinity"), -9223372036854775807n);
  assertThrows(() => decodeTimestamp("Jan 1 2024"), SyntaxError);
});

Deno.test("postgresClientTypes() one per mapped OID, parameters pass as their text", () => {
  const types = postgresClientTypes();
  assertEquals(types.flyteshim_timestamptz.from, [1184]);
  // The client's own serializers would read this through Date, JSON.stringify it, or map it to
  // 'f'; here each passes the bound text through unchanged.
  for (const name of ["timestamptz", "timestamp", "date", "jsonb", "json", "bool", "unknown"]) {
    assertEquals(
      types[`flyteshim_${name}`].serialize("2024-01-02 03:04:05.123456"),
      "2024-01-02 03:04:05.123456",
    );
  }
});

Deno.test("decodeTime() microseconds since midnight", () => {
  assertEquals(decodeTime("23:59:59.999999"), 86_399_999_999n);
  assertEquals(decodeTime("24:00:00"), 86_400_000_000n);
  assertEquals(decodeTime("12:00:00.5"), 43_200_500_000n);
});
