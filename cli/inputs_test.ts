import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../errors.ts";
import { Types } from "../types/descriptors.ts";
import type { Duration, StructuredDataset, Timestamp } from "../types/values.ts";
import { inputFromJson, inputFromText, typeLabel } from "./inputs.ts";

const t = (d: { literalType: object }) => d.literalType;

Deno.test("inputFromText() flag text is parsed by the declared type", () => {
  assertEquals(inputFromText("10", t(Types.integer), "n"), 10n);
  assertEquals(inputFromText("9007199254740993", t(Types.integer), "n"), 9007199254740993n);
  assertEquals(inputFromText("-2.5", t(Types.float), "x"), -2.5);
  assertEquals(inputFromText("no", t(Types.boolean), "b"), false);
  assertEquals(inputFromText("TRUE", t(Types.boolean), "b"), true);
  assertEquals(inputFromText("10 x", t(Types.string), "s"), "10 x");
  assertEquals(
    (inputFromText("2024-01-02T03:04:05Z", t(Types.datetime), "d") as Timestamp).toISOString(),
    "2024-01-02T03:04:05.000000Z",
  );
  assertEquals((inputFromText("15m", t(Types.duration), "w") as Duration).seconds, 900n);
  assertEquals((inputFromText("1.5", t(Types.duration), "w") as Duration).nanos, 500_000_000);
  assertEquals((inputFromText("1h30m", t(Types.duration), "w") as Duration).seconds, 5400n);
  assertEquals((inputFromText("PT2M", t(Types.duration), "w") as Duration).seconds, 120n);
  assertThrows(() => inputFromText("1x", t(Types.duration), "w"), UserError, '"1h30m"');
  assertEquals(inputFromText("[1, 2]", t(Types.list(Types.integer)), "l"), [1n, 2n]);
  assertEquals(inputFromText('{"a": 0.5}', t(Types.map(Types.float)), "m"), { a: 0.5 });
  assertEquals(inputFromText('{"k": [1]}', t(Types.struct()), "s"), { k: [1] });
  assertEquals(inputFromText("fast", t(Types.enum(["fast", "slow"])), "e"), "fast");
  assertEquals(inputFromText("data.csv", t(Types.file("csv")), "f"), "data.csv");
  const ds = inputFromText("s3://b/k", t(Types.structuredDataset()), "d") as StructuredDataset;
  assertEquals([ds.uri, ds.format], ["s3://b/k", "parquet"]);
  assertEquals(inputFromText("null", t(Types.optional(Types.integer)), "o"), null);
  assertEquals(inputFromText("null", t(Types.optional(Types.string)), "o"), null);
  assertEquals(inputFromText("null", t(Types.none), "z"), null);
  assertEquals(inputFromText("none", t(Types.optional(Types.string)), "o"), "none");
  assertEquals(inputFromText("", t(Types.optional(Types.string)), "o"), "");
  assertThrows(() => inputFromText("none", t(Types.optional(Types.integer)), "o"));
  assertEquals(inputFromText("7", t(Types.optional(Types.integer)), "o"), 7n);
});

Deno.test("inputFromJson() inputs-file JSON values are converted by the declared type", () => {
  assertEquals(inputFromJson(5, t(Types.integer), "n"), 5n);
  assertEquals(inputFromJson("12345678901234567890", t(Types.integer), "n"), 12345678901234567890n);
  assertEquals(inputFromJson(3, t(Types.float), "x"), 3);
  assertEquals(inputFromJson(null, t(Types.none), "z"), null);
  assertEquals((inputFromJson(90, t(Types.duration), "w") as Duration).seconds, 90n);
  assertEquals(inputFromJson({ a: [1] }, t(Types.map(Types.list(Types.integer))), "m"), {
    a: [1n],
  });
  assertEquals(inputFromJson("x", t(Types.union(Types.integer, Types.string)), "u"), "x");
});

Deno.test("inputFromText() a bad value names the input, the expected type and what was found", () => {
  const cases: [() => unknown, string][] = [
    [
      () => inputFromText("ten", t(Types.integer), "limit"),
      'Cannot parse input "limit": expected an integer, found "ten"',
    ],
    [() => inputFromJson(1.5, t(Types.integer), "limit"), "expected an integer, found 1.5"],
    [() => inputFromText("x", t(Types.float), "r"), 'expected a number, found "x"'],
    [() => inputFromText("maybe", t(Types.boolean), "b"), "expected true or false"],
    [() => inputFromText("yesterday", t(Types.datetime), "d"), "ISO 8601"],
    [() => inputFromText("soon", t(Types.duration), "w"), '"90s"'],
    [
      () => inputFromText("[1,", t(Types.list(Types.integer)), "l"),
      "expected JSON (list of integer)",
    ],
    [() => inputFromText('["a"]', t(Types.list(Types.integer)), "l"), 'Cannot parse input "l[0]"'],
    [
      () => inputFromText("medium", t(Types.enum(["fast", "slow"])), "e"),
      "expected one of fast, slow",
    ],
    [() => inputFromJson(1, t(Types.string), "s"), "expected a string, found 1"],
    [() => inputFromJson([], t(Types.struct()), "s"), "expected a JSON object"],
  ];
  for (const [fn, message] of cases) {
    const error = assertThrows(fn, UserError);
    assertEquals(error.code, "USER:InvalidInput");
    assertEquals(error.message.includes(message), true, `${error.message} lacks ${message}`);
  }
});

Deno.test("typeLabel() types are described in words for help and errors", () => {
  assertEquals(typeLabel(t(Types.list(Types.map(Types.boolean)))), "list of map of boolean");
  assertEquals(typeLabel(t(Types.optional(Types.string))), "string or none");
  assertEquals(typeLabel(t(Types.directory())), "directory");
  assertEquals(typeLabel(undefined), "any");
});

Deno.test("inputFromText() relative file, folder and dataset paths are taken from the given folder", () => {
  const cwd = { cwd: "/home/me/project/" };
  assertEquals(
    inputFromText("data/a.csv", t(Types.file()), "f", cwd),
    "/home/me/project/data/a.csv",
  );
  assertEquals(inputFromText("/abs/a.csv", t(Types.file()), "f", cwd), "/abs/a.csv");
  assertEquals(inputFromText("s3://b/k", t(Types.directory()), "d", cwd), "s3://b/k");
  const ds = inputFromJson("out", t(Types.structuredDataset()), "d", cwd) as StructuredDataset;
  assertEquals(ds.uri, "/home/me/project/out");
  assertEquals(inputFromText('["x"]', t(Types.list(Types.file())), "l", cwd), [
    "/home/me/project/x",
  ]);
});
