/**
 * Renders input values as Python's `str()` would, so that flytekit query templates keep their
 * meaning where a value becomes text (inside a quoted SQL string, or as an identifier).
 *
 * @example Values as flytekit renders them
 * ```ts
 * import { pyStr } from "./py_str.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([pyStr(true), pyStr(1), pyStr(1e-5), pyStr(10n)], ["True", "1.0", "1e-05", "10"]);
 * ```
 *
 * @module
 */

import { Duration, Timestamp } from "./values.ts";
import { civilFromMicros, splitDays, toMicros } from "./civil.ts";

/**
 * Python's `repr()` of a float (the shortest round-trip digits; scientific notation below 1e-4
 * and from 1e16 on, with a two-digit exponent at least).
 *
 * @example Floats
 * ```ts
 * import { pyFloat } from "./py_str.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals([pyFloat(2), pyFloat(0.1), pyFloat(1e16), pyFloat(-0)], [
 *   "2.0",
 *   "0.1",
 *   "1e+16",
 *   "-0.0",
 * ]);
 * ```
 */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const sign = value < 0 ? "-" : "";
  // toExponential() without an argument gives the shortest digits that round-trip.
  const [mantissa, exp] = Math.abs(value).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 16) {
    const frac = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent);
    return `${sign}${frac}e${exponent < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intLen = exponent + 1;
  if (digits.length <= intLen) return `${sign}${digits}${"0".repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

function pad(value: number | bigint, width = 2): string {
  return String(value).padStart(width, "0");
}

/**
 * Python's `str()` of a timezone-aware UTC `datetime`: `2024-01-02 03:04:05+00:00`, with
 * `.ffffff` microseconds when they are not zero (nanoseconds are truncated).
 *
 * @example A datetime
 * ```ts
 * import { pyDatetime } from "./py_str.ts";
 * import { Timestamp } from "./values.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   pyDatetime(Timestamp.parse("2024-01-02T03:04:05.5Z")),
 *   "2024-01-02 03:04:05.500000+00:00",
 * );
 * ```
 */
export function pyDatetime(value: Timestamp): string {
  // Exact integer calendar arithmetic, not Date (milliseconds, limited range).
  const t = civilFromMicros(toMicros(value));
  const base = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${
    pad(t.second)
  }`;
  return `${base}${t.micro ? `.${pad(t.micro, 6)}` : ""}+00:00`;
}

/**
 * Python's `str()` of a `timedelta`: `1 day, 2:03:04`, `-1 day, 23:59:59`, `0:00:00.500000`.
 *
 * @example Timedeltas
 * ```ts
 * import { pyTimedelta } from "./py_str.ts";
 * import { Duration } from "./values.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pyTimedelta(new Duration(93784n)), "1 day, 2:03:04");
 * assertEquals(pyTimedelta(new Duration(-1n)), "-1 day, 23:59:59");
 * ```
 */
export function pyTimedelta(value: Duration): string {
  // Python normalizes to days (any sign), 0 <= seconds < 86400, 0 <= microseconds < 1e6.
  const { days, rest } = splitDays(toMicros(value));
  const micros = rest % 1_000_000n;
  const secs = rest / 1_000_000n;
  const clock = `${secs / 3600n}:${pad((secs / 60n) % 60n)}:${pad(secs % 60n)}${
    micros ? `.${pad(micros, 6)}` : ""
  }`;
  if (days === 0n) return clock;
  return `${days} day${days === 1n || days === -1n ? "" : "s"}, ${clock}`;
}

function pyRepr(value: unknown): string {
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
      .replace(/\t/g, "\\t");
    return `${quote}${quote === "'" ? body.replace(/'/g, "\\'") : body}${quote}`;
  }
  if (value instanceof Timestamp) {
    return `datetime.datetime(${pyDatetime(value)})`;
  }
  return pyStr(value);
}

/**
 * Python's `str()` of an input value, per flyteshim's value model: `None`, `True`/`False`,
 * integers (bigint) in decimal, floats as `repr`, datetimes and timedeltas as Python prints
 * them, lists and dicts as Python prints them, files, folders and datasets as their URI.
 *
 * @example None and lists
 * ```ts
 * import { pyStr } from "./py_str.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(pyStr(null), "None");
 * assertEquals(pyStr([1n, "a"]), "[1, 'a']");
 * ```
 */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "True" : "False";
    case "bigint":
      return value.toString();
    case "number":
      // Floats are numbers in the value model (integers arrive as bigint).
      return pyFloat(value);
  }
  if (value instanceof Timestamp) return pyDatetime(value);
  if (value instanceof Duration) return pyTimedelta(value);
  if (value instanceof Date) return pyDatetime(Timestamp.fromDate(value));
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    const uri = (value as { uri?: unknown }).uri;
    if (typeof uri === "string") return uri;
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
  }
  return String(value);
}
