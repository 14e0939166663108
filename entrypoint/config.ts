// Configuration from the environment, read in one place: pure functions of an env map.
import { UserError } from "../errors.ts";
import type { ExecutionIdentity, ExecutorLimits } from "../executors/mod.ts";
import {
  attachExecutionMetadataFromEnv,
  executionMetadata,
  type S3Config,
  s3ConfigFromEnv,
} from "../storage/config.ts";
import { secretsOptionsFromEnv } from "../secrets/mod.ts";

/** An environment as a plain map (`Deno.env.toObject()` or a test's own). */
export type Env = Record<string, string | undefined>;

/** How failures are reported: which file, which worker, which exit code. Never fails to read. */
export interface ErrorReporting {
  /** `error.pb`, or `error-<32 hex>.pb` under a distributed error strategy (`_F_DES`). */
  errorFileName: string;
  /** The worker name written to the error document (`_F_WN`, only with `_F_DES`). */
  worker: string;
  /** Exit 1 after writing an error document (`FLYTE_FAIL_ON_ERROR` = `true`, `t` or `1`). */
  failOnError: boolean;
}

/** Literal offloading thresholds, in bytes (`_F_L_MIN_SIZE_MB`, `_F_L_MAX_SIZE_MB`). */
export interface OffloadConfig {
  /** Literals this large or larger go to `<output prefix>/<name>_offloaded_metadata.pb`. */
  minBytes: number;
  /** Literals this large or larger fail the task. */
  maxBytes: number;
}

/** Log verbosity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Everything the runtime reads from the environment. */
export interface RuntimeConfig extends ErrorReporting {
  /** Execution identity (`FLYTE_INTERNAL_*` with the `_F_*` fallbacks, `FLYTE_ATTEMPT_NUMBER`). */
  execution: ExecutionIdentity;
  /** Offloading thresholds; absent when `_F_L_MIN_SIZE_MB` is unset (offloading disabled). */
  offload?: OffloadConfig;
  /** Array task index (`BATCH_JOB_ARRAY_INDEX_VAR_NAME` + `BATCH_JOB_ARRAY_INDEX_OFFSET`). */
  arrayIndex?: number;
  /** Secret lookup settings (`FLYTE_SECRETS_*`). */
  secrets: { envPrefix: string; dirs: readonly string[]; filePrefix: string };
  /** S3 settings (`FLYTE_AWS_*`, `AWS_REGION`). */
  s3: S3Config;
  /** Object metadata for uploads, unless `FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA` is false. */
  storageMetadata?: Record<string, string>;
  /** Log verbosity (`FLYTESHIM_LOG_LEVEL`). @default {"info"} */
  logLevel: LogLevel;
  /**
   * Limits and dataset settings for executors (`FLYTESHIM_MAX_UNPACKED_MB`, `FLYTESHIM_PARQUET_*`).
   */
  limits: ExecutorLimits;
  /**
   * When a second thread answers SIGTERM during a long synchronous step
   * (`FLYTESHIM_ABORT_WATCHDOG`): `auto` for remote output prefixes (a pod), `on`, or `off`.
   */
  abortWatchdog: "auto" | "on" | "off";
}

/** Options of {@linkcode configFromEnv} and {@linkcode errorReportingFromEnv}. */
export interface ConfigOptions {
  /** Produces the random part of `error-<hex>.pb`. @default {crypto.randomUUID without dashes} */
  randomId?: () => string;
}

/** flytekit's `get_one_of`: the first variable that is set (even if empty), else `""`. */
function oneOf(env: Env, ...names: string[]): string {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) return value;
  }
  return "";
}

/**
 * flytekit's `str2bool`: `true`, `t` and `1`, in any case.
 *
 * @example flytekit's str2bool
 * ```ts
 * import { isTruthy } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(["true", "T", "1", "yes"].map(isTruthy), [true, true, true, false]);
 * ```
 */
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ["true", "t", "1"].includes(value.trim().toLowerCase());
}

/**
 * How failures are reported, from the environment. Reads only strings and flags, so it never
 * fails: the runtime calls it first to know where an error document goes.
 *
 * @example A distributed error strategy
 * ```ts
 * import { errorReportingFromEnv } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const reporting = errorReportingFromEnv({ _F_DES: "earliest", _F_WN: "w1" }, {
 *   randomId: () => "ab",
 * });
 * assertEquals(reporting, { errorFileName: "error-ab.pb", worker: "w1", failOnError: false });
 * ```
 *
 * @example Fail on error
 * ```ts
 * import { type ErrorReporting, errorReportingFromEnv } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const reporting: ErrorReporting = errorReportingFromEnv({ FLYTE_FAIL_ON_ERROR: "true" });
 * assertEquals([reporting.errorFileName, reporting.failOnError], ["error.pb", true]);
 * ```
 */
