// The value classes of the literal type engine: what an executor receives for datetime,
// duration, blob, schema and structured dataset literals, and what it returns for them.
import type { LiteralType } from "../idl/mod.ts";

const NANOS_PER_SECOND = 1_000_000_000;
const ISO_PATTERN =
  /^(\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Splits `seconds`/`nanos` so that `0 <= nanos < 1e9`, keeping the instant. */
function normalize(seconds: bigint | number, nanos: number): [bigint, number] {
  if (typeof seconds === "number") {
    if (!Number.isSafeInteger(seconds)) {
      throw new RangeError(`Cannot use ${seconds} as seconds: not a safe integer`);
    }
    seconds = BigInt(seconds);
  }
  if (!Number.isInteger(nanos)) {
    throw new RangeError(`Cannot use ${nanos} as nanos: not an integer`);
  }
  const carry = Math.floor(nanos / NANOS_PER_SECOND);
  return [seconds + BigInt(carry), nanos - carry * NANOS_PER_SECOND];
}

/**
 * A point in time with nanosecond precision, as `google.protobuf.Timestamp` holds it (the value
 * of a `DATETIME` literal). Always UTC.
 *
 * @example From a date and back
 * ```ts
 * import { Timestamp } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const ts = Timestamp.parse("2024-05-01T12:30:00.123456789Z");
 * assertEquals(ts.nanos, 123_456_789);
 * assertEquals(ts.toISOString(), "2024-05-01T12:30:00.123456Z");
 * assertEquals(Timestamp.fromDate(ts.toDate()).toISOString(), "2024-05-01T12:30:00.123000Z");
 * ```
 */
export class Timestamp {
  /** Seconds since the Unix epoch. */
  readonly seconds: bigint;
  /** Nanoseconds within the second, `0 <= nanos < 1e9`. */
  readonly nanos: number;

  /** Creates a timestamp; `nanos` outside `[0, 1e9)` carries into `seconds`. */
  constructor(seconds: bigint | number, nanos = 0) {
    [this.seconds, this.nanos] = normalize(seconds, nanos);
  }

  /**
   * Creates a timestamp from a `Date` (millisecond precision).
   *
   * @example From a Date
   * ```ts
   * import { Timestamp } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(Timestamp.fromDate(new Date(1500)).nanos, 500_000_000);
   * ```
   */
  static fromDate(date: Date): Timestamp {
    const ms = date.getTime();
    if (Number.isNaN(ms)) throw new RangeError("Cannot convert an invalid Date to a timestamp");
    const seconds = Math.floor(ms / 1000);
    return new Timestamp(seconds, (ms - seconds * 1000) * 1_000_000);
  }

  /**
   * Parses an ISO 8601 date or date-time with up to nanosecond digits; a value without a zone
   * is read as UTC, as in flytekit's containers.
   *
   * @throws {SyntaxError} When the text is not an ISO 8601 date-time.
   * @example Parse with an offset
   * ```ts
   * import { Timestamp } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(
   *   Timestamp.parse("2024-01-01T02:00:00+02:00").toISOString(),
   *   "2024-01-01T00:00:00.000000Z",
   * );
   * ```
   */
  static parse(text: string): Timestamp {
    const m = ISO_PATTERN.exec(text.trim());
    if (!m) throw new SyntaxError(`Cannot parse "${text}" as a date-time: not ISO 8601`);
    const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone = "Z"] = m;
    // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
    const date = new Date(0);
    date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
    date.setUTCHours(Number(h), Number(mi), Number(s));
    const ms = date.getTime();
    // As Python's datetime: years 1-9999, no hour 24, minute 60 or leap second.
    if (
      Number.isNaN(ms) || Number(y) < 1 || date.getUTCFullYear() !== Number(y) ||
      date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) ||
      Number(h) > 23 || Number(mi) > 59 || Number(s) > 59
    ) {
      throw new SyntaxError(`Cannot parse "${text}" as a date-time: no such date`);
    }
    let offset = 0;
    if (zone.toUpperCase() !== "Z") {
      const digits = zone.replace(":", "");
      const sign = digits[0] === "-" ? -1 : 1;
      offset = sign * (Number(digits.slice(1, 3)) * 3600 + Number(digits.slice(3, 5)) * 60);
    }
    return new Timestamp(ms / 1000 - offset, Number(frac.padEnd(9, "0")));
  }

  /**
   * Returns a `Date` (millisecond precision: finer digits are dropped).
   *
   * @example To a Date
   * ```ts
   * import { Timestamp } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(new Timestamp(1n, 2_500_000).toDate().getTime(), 1002);
   * ```
   */
  toDate(): Date {
    return new Date(Number(this.seconds) * 1000 + Math.floor(this.nanos / 1_000_000));
  }

  /**
   * Formats as ISO 8601 in UTC with microsecond precision, as flytekit prints datetimes.
   *
   * @example Microseconds
   * ```ts
   * import { Timestamp } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(new Timestamp(0n, 1_000).toISOString(), "1970-01-01T00:00:00.000001Z");
   * ```
   */
  toISOString(): string {
    const base = new Date(Number(this.seconds) * 1000).toISOString().slice(0, -5);
    return `${base}.${String(Math.floor(this.nanos / 1000)).padStart(6, "0")}Z`;
  }

  /** The ISO form, so that `JSON.stringify` writes a readable value. */
  toJSON(): string {
    return this.toISOString();
  }

  /** The ISO form. */
  toString(): string {
    return this.toISOString();
  }
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

