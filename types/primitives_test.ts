import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { fromInt64, type Literal, toInt64 } from "../idl/mod.ts";
import { fromLiteral, toLiteral, Types } from "./mod.ts";
import { Duration, Timestamp } from "./values.ts";

const int = (n: bigint | number): Literal => ({ scalar: { primitive: { integer: toInt64(n) } } });
const float = (x: number): Literal => ({ scalar: { primitive: { floatValue: x } } });
const opts = { name: "x", role: "input" as const };

Deno.test("toLiteral() and fromLiteral() keep integers lossless as int64 bigints", async () => {
  for (const n of [0n, 1n, -1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
    assertEquals(await fromLiteral(int(n), Types.integer), n);
    assertEquals(fromInt64((await toLiteral(n, Types.integer)).scalar!.primitive!.integer), n);
  }
});

Deno.test("toLiteral() takes integers given as numbers only when they are safe integers", async () => {
  assertEquals(await toLiteral(7, Types.integer), int(7));
  await assertRejects(
    () => toLiteral(2 ** 53, Types.integer, opts),
    UserError,
    'Cannot convert input "x": number 9007199254740992 is beyond 2^53 and may have been rounded: pass a bigint',
  );
  await assertRejects(
    () => toLiteral(1.5, Types.integer, opts),
    UserError,
    'Cannot convert input "x": expected INTEGER, found number 1.5',
  );
  await assertRejects(
    () => toLiteral(2n ** 63n, Types.integer, opts),
    UserError,
    "is beyond int64",
  );
});

Deno.test("fromLiteral() reads an integral float literal as INTEGER and refuses a fractional one", async () => {
  assertEquals(await fromLiteral(float(3), Types.integer), 3n);
  await assertRejects(
    () => fromLiteral(float(3.5), Types.integer, opts),
    UserError,
    'Cannot convert input "x": expected INTEGER, found float_value 3.5',
  );
  await assertRejects(
    () => fromLiteral(float(2 ** 60), Types.integer, opts),
    UserError,
    "beyond 2^53",
  );
});

Deno.test("fromLiteral() reads an integer literal as FLOAT, and toLiteral() writes exact bigints as FLOAT", async () => {
  assertEquals(await fromLiteral(int(4), Types.float), 4);
  assertEquals(await fromLiteral(int(2n ** 60n), Types.float), 2 ** 60);
  await assertRejects(
    () => fromLiteral(int(2n ** 53n + 1n), Types.float, opts),
    UserError,
    'Cannot convert input "x": integer 9007199254740993 cannot be held exactly by a float',
  );
  assertEquals(await toLiteral(4n as unknown as number, Types.float), float(4));
  await assertRejects(
    () => toLiteral((2n ** 53n + 1n) as unknown as number, Types.float, opts),
    UserError,
    "cannot be held exactly by a float",
  );
});

Deno.test("toLiteral() and fromLiteral() convert strings, booleans and none", async () => {
  assertEquals(await toLiteral("", Types.string), { scalar: { primitive: { stringValue: "" } } });
  assertEquals(
    await fromLiteral({ scalar: { primitive: { boolean: false } } }, Types.boolean),
    false,
  );
  assertEquals(await toLiteral(undefined, Types.none), { scalar: { noneType: {} } });
  assertEquals(await fromLiteral({ scalar: { noneType: {} } }, Types.none), null);
  await assertRejects(
    () => fromLiteral(int(1), Types.boolean, opts),
    UserError,
    'Cannot convert input "x": expected BOOLEAN, found integer',
  );
  await assertRejects(
    () => toLiteral(0 as unknown as null, Types.none, opts),
    UserError,
    "expected NONE, found number 0",
  );
  await assertRejects(() => fromLiteral({}, Types.string, opts), UserError, "found nothing");
});

Deno.test("toLiteral() accepts Timestamp, Date and ISO strings as datetimes, with microseconds and beyond", async () => {
  const ts = new Timestamp(1_700_000_000n, 123_456_789);
  assertEquals(await fromLiteral(await toLiteral(ts, Types.datetime), Types.datetime), ts);
  const date = new Date("2024-01-01T00:00:00.250Z");
  assertEquals(
    await fromLiteral(await toLiteral(date, Types.datetime), Types.datetime),
    Timestamp.fromDate(date),
  );
  const parsed = await toLiteral("2024-01-01T00:00:00.000001Z" as unknown as Date, Types.datetime);
  assertEquals(parsed.scalar!.primitive!.datetime!.nanos, 1000);
  await assertRejects(
    () => toLiteral(new Date("x"), Types.datetime, opts),
    UserError,
    "the Date is invalid",
  );
  await assertRejects(
    () => toLiteral("soon" as unknown as Date, Types.datetime, opts),
    UserError,
    "expected DATETIME, found a string that is not an ISO 8601 date-time",
  );
});

Deno.test("toLiteral() and fromLiteral() keep the nanoseconds of durations", async () => {
  const d = new Duration(-5n, -1);
  assertEquals(await fromLiteral(await toLiteral(d, Types.duration), Types.duration), d);
  await assertRejects(
    () => toLiteral(5 as unknown as Duration, Types.duration, opts),
    UserError,
    "expected DURATION",
  );
  // Text in Duration.parse's forms, as the command line takes it.
  const literal = await toLiteral("1h30m", Types.duration, opts);
  assertEquals((await fromLiteral(literal, Types.duration)).seconds, 5400n);
  await assertRejects(() => toLiteral("soon", Types.duration, opts), UserError, "not a duration");
});

Deno.test("toLiteral() and fromLiteral() convert BINARY and ERROR scalars", async () => {
  const binary = { simple: 7 };
  const bytes = new Uint8Array([1, 2, 3]);
  assertEquals(await fromLiteral(await toLiteral(bytes, binary), binary), bytes);
  const error = { simple: 8 };
  const value = { failedNodeId: "n0", message: "boom" };
  assertEquals(await fromLiteral(await toLiteral(value, error), error), value);
});