export function errorReportingFromEnv(env: Env, options: ConfigOptions = {}): ErrorReporting {
  const strategy = oneOf(env, "FLYTE_INTERNAL_DIST_ERROR_STRATEGY", "_F_DES");
  const randomId = options.randomId ?? (() => crypto.randomUUID().replaceAll("-", ""));
  return {
    errorFileName: strategy ? `error-${randomId()}.pb` : "error.pb",
    worker: strategy ? oneOf(env, "FLYTE_INTERNAL_WORKER_NAME", "_F_WN") : "",
    failOnError: isTruthy(env.FLYTE_FAIL_ON_ERROR),
  };
}

function invalid(name: string, value: string, expected: string): UserError {
  return new UserError(
    `Cannot read environment variable "${name}": "${value}" is not ${expected}`,
    { code: "USER:InvalidEnvironment" },
  );
}

function nonNegative(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw invalid(name, raw, "a non-negative number");
  return value;
}

/**
 * A variable in MiB, as bytes: a decimal number that comes to at least one byte; unset is
 * undefined.
 */
function mebibytes(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (!raw?.trim()) return undefined;
  const bytes = /^\s*\d*\.?\d+\s*$/.test(raw) ? Math.round(Number(raw) * MB) : 0;
  if (!(bytes > 0)) throw invalid(name, raw, "a positive number of MiB");
  return bytes;
}

function integer(name: string, raw: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw invalid(name, raw, "an integer");
  return Number(raw);
}

const MB = 1024 * 1024;