/** `"1.5"` of a unit, in nanoseconds (digits beyond a nanosecond are dropped). */
function decimalNanos(number: string, unit: bigint): bigint {
  const [whole, fraction = ""] = number.split(".");
  const scale = 10n ** BigInt(fraction.length);
  return BigInt(whole) * unit + (fraction ? BigInt(fraction) * unit / scale : 0n);
}

/**
 * A signed span of time with nanosecond precision, as `google.protobuf.Duration` holds it (the
 * value of a `DURATION` literal).
 *
 * @example Milliseconds in and out
 * ```ts
 * import { Duration } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const d = Duration.fromMilliseconds(-1500);
 * assertEquals([d.seconds, d.nanos], [-1n, -500_000_000]);
 * assertEquals(d.toMilliseconds(), -1500);
 * ```
 */
export class Duration {
  /** Whole seconds. */
  readonly seconds: bigint;
  /** Nanoseconds, with the same sign as `seconds` (as protobuf requires), `|nanos| < 1e9`. */
  readonly nanos: number;

  /** Creates a duration; nanos beyond a second carry into `seconds`. */
  constructor(seconds: bigint | number, nanos = 0) {
    let [s, n] = normalize(seconds, nanos);
    if (s < 0n && n > 0) {
      s += 1n;
      n -= NANOS_PER_SECOND;
    }
    this.seconds = s;
    this.nanos = n;
  }

  /**
   * Parses a duration from text: units in sequence (`"90s"`, `"15m"`, `"1h30m"`, `"250ms"`,
   * `"1.5h"`; units `d`, `h`, `m`, `s`, `ms`, `us`, `ns`), a plain number of seconds (`"90"`),
   * or ISO 8601 (`"PT1H30M"`, as `toString` writes it); a leading `-` negates.
   *
   * @throws {SyntaxError} When the text is none of these.
   * @example Units in sequence
   * ```ts
   * import { Duration } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(Duration.parse("1h30m").seconds, 5400n);
   * assertEquals(Duration.parse("PT1.5S").nanos, 500_000_000);
   * assertEquals(Duration.parse("90").seconds, 90n);
   * ```
   */
  static parse(text: string): Duration {
    const trimmed = text.trim();
    const negative = trimmed.startsWith("-");
    const body = negative ? trimmed.slice(1) : trimmed;
    let nanos: bigint | undefined;
    if (/^\d+(\.\d+)?$/.test(body)) nanos = decimalNanos(body, UNIT_NANOS.s);
    else if (/^(\d+(\.\d+)?(ns|us|ms|d|h|m|s))+$/.test(body)) {
      nanos = 0n;
      for (const [, number, unit] of body.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|d|h|m|s)/g)) {
        nanos += decimalNanos(number, UNIT_NANOS[unit]);
      }
    } else {
      const iso =
        /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i
          .exec(body);
      if (iso && body.length > 1 && !/T$/i.test(body)) {
        nanos = [UNIT_NANOS.d, UNIT_NANOS.h, UNIT_NANOS.m, UNIT_NANOS.s].reduce(
          (sum, unit, i) => sum + (iso[i + 1] ? decimalNanos(iso[i + 1], unit) : 0n),
          0n,
        );
      }
    }
    if (nanos === undefined) {
      throw new SyntaxError(
        `Cannot parse "${text}" as a duration: use units such as "90s", "15m" or "1h30m"`,
      );
    }
    if (negative) nanos = -nanos;
    const seconds = nanos / 1_000_000_000n;
    return new Duration(seconds, Number(nanos - seconds * 1_000_000_000n));
  }

  /**
   * Creates a duration from milliseconds (fractions keep up to nanosecond precision).
   *
   * @example Fractional milliseconds
   * ```ts
   * import { Duration } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(Duration.fromMilliseconds(2.5).nanos, 2_500_000);
   * ```
   */
  static fromMilliseconds(ms: number): Duration {
    if (!Number.isFinite(ms)) throw new RangeError(`Cannot use ${ms} as a duration`);
    const seconds = Math.trunc(ms / 1000);
    return new Duration(seconds, Math.round((ms - seconds * 1000) * 1_000_000));
  }

  /**
   * Returns the duration in milliseconds, as a number.
   *
   * @example To milliseconds
   * ```ts
   * import { Duration } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(new Duration(90n).toMilliseconds(), 90_000);
   * ```
   */
  toMilliseconds(): number {
    return Number(this.seconds) * 1000 + this.nanos / 1_000_000;
  }

  /** ISO 8601 form, e.g. `PT1.5S`. */
  toString(): string {
    const negative = this.seconds < 0n || this.nanos < 0;
    const s = negative ? -this.seconds : this.seconds;
    const n = Math.abs(this.nanos);
    const frac = n === 0 ? "" : `.${String(n).padStart(9, "0").replace(/0+$/, "")}`;
    return `${negative ? "-" : ""}PT${s}${frac}S`;
  }

  /** The ISO form, so that `JSON.stringify` writes a readable value. */
  toJSON(): string {
    return this.toString();
  }
}

