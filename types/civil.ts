/**
 * Proleptic Gregorian calendar arithmetic on exact integers, for date and time values that must
 * not pass through JavaScript's `Date` (which has millisecond precision, a ±275,760-year range and
 * reads some texts in the local time zone). Year 0 is 1 BC, as in ISO 8601.
 *
 * @example Days and civil dates
 * ```ts
 * import { civilFromDays, daysFromCivil } from "./civil.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(daysFromCivil(1970, 1, 2), 1n);
 * assertEquals(civilFromDays(-719528n), { year: 0, month: 1, day: 1 });
 * ```
 *
 * @module
 */

/** A calendar date. */
export interface CivilDate {
  /** Astronomical year: 0 is 1 BC, -1 is 2 BC. */
  year: number;
  /** 1 to 12. */
  month: number;
  /** 1 to 31. */
  day: number;
}

const DAYS_PER_ERA = 146_097n; // 400 years
const EPOCH_SHIFT = 719_468n; // days from 0000-03-01 to 1970-01-01

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/**
 * Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm, on bigints).
 *
 * @example Leap day and 1 BC
 * ```ts
 * import { daysFromCivil } from "./civil.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(daysFromCivil(2024, 2, 29), 19782n);
 * assertEquals(daysFromCivil(0, 1, 1), -719528n);
 * ```
 */
export function daysFromCivil(year: number | bigint, month: number, day: number): bigint {
  const y = BigInt(year) - (month <= 2 ? 1n : 0n);
  const era = floorDiv(y, 400n);
  const yoe = y - era * 400n;
  const m = BigInt(month);
  const doy = (153n * (m > 2n ? m - 3n : m + 9n) + 2n) / 5n + BigInt(day) - 1n;
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

/**
 * The civil date of a day count since 1970-01-01.
 *
 * @example Year 10000
 * ```ts
 * import { civilFromDays } from "./civil.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(civilFromDays(2932897n), { year: 10000, month: 1, day: 1 });
 * ```
 */
export function civilFromDays(days: bigint): CivilDate {
  const z = days + EPOCH_SHIFT;
  const era = floorDiv(z, DAYS_PER_ERA);
  const doe = z - era * DAYS_PER_ERA;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = doy - (153n * mp + 2n) / 5n + 1n;
  const month = mp < 10n ? mp + 3n : mp - 9n;
  const year = yoe + era * 400n + (month <= 2n ? 1n : 0n);
  return { year: Number(year), month: Number(month), day: Number(day) };
}

/** The parts of a count of microseconds since 1970-01-01 00:00:00. */
export interface CivilDateTime extends CivilDate {
  /** 0 to 23. */
  hour: number;
  /** 0 to 59. */
  minute: number;
  /** 0 to 59. */
  second: number;
  /** 0 to 999999. */
  micro: number;
}

const DAY_US = 86_400_000_000n;

/**
 * Microseconds of a span or instant held as `seconds` and `nanos` (a `Timestamp` or `Duration`),
 * nanoseconds truncated toward zero.
 *
 * @example A negative duration
 * ```ts
 * import { toMicros } from "./civil.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(toMicros({ seconds: -1n, nanos: -500_999 }), -1_000_500n);
 * ```
 */
export function toMicros(value: { seconds: bigint; nanos: number }): bigint {
  return value.seconds * 1_000_000n + BigInt(Math.trunc(value.nanos / 1000));
}

/**
 * Whole days (rounded down) and the microseconds left, `0 <= rest < 86400000000`, of a count of
 * microseconds: how Python's `timedelta` normalizes itself.
 *
 * @example One microsecond before zero
 * ```ts
 * import { splitDays } from "./civil.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(splitDays(-1n), { days: -1n, rest: 86_399_999_999n });
 * ```
 */
export function splitDays(micros: bigint): { days: bigint; rest: bigint } {
  const days = floorDiv(micros, DAY_US);
  return { days, rest: micros - days * DAY_US };
}

/**
 * The civil date and time of a count of microseconds since 1970-01-01 00:00:00 (negative
 * before it).
 *
 * @example Just before the epoch
 * ```ts
 * import { civilFromMicros } from "./civil.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(civilFromMicros(-1n), {
 *   year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59, micro: 999999,
 * });
 * ```
 */
export function civilFromMicros(micros: bigint): CivilDateTime {
  const { days, rest } = splitDays(micros);
  const seconds = rest / 1_000_000n;
  return {
    ...civilFromDays(days),
    hour: Number(seconds / 3600n),
    minute: Number((seconds / 60n) % 60n),
    second: Number(seconds % 60n),
    micro: Number(rest % 1_000_000n),
  };
}
