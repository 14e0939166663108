import { assertEquals, assertThrows } from "@std/assert";
import { Duration, FlyteDirectory, FlyteFile, StructuredDataset, Timestamp } from "./values.ts";

Deno.test("Timestamp() keeps nanoseconds and carries them into seconds", () => {
  const ts = new Timestamp(10n, -1);
  assertEquals([ts.seconds, ts.nanos], [9n, 999_999_999]);
  assertEquals(new Timestamp(0, 2_500_000_000).seconds, 2n);
  assertThrows(() => new Timestamp(1.5), RangeError, "not a safe integer");
  assertThrows(() => new Timestamp(0n, 0.5), RangeError, "not an integer");
});

Deno.test("Timestamp.parse() reads ISO 8601 with zones and up to nine fraction digits", () => {
  assertEquals(
    Timestamp.parse("2024-05-01T12:30:00.123456789Z"),
    new Timestamp(1714566600n, 123_456_789),
  );
  assertEquals(Timestamp.parse("2024-05-01T14:30:00+02:00"), new Timestamp(1714566600n));
  assertEquals(Timestamp.parse("2024-05-01T10:00:00-0230"), new Timestamp(1714566600n));
  assertEquals(Timestamp.parse("2024-05-01 12:30:00,5"), new Timestamp(1714566600n, 500_000_000));
  assertEquals(Timestamp.parse("2024-05-01"), new Timestamp(1714521600n));
  assertEquals(Timestamp.parse("1969-12-31T23:59:59.999999z"), new Timestamp(-1n, 999_999_000));
  assertThrows(
    () => Timestamp.parse("yesterday"),
    SyntaxError,
    'Cannot parse "yesterday" as a date-time',
  );
  assertThrows(() => Timestamp.parse("2024-02-30T00:00:00Z"), SyntaxError, "no such date");
});

Deno.test("Timestamp.parse() keeps years 1 to 99 (Python's datetime.min is 0001-01-01)", () => {
  // Python: int(datetime(1, 1, 1, tzinfo=timezone.utc).timestamp()) == -62135596800
  assertEquals(Timestamp.parse("0001-01-01T00:00:00Z"), new Timestamp(-62135596800n));
  assertEquals(
    Timestamp.parse("0001-01-01T00:00:00Z").toISOString(),
    "0001-01-01T00:00:00.000000Z",
  );
  for (const year of ["0099", "0100", "1999"]) {
    assertEquals(Timestamp.parse(`${year}-06-01T00:00:00Z`).toISOString().slice(0, 4), year);
  }
  // Python: int(datetime(99, 6, 1, tzinfo=timezone.utc).timestamp()) == -59029948800
  assertEquals(Timestamp.parse("0099-06-01").seconds, -59029948800n);
});

Deno.test("Timestamp.toISOString() prints microseconds in UTC, as flytekit", () => {
  assertEquals(
    new Timestamp(1_700_000_000n, 123_456_789).toISOString(),
    "2023-11-14T22:13:20.123456Z",
  );
  assertEquals(new Timestamp(-1n, 500_000_000).toISOString(), "1969-12-31T23:59:59.500000Z");
  assertEquals(JSON.stringify({ t: new Timestamp(0n) }), '{"t":"1970-01-01T00:00:00.000000Z"}');
  assertEquals(String(new Timestamp(0n, 1000)), "1970-01-01T00:00:00.000001Z");
});

Deno.test("Timestamp() converts to and from Date", () => {
  const date = new Date("2024-01-02T03:04:05.678Z");
  assertEquals(Timestamp.fromDate(date).toDate(), date);
  assertEquals(Timestamp.fromDate(new Date(-1)), new Timestamp(-1n, 999_000_000));
  assertThrows(() => Timestamp.fromDate(new Date("nope")), RangeError, "invalid Date");
});

Deno.test("Duration() keeps the sign of seconds and nanos equal, as protobuf requires", () => {
  assertEquals(new Duration(-1n, -500_000_000), new Duration(-2n, 500_000_000));
  const d = new Duration(-2n, 500_000_000);
  assertEquals([d.seconds, d.nanos], [-1n, -500_000_000]);
  const e = new Duration(1n, -1);
  assertEquals([e.seconds, e.nanos], [0n, 999_999_999]);
  const f = new Duration(0n, -5);
  assertEquals([f.seconds, f.nanos], [0n, -5]);
});

Deno.test("Duration() converts milliseconds and prints ISO 8601", () => {
  assertEquals(Duration.fromMilliseconds(1500), new Duration(1n, 500_000_000));
  assertEquals(Duration.fromMilliseconds(-0.001).nanos, -1000);
  assertEquals(new Duration(3600n, 500).toMilliseconds(), 3_600_000.0005);
  assertEquals(new Duration(3600n, 500).toString(), "PT3600.0000005S");
  assertEquals(new Duration(-1n, -500_000_000).toString(), "-PT1.5S");
  assertEquals(JSON.stringify(new Duration(0n)), '"PT0S"');
  assertThrows(() => Duration.fromMilliseconds(Infinity), RangeError);
});

Deno.test("FlyteFile() FlyteFile, FlyteDirectory and StructuredDataset hold references", () => {
  const file = FlyteFile.fromLocal("/tmp/x/report.csv", { format: "csv" });
  assertEquals([file.uri, file.format, file.localPath], [
    "/tmp/x/report.csv",
    "csv",
    "/tmp/x/report.csv",
  ]);
  assertEquals(new FlyteFile({ uri: "s3://b/k" }).localPath, undefined);
  assertEquals(FlyteDirectory.fromLocal("/tmp/out").localPath, "/tmp/out");
  const sd = new StructuredDataset({ uri: "s3://b/sd", format: "csv" });
  assertEquals([sd.uri, sd.format, sd.columns], ["s3://b/sd", "csv", []]);
});

Deno.test("Timestamp.parse() refuses what Python's datetime refuses: year 0, minute 60", () => {
  // Python: datetime.fromisoformat("0000-01-01") -> ValueError: year 0 is out of range;
  // datetime.fromisoformat("2024-01-01T10:60:00") -> ValueError: minute must be in 0..59.
  assertThrows(() => Timestamp.parse("0000-01-01T00:00:00Z"), SyntaxError, "no such date");
  assertThrows(() => Timestamp.parse("2024-01-01T10:60:00Z"), SyntaxError, "no such date");
  assertThrows(() => Timestamp.parse("2024-01-01T24:00:00Z"), SyntaxError, "no such date");
  assertThrows(() => Timestamp.parse("2024-01-01T10:00:60Z"), SyntaxError, "no such date");
});

Deno.test("Duration.parse() reads units in sequence, plain seconds and ISO 8601", () => {
  const of = (text: string) => {
    const d = Duration.parse(text);
    return [d.seconds, d.nanos];
  };
  assertEquals(of("1h30m"), [5400n, 0]);
  assertEquals(of("90s"), [90n, 0]);
  assertEquals(of("250ms"), [0n, 250_000_000]);
  assertEquals(of("1.5h"), [5400n, 0]);
  assertEquals(of("2d"), [172800n, 0]);
  assertEquals(of("1.25"), [1n, 250_000_000]);
  assertEquals(of("-1m30s"), [-90n, 0]);
  assertEquals(of("PT1H30M"), [5400n, 0]);
  assertEquals(of(new Duration(-1n, -500_000_000).toString()), [-1n, -500_000_000]);
  for (const bad of ["", "1x", "h", "P", "PT", "1h 30m", "--1s"]) {
    assertThrows(() => Duration.parse(bad), SyntaxError, "Cannot parse");
  }
});