/** Options of {@linkcode FlyteFile.fromLocal} and {@linkcode FlyteDirectory.fromLocal}. */
export interface FromLocalOptions {
  /** Blob format written to the literal (e.g. `csv`). @default "" */
  format?: string;
}

/** What a file or folder reference holds. */
export interface BlobInit {
  /** Where the data is (`s3://...`, `file://...`, a local path before upload). */
  uri: string;
  /** Blob format, `""` when unspecified. @default "" */
  format?: string;
  /** A local file or folder that the engine uploads when it writes the value as a literal. */
  localPath?: string;
}

/**
 * A single-file blob (`blob` literal, `SINGLE` dimensionality). Read it with
 * `storage.download(file.uri, localPath)`; return `FlyteFile.fromLocal(path)` to upload a local
 * file under the raw output prefix.
 *
 * @example A reference and a local file to upload
 * ```ts
 * import { FlyteFile } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new FlyteFile({ uri: "s3://b/k.csv", format: "csv" }).format, "csv");
 * assertEquals(FlyteFile.fromLocal("/tmp/out.csv").localPath, "/tmp/out.csv");
 * ```
 *
 * @example A file that is already in storage
 * ```ts
 * import { type BlobInit, FlyteFile, toLiteral, Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const init: BlobInit = { uri: "s3://bucket/report.csv", format: "csv" };
 * const literal = await toLiteral(new FlyteFile(init), Types.file("csv"));
 * assertEquals(literal.scalar?.blob?.uri, "s3://bucket/report.csv");
 * ```
 */
export class FlyteFile {
  /** Where the file is. */
  readonly uri: string;
  /** Blob format, `""` when unspecified. */
  readonly format: string;
  /** The local path to upload when the value is written as a literal, if any. */
  readonly localPath?: string;

  /** Creates a reference to an existing file. */
  constructor(init: BlobInit) {
    this.uri = init.uri;
    this.format = init.format ?? "";
    if (init.localPath !== undefined) this.localPath = init.localPath;
  }

  /**
   * A local file that the engine uploads to `<raw output prefix>/<32 hex>/<file name>`.
   *
   * @example A local file with a format
   * ```ts
   * import { FlyteFile } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(FlyteFile.fromLocal("a.txt", { format: "txt" }).format, "txt");
   * ```
   */
  static fromLocal(path: string, options: FromLocalOptions = {}): FlyteFile {
    return new FlyteFile({ uri: path, format: options.format, localPath: path });
  }
}

