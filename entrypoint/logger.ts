// One JSON line per event: debug and info to stdout, warn and error to stderr. Every line passes
// through a redactor that removes the secret values looked up during the run.
import type { Logger } from "../executors/mod.ts";
import type { LogLevel } from "./config.ts";

/**
 * Removes known secret values from text.
 *
 * @example Redact the run's log lines
 * ```ts
 * import { createLogger, createRedactor, type Redactor } from "./logger.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const redactor: Redactor = createRedactor();
 * redactor.add("s3cret");
 * const lines: string[] = [];
 * createLogger({ redactor, write: (_level, line) => lines.push(line) }).info("Connecting", {
 *   password: "s3cret",
 * });
 * assertEquals(JSON.parse(lines[0]).password, "***");
 * ```
 */
export interface Redactor {
  /** Registers a value to hide. */
  add(value: string): void;
  /** Replaces every registered value with `***`. */
  redact(text: string): string;
}

/**
 * Creates an empty {@linkcode Redactor}.
 *
 * @example Hide a secret
 * ```ts
 * import { createRedactor } from "./logger.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const redactor = createRedactor();
 * redactor.add("hunter2");
 * assertEquals(redactor.redact("password=hunter2"), "password=***");
 * ```
 */
export function createRedactor(): Redactor {
  const values = new Set<string>();
  return {
    add(value) {
      if (!value) return;
      values.add(value);
      // Also as it appears inside a JSON string.
      values.add(JSON.stringify(value).slice(1, -1));
    },
    redact(text) {
      let out = text;
      // Longest first, so that a secret containing another is hidden whole.
      for (const value of [...values].sort((a, b) => b.length - a.length)) {
        out = out.replaceAll(value, "***");
      }
      return out;
    },
  };
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** The lowest level written. @default {"info"} */
  level?: LogLevel;
  /** Hides secret values. */
  redactor?: Redactor;
  /** Fields added to every line (for example the executor id). */
  fields?: Record<string, unknown>;
  /** Writes one line; by default debug/info go to stdout and warn/error to stderr. */
  write?: (level: LogLevel, line: string) => void;
  /** The clock. @default {() => new Date()} */
  now?: () => Date;
}

const encoder = new TextEncoder();

function defaultWrite(level: LogLevel, line: string): void {
  const bytes = encoder.encode(line + "\n");
  try {
    if (level === "warn" || level === "error") Deno.stderr.writeSync(bytes);
    else Deno.stdout.writeSync(bytes);
  } catch {
    // A closed stdout/stderr must never fail the task.
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return value;
}

/**
 * Creates the run's logger: one JSON object per line (`time`, `level`, `message`, fields).
 *
 * @example Capture lines
 * ```ts
 * import { createLogger } from "./logger.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const lines: string[] = [];
 * const logger = createLogger({
 *   write: (_level, line) => lines.push(line),
 *   now: () => new Date(0),
 * });
 * logger.info("Wrote outputs", { n: 1 });
 * assertEquals(lines, [
 *   '{"time":"1970-01-01T00:00:00.000Z","level":"info","message":"Wrote outputs","n":1}',
 * ]);
 * ```
 *
 * @example Debug lines with a fixed field
 * ```ts
 * import { createLogger, type LoggerOptions } from "./logger.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const lines: string[] = [];
 * const options: LoggerOptions = {
 *   level: "debug",
 *   fields: { executor: "flyteshim.sqlite3" },
 *   write: (_level, line) => lines.push(line),
 * };
 * createLogger(options).debug("Opened database");
 * assertEquals(JSON.parse(lines[0]).executor, "flyteshim.sqlite3");
 * ```
 *
 * @example Only warnings and errors
 * ```ts
 * import { createLogger } from "./logger.ts";
 * import { type LogLevel } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const level: LogLevel = "warn";
 * const lines: string[] = [];
 * const logger = createLogger({ level, write: (_level, line) => lines.push(line) });
 * logger.info("Not written");
 * logger.warn("Written");
 * assertEquals(lines.length, 1);
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const write = options.write ?? defaultWrite;
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    const record: Record<string, unknown> = { time: now().toISOString(), level, message };
    for (const [key, value] of Object.entries({ ...options.fields, ...fields })) {
      // The three fixed keys cannot be overridden by fields.
      if (!(key in record)) record[key] = value;
    }
    let line = JSON.stringify(record, replacer);
    if (options.redactor) line = options.redactor.redact(line);
    write(level, line);
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}