/** `FLYTESHIM_PARQUET_COMPRESSION` (snappy, zstd, none), `_ROW_GROUP_ROWS`, `_ROW_GROUP_MB`. */
function parquetFromEnv(env: Env): ExecutorLimits["parquet"] {
  const out: NonNullable<ExecutorLimits["parquet"]> = {};
  const codec = env.FLYTESHIM_PARQUET_COMPRESSION?.trim().toLowerCase();
  if (codec) {
    const codecs = { snappy: "SNAPPY", zstd: "ZSTD", none: "UNCOMPRESSED" } as const;
    if (!Object.hasOwn(codecs, codec)) {
      throw invalid(
        "FLYTESHIM_PARQUET_COMPRESSION",
        env.FLYTESHIM_PARQUET_COMPRESSION!,
        "snappy, zstd or none",
      );
    }
    out.codec = codecs[codec as keyof typeof codecs];
  }
  const rows = env.FLYTESHIM_PARQUET_ROW_GROUP_ROWS;
  if (rows?.trim()) {
    const n = integer("FLYTESHIM_PARQUET_ROW_GROUP_ROWS", rows);
    if (!(n > 0)) throw invalid("FLYTESHIM_PARQUET_ROW_GROUP_ROWS", rows, "a positive integer");
    out.rowGroupRows = n;
  }
  const bytes = mebibytes(env, "FLYTESHIM_PARQUET_ROW_GROUP_MB");
  if (bytes !== undefined) out.rowGroupBytes = bytes;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Reads the runtime configuration from an environment map. Pure: no `Deno.env`, no I/O.
 *
 * @throws {UserError} With code `USER:InvalidEnvironment` when a numeric setting is not a number,
 * the array index variable is missing, or `FLYTESHIM_LOG_LEVEL` is not a level.
 *
 * @example Propeller's environment
 * ```ts
 * import { configFromEnv } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const config = configFromEnv({
 *   FLYTE_INTERNAL_EXECUTION_ID: "f6a2b8c1d9e0",
 *   FLYTE_ATTEMPT_NUMBER: "1",
 *   BATCH_JOB_ARRAY_INDEX_VAR_NAME: "FLYTE_K8S_ARRAY_INDEX",
 *   FLYTE_K8S_ARRAY_INDEX: "4",
 *   _F_L_MIN_SIZE_MB: "1",
 * });
 * assertEquals([config.execution.name, config.execution.attempt, config.arrayIndex], [
 *   "f6a2b8c1d9e0",
 *   1,
 *   4,
 * ]);
 * assertEquals(config.offload?.minBytes, 1024 * 1024);
 * ```
 *
 * @example A test's own environment
 * ```ts
 * import { configFromEnv, type Env } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const env: Env = { FLYTESHIM_LOG_LEVEL: "debug" };
 * assertEquals(configFromEnv(env).logLevel, "debug");
 * ```
 *
 * @example Thresholds from the environment
 * ```ts
 * import { configFromEnv, type OffloadConfig } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const offload: OffloadConfig | undefined =
 *   configFromEnv({ _F_L_MIN_SIZE_MB: "10", _F_L_MAX_SIZE_MB: "100" }).offload;
 * assertEquals(offload, { minBytes: 10 * 1024 * 1024, maxBytes: 100 * 1024 * 1024 });
 * ```
 *
 * @example Defaults of an empty environment
 * ```ts
 * import { configFromEnv, type RuntimeConfig } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const config: RuntimeConfig = configFromEnv({});
 * assertEquals([config.logLevel, config.errorFileName, config.offload, config.execution.attempt], [
 *   "info",
 *   "error.pb",
 *   undefined,
 *   0,
 * ]);
 * ```
 *
 * @example A fixed error file name
 * ```ts
 * import { configFromEnv, type ConfigOptions } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const options: ConfigOptions = { randomId: () => "0123" };
 * assertEquals(configFromEnv({ _F_DES: "all" }, options).errorFileName, "error-0123.pb");
 * ```
 *
 * @example The identity propeller sets in the pod
 * ```ts
 * import type { ExecutionIdentity } from "@flyteshim/flyteshim/executors";
 * import { configFromEnv } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const env = { FLYTE_INTERNAL_EXECUTION_PROJECT: "flytesnacks", FLYTE_ATTEMPT_NUMBER: "2" };
 * const execution: ExecutionIdentity = configFromEnv(env).execution;
 * assertEquals([execution.project, execution.attempt], ["flytesnacks", 2]);
 * ```
 */
export function configFromEnv(env: Env, options: ConfigOptions = {}): RuntimeConfig {
  const execution: ExecutionIdentity = {
    project: oneOf(env, "FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
    domain: oneOf(env, "FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
    name: oneOf(env, "FLYTE_INTERNAL_EXECUTION_ID", "_F_NM"),
    workflow: oneOf(env, "FLYTE_INTERNAL_EXECUTION_WORKFLOW", "_F_WF"),
    launchPlan: oneOf(env, "FLYTE_INTERNAL_EXECUTION_LAUNCHPLAN", "_F_LP"),
    task: {
      project: oneOf(env, "FLYTE_INTERNAL_TASK_PROJECT", "_F_TK_PRJ"),
      domain: oneOf(env, "FLYTE_INTERNAL_TASK_DOMAIN", "_F_TK_DM"),
      name: oneOf(env, "FLYTE_INTERNAL_TASK_NAME", "_F_TK_NM"),
      version: oneOf(env, "FLYTE_INTERNAL_TASK_VERSION", "_F_TK_V"),
    },
    attempt: env.FLYTE_ATTEMPT_NUMBER?.trim()
      ? integer("FLYTE_ATTEMPT_NUMBER", env.FLYTE_ATTEMPT_NUMBER)
      : 0,
  };

  let offload: OffloadConfig | undefined;
  if (env._F_L_MIN_SIZE_MB !== undefined) {
    offload = {
      minBytes: Math.round(nonNegative(env, "_F_L_MIN_SIZE_MB", 10) * MB),
      maxBytes: Math.round(nonNegative(env, "_F_L_MAX_SIZE_MB", 1000) * MB),
    };
  }

  let arrayIndex: number | undefined;
  const indexVar = env.BATCH_JOB_ARRAY_INDEX_VAR_NAME;
  if (indexVar) {
    const raw = env[indexVar];
    if (raw === undefined) {
      throw new UserError(
        `Cannot compute the array index: environment variable "${indexVar}" named by "BATCH_JOB_ARRAY_INDEX_VAR_NAME" is not set`,
        { code: "USER:InvalidEnvironment" },
      );
    }
    const offset = env.BATCH_JOB_ARRAY_INDEX_OFFSET?.trim()
      ? integer("BATCH_JOB_ARRAY_INDEX_OFFSET", env.BATCH_JOB_ARRAY_INDEX_OFFSET)
      : 0;
    arrayIndex = offset + integer(indexVar, raw);
    if (arrayIndex < 0) throw invalid(indexVar, raw, "a non-negative index");
  }

  const storageMetadata = attachExecutionMetadataFromEnv(env)
    ? executionMetadata({
      project: execution.project,
      domain: execution.domain,
      launchplan: execution.launchPlan,
      workflow: execution.workflow,
      name: execution.name,
    })
    : undefined;

  const level = (env.FLYTESHIM_LOG_LEVEL ?? "info").trim().toLowerCase();
  if (!["debug", "info", "warn", "error"].includes(level)) {
    throw invalid(
      "FLYTESHIM_LOG_LEVEL",
      env.FLYTESHIM_LOG_LEVEL ?? "",
      "debug, info, warn or error",
    );
  }

  const limits: ExecutorLimits = {};
  const unpacked = mebibytes(env, "FLYTESHIM_MAX_UNPACKED_MB");
  if (unpacked !== undefined) limits.maxUnpackedBytes = unpacked;
  const parquet = parquetFromEnv(env);
  if (parquet) limits.parquet = parquet;

  const watchdog = (env.FLYTESHIM_ABORT_WATCHDOG ?? "auto").trim().toLowerCase() || "auto";
  if (!["auto", "on", "off"].includes(watchdog)) {
    throw invalid(
      "FLYTESHIM_ABORT_WATCHDOG",
      env.FLYTESHIM_ABORT_WATCHDOG ?? "",
      "auto, on or off",
    );
  }

  return {
    ...errorReportingFromEnv(env, options),
    execution,
    offload,
    arrayIndex,
    secrets: secretsOptionsFromEnv(env),
    s3: s3ConfigFromEnv(env),
    storageMetadata,
    logLevel: level as LogLevel,
    limits,
    abortWatchdog: watchdog as RuntimeConfig["abortWatchdog"],
  };
}