/**
 * A multipart blob: a folder (`blob` literal, `MULTIPART` dimensionality). Read it with
 * `storage.downloadDir(dir.uri, localDir)`; return `FlyteDirectory.fromLocal(dir)` to upload a
 * local folder under the raw output prefix.
 *
 * @example A folder reference
 * ```ts
 * import { FlyteDirectory } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new FlyteDirectory({ uri: "s3://b/dir" }).format, "");
 * ```
 *
 * @example A local folder of CSV files
 * ```ts
 * import {
 *   FlyteDirectory,
 *   type FromLocalOptions,
 *   toLiteral,
 *   Types,
 * } from "@flyteshim/flyteshim/types";
 * import { createStorage } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/part-0.csv`, "a\n");
 * const options: FromLocalOptions = { format: "csv" };
 * const [storage, rawOutputPrefix] = [createStorage(), await Deno.makeTempDir()];
 * const literal = await toLiteral(FlyteDirectory.fromLocal(dir, options), Types.directory(), {
 *   storage,
 *   rawOutputPrefix,
 * });
 * assertEquals(literal.scalar?.blob?.metadata?.type?.format, "csv");
 * await Deno.remove(rawOutputPrefix, { recursive: true });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FlyteDirectory {
  /** Where the folder is. */
  readonly uri: string;
  /** Blob format, `""` when unspecified. */
  readonly format: string;
  /** The local folder to upload when the value is written as a literal, if any. */
  readonly localPath?: string;

  /** Creates a reference to an existing folder. */
  constructor(init: BlobInit) {
    this.uri = init.uri;
    this.format = init.format ?? "";
    if (init.localPath !== undefined) this.localPath = init.localPath;
  }

  /**
   * A local folder that the engine uploads to `<raw output prefix>/<32 hex>/<folder name>`.
   *
   * @example A local folder
   * ```ts
   * import { FlyteDirectory } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * assertEquals(FlyteDirectory.fromLocal("/tmp/out").localPath, "/tmp/out");
   * ```
   */
  static fromLocal(path: string, options: FromLocalOptions = {}): FlyteDirectory {
    return new FlyteDirectory({ uri: path, format: options.format, localPath: path });
  }
}

/** One column of a dataset: its name and literal type. */
export interface DatasetColumn {
  /** Column name. */
  name: string;
  /** Column type, e.g. `{ simple: SimpleType.INTEGER }`. */
  type: LiteralType;
}

/** What a {@linkcode StructuredDataset} holds. */
export interface StructuredDatasetInit {
  /** The folder (or file) holding the data, e.g. `<raw>/<32 hex>` with parquet at `00000`. */
  uri: string;
  /** Storage format. @default "parquet" */
  format?: string;
  /** Column names and types, when known. @default [] */
  columns?: DatasetColumn[];
}

/**
 * A structured dataset (or legacy schema) reference: where the data is, its format and its
 * columns. An executor writes the data itself (e.g. parquet at `<ctx.newRawOutputUri()>/00000`)
 * and returns `new StructuredDataset({ uri, format: "parquet", columns })`.
 *
 * @example A dataset reference
 * ```ts
 * import { StructuredDataset } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const sd = new StructuredDataset({ uri: "s3://b/raw/0f" });
 * assertEquals([sd.format, sd.columns], ["parquet", []]);
 * ```
 *
 * @example A dataset an executor wrote
 * ```ts
 * import {
 *   StructuredDataset,
 *   type StructuredDatasetInit,
 *   toLiteral,
 *   Types,
 * } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const init: StructuredDatasetInit = {
 *   uri: "s3://bucket/raw/0f1e",
 *   columns: [{ name: "id", type: { simple: 1 } }],
 * };
 * const literal = await toLiteral(new StructuredDataset(init), Types.structuredDataset());
 * const written = literal.scalar?.structuredDataset;
 * assertEquals([written?.uri, written?.metadata?.structuredDatasetType?.format], [
 *   init.uri,
 *   "parquet",
 * ]);
 * ```
 */
export class StructuredDataset<R extends Record<string, unknown> = Record<string, unknown>> {
  /**
   * Phantom field carrying the row type (from the columns a dataset type declares), which
   * `readDataset` returns; never set.
   */
  declare readonly __row?: R;
  /** Where the data is. */
  readonly uri: string;
  /** Storage format, e.g. `parquet`. */
  readonly format: string;
  /** Column names and types (empty when not declared). */
  readonly columns: DatasetColumn[];

  /** Creates a dataset reference. */
  constructor(init: StructuredDatasetInit) {
    this.uri = init.uri;
    this.format = init.format ?? "parquet";
    this.columns = init.columns ?? [];
  }
}
