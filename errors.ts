/**
 * The errors that end a task run. Each carries what `error.pb` needs: a stable `code`, the
 * `origin` of the failure (the user's input or configuration, or the system) and whether a
 * retry may succeed (`recoverable`).
 *
 * @example Raise a user error from an executor
 * ```ts
 * import { UserError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const err = new UserError("Cannot run query: no such table: trackz", { code: "USER:SqlError" });
 * assertEquals([err.origin, err.recoverable], ["user", false]);
 * ```
 *
 * @module
 */

/** The first part of an error code: who caused the failure (`USER` or `SYSTEM`). */
export type ErrorCodePrefix = "USER" | "SYSTEM";

/** What the error-code table says about one code: see {@linkcode ERROR_CODES}. */
export interface ErrorCodeInfo {
  /** Who causes the failure; the code's prefix names the same. */
  readonly origin: ErrorOrigin;
  /** Whether a retry may succeed, as the code's throw sites say (or their class's default). */
  readonly recoverable: boolean;
  /** Where some throw site says otherwise about `recoverable`: which one and why. */
  readonly except?: string;
  /** What the code means, in one line. */
  readonly meaning: string;
}

/**
 * Every error code flyteshim writes to an error document: its origin, whether a retry may
 * succeed, and what it means. The `code` option of {@linkcode UserError},
 * {@linkcode SystemError} and {@linkcode StorageError} takes only these (a misspelt code is a
 * type error) or a code made with {@linkcode customErrorCode}. The error-code reference page
 * (docs/reference/error-codes.md) is generated from this table.
 */
export const ERROR_CODES = {
  "USER:InvalidArguments": {
    origin: "user",
    recoverable: false,
    meaning: "the command line does not parse (an unknown option, a missing `--inputs`)",
  },
  "USER:InvalidEnvironment": {
    origin: "user",
    recoverable: false,
    meaning: "an environment setting is not a number, or the array index variable is missing",
  },
  "USER:UnknownResolver": {
    origin: "user",
    recoverable: false,
    meaning: "`--resolver` is neither flyteshim's nor flytekit's template resolver",
  },
  "USER:InvalidResolverArgs": {
    origin: "user",
    recoverable: false,
    meaning: "resolver args are not `<template URI> <executor id>`, or a path was not rendered",
  },
  "SYSTEM:TemplateNotFound": {
    origin: "system",
    recoverable: true,
    meaning: "no task template at the URI propeller rendered (it writes one before the pod starts)",
  },
  "SYSTEM:InputsNotFound": {
    origin: "system",
    recoverable: true,
    meaning: "no `inputs.pb` for a task that declares inputs (propeller writes it first)",
  },
  "USER:InvalidTemplate": {
    origin: "user",
    recoverable: false,
    meaning: "the task file is not a binary `TaskTemplate`, or a SQL query template is invalid",
  },
  "USER:ExecutorNotFound": {
    origin: "user",
    recoverable: false,
    meaning: "no registered executor has that id or alias",
  },
  "SYSTEM:ExecutorLoadFailed": {
    origin: "system",
    recoverable: false,
    meaning: "a registered executor's module failed to load (a broken build)",
  },
  "USER:InvalidConfig": {
    origin: "user",
    recoverable: false,
    meaning: "the template's `custom` config, or a connection or storage setting, is unusable",
  },
  "USER:InvalidInput": {
    origin: "user",
    recoverable: false,
    meaning: "an input does not match its type or cannot be used where it goes",
  },
  "USER:NotFound": {
    origin: "user",
    recoverable: false,
    meaning: "an object the task names, or its bucket or container, does not exist",
  },
  "USER:AccessDenied": {
    origin: "user",
    recoverable: false,
    meaning: "storage, a secret file or the database refused access",
  },
  "USER:StorageError": {
    origin: "user",
    recoverable: false,
    meaning:
      "storage refused a request (HTTP 4xx other than 408/429); `StorageError`'s user default",
  },
  "USER:UnsupportedScheme": {
    origin: "user",
    recoverable: false,
    meaning: "a URI scheme no storage backend handles",
  },
  "USER:UnsupportedOperation": {
    origin: "user",
    recoverable: false,
    meaning: "an operation an http(s) URI cannot do (list)",
  },
  "USER:ReadOnly": {
    origin: "user",
    recoverable: false,
    meaning: "a write to an http(s) URI",
  },
  "USER:UnsafePath": {
    origin: "user",
    recoverable: false,
    meaning: "an object or archive member name would escape its folder",
  },
  "USER:BadArchive": {
    origin: "user",
    recoverable: false,
    meaning: "a compressed database is not a safe zip/tar/tar.gz of one file",
  },
  "USER:SecretNotFound": {
    origin: "user",
    recoverable: false,
    meaning: "a secret is neither in the environment nor in a secret file",
  },
  "USER:InvalidCheckpoint": {
    origin: "user",
    recoverable: false,
    meaning: "a previous checkpoint read as bytes holds several files",
  },
  "USER:OutputTooLarge": {
    origin: "user",
    recoverable: false,
    meaning: "an output literal reaches `_F_L_MAX_SIZE_MB`",
  },
  "USER:TempDirUnusable": {
    origin: "user",
    recoverable: false,
    meaning: "no work folder can be made: `$TMPDIR` (or `/tmp`) is missing or not writable",
  },
  "USER:SqlError": {
    origin: "user",
    recoverable: false,
    meaning: "the database rejected the query",
  },
  "SYSTEM:SqlError": {
    origin: "system",
    recoverable: true,
    meaning: "SQLite failed for a machine reason (busy, locked, I/O, disk full, memory)",
  },
  "USER:UnsafeInput": {
    origin: "user",
    recoverable: false,
    meaning: "an input cannot be placed into SQL safely",
  },
  "USER:AuthenticationFailed": {
    origin: "user",
    recoverable: false,
    meaning: "the database refused the credentials, or an API refused the key",
  },
  "USER:StatementTimeout": {
    origin: "user",
    recoverable: false,
    meaning: "the query ran past its statement timeout",
  },
  "USER:DuplicateColumn": {
    origin: "user",
    recoverable: false,
    meaning: "a query result has a repeated column name, so it cannot become a dataset",
  },
  "USER:MixedTypes": {
    origin: "user",
    recoverable: false,
    meaning: "a query result column mixes value types, so it cannot become a dataset",
  },
  "USER:QuotaExceeded": {
    origin: "user",
    recoverable: false,
    meaning: "the OpenAI API refused the request for the account's quota",
  },
  "USER:ApiError": {
    origin: "user",
    recoverable: false,
    meaning: "the OpenAI API refused the request (another 4xx)",
  },
  "SYSTEM:RateLimited": {
    origin: "system",
    recoverable: true,
    meaning: "the OpenAI API kept answering 429 after the retries",
  },
  "SYSTEM:ApiUnavailable": {
    origin: "system",
    recoverable: true,
    meaning: "the OpenAI API kept failing (5xx, connection errors) after the retries",
  },
  "SYSTEM:ApiError": {
    origin: "system",
    recoverable: true,
    meaning: "the OpenAI API answered something unusable (a 2xx without a file id)",
  },
  "SYSTEM:TlsError": {
    origin: "system",
    recoverable: false,
    meaning: "the OpenAI API's certificate is not trusted",
  },
  "SYSTEM:SourceChanged": {
    origin: "system",
    recoverable: true,
    meaning: "a file changed size while it was uploaded to the OpenAI Files API",
  },
  "USER:CommandFailed": {
    origin: "user",
    recoverable: false,
    meaning: "a command task's program exited with a non-zero code",
  },
  "USER:CommandNotFound": {
    origin: "user",
    recoverable: false,
    meaning: "a command task's program is not in the image",
  },
  "USER:CommandNotExecutable": {
    origin: "user",
    recoverable: false,
    meaning: "a command task's program cannot be run",
  },
  "USER:CommandReportedError": {
    origin: "user",
    recoverable: false,
    meaning: "a command task's program wrote an `_ERROR` file into its output folder",
  },
  "USER:MissingOutput": {
    origin: "user",
    recoverable: false,
    meaning: "a command task did not write a declared output",
  },
  "USER:InvalidOutput": {
    origin: "user",
    recoverable: false,
    meaning: "a command task wrote an output that does not parse as its type",
  },
  "USER:Timeout": {
    origin: "user",
    recoverable: true,
    meaning: "a command task ran past the template's timeout and was stopped",
  },
  "SYSTEM:Killed": {
    origin: "system",
    recoverable: true,
    meaning: "a command task's program was killed by a signal it did not ask for (OOM)",
  },
  "SYSTEM:StorageError": {
    origin: "system",
    recoverable: true,
    except: "not recoverable when no cloud credentials were found at all",
    meaning:
      "a transient storage or network failure outlasted the retries; `StorageError`'s default",
  },
  "SYSTEM:TempDirFull": {
    origin: "system",
    recoverable: true,
    meaning: "no space left where the work folder is made (the next node may have some)",
  },
  "SYSTEM:DatabaseUnavailable": {
    origin: "system",
    recoverable: true,
    meaning: "the database could not be reached, the connection was lost, or a result stream broke",
  },
  "SYSTEM:ParquetWriteError": {
    origin: "system",
    recoverable: true,
    meaning: "writing a dataset's parquet file failed",
  },
  "SYSTEM:SecretUnreadable": {
    origin: "system",
    recoverable: true,
    meaning: "a secret file exists but could not be read",
  },
  "SYSTEM:Aborted": {
    origin: "system",
    recoverable: true,
    meaning: "SIGTERM, SIGINT or another abort stopped the run",
  },
  "SYSTEM:InvalidOutput": {
    origin: "system",
    recoverable: false,
    meaning: "an executor returned outputs that do not fit the task's interface (a bug)",
  },
  "SYSTEM:Unknown": {
    origin: "system",
    recoverable: true,
    meaning: "an unexpected internal failure; the message carries the stack",
  },
  "SYSTEM:ModuleNotFound": {
    origin: "system",
    recoverable: false,
    meaning: "a part of the program cannot be loaded (missing from the build or image)",
  },
  "SYSTEM:NotPermitted": {
    origin: "system",
    recoverable: false,
    meaning: "the program's `--allow-*` permissions forbid what it tried",
  },
  "USER:Error": {
    origin: "user",
    recoverable: false,
    meaning: "`UserError`'s default, for a third-party throw without a code",
  },
  "SYSTEM:Error": {
    origin: "system",
    recoverable: true,
    meaning: "`SystemError`'s default, for a third-party throw without a code",
  },
} as const satisfies Record<`${ErrorCodePrefix}:${string}`, ErrorCodeInfo>;

/** One of flyteshim's own error codes: a key of {@linkcode ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * A code an executor outside flyteshim adds to the closed set, made by
 * {@linkcode customErrorCode}; its prefix is its origin.
 */
export type CustomErrorCode<P extends ErrorCodePrefix = ErrorCodePrefix> =
  & `${P}:${string}`
  & { readonly __customErrorCode: P };

/** The codes a {@linkcode UserError} may carry: flyteshim's `USER:` codes or a custom one. */
export type UserErrorCode = Extract<ErrorCode, `USER:${string}`> | CustomErrorCode<"USER">;

/** The codes a {@linkcode SystemError} may carry: flyteshim's `SYSTEM:` codes or a custom one. */
export type SystemErrorCode = Extract<ErrorCode, `SYSTEM:${string}`> | CustomErrorCode<"SYSTEM">;

/**
 * Makes an error code of one's own for an executor outside flyteshim, such as
 * `USER:ChecksumMismatch`: the prefix (`USER` or `SYSTEM`) is the origin it must be thrown with,
 * the name is PascalCase. flyteshim's own code never uses one: it uses {@linkcode ERROR_CODES}.
 *
 * @param code The code, `USER:<Name>` or `SYSTEM:<Name>`.
 * @returns The same string, typed as a code the error classes accept.
 * @throws {TypeError} When the code is not `USER:` or `SYSTEM:` and a PascalCase name.
 *
 * @example A user error with a code of one's own
 * ```ts
 * import { customErrorCode, UserError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const MISMATCH = customErrorCode("USER:ChecksumMismatch");
 * const err = new UserError('Cannot verify "data.csv": the digest differs', { code: MISMATCH });
 * assertEquals([err.code, err.origin, err.recoverable], ["USER:ChecksumMismatch", "user", false]);
 * ```
 */
export function customErrorCode<const C extends `${ErrorCodePrefix}:${string}`>(
  code: C,
): C & CustomErrorCode<C extends `USER:${string}` ? "USER" : "SYSTEM"> {
  if (!/^(USER|SYSTEM):[A-Z][A-Za-z0-9]*$/.test(code)) {
    throw new TypeError(
      `Cannot use error code ${JSON.stringify(code)}: expected USER:<Name> or SYSTEM:<Name>`,
    );
  }
  return code as C & CustomErrorCode<C extends `USER:${string}` ? "USER" : "SYSTEM">;
}

/** Who caused a failure: the task's user (inputs, configuration, query) or the system. */
export type ErrorOrigin = "user" | "system";

/** Options of {@linkcode UserError} and {@linkcode SystemError}; `C` is the codes they take. */
export interface FlyteshimErrorOptions<C extends string = UserErrorCode | SystemErrorCode>
  extends ErrorOptions {
  /** Stable error code written to `error.pb`, such as `USER:SqlError`. */
  code?: C;
  /** Whether retrying the task may succeed. */
  recoverable?: boolean;
}

/** Options of the {@linkcode FlyteshimError} constructor: an origin and a code of that origin. */
export type ClassifiedErrorOptions =
  | (FlyteshimErrorOptions<UserErrorCode> & { origin: "user" })
  | (FlyteshimErrorOptions<SystemErrorCode> & { origin: "system" });

/**
 * Base class of the errors that become an error document.
 *
 * @example A classified error
 * ```ts
 * import { FlyteshimError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const err = new FlyteshimError("Lost the database connection", {
 *   origin: "system",
 *   code: "SYSTEM:DatabaseUnavailable",
 * });
 * assertEquals([err.code, err.recoverable], ["SYSTEM:DatabaseUnavailable", true]);
 * ```
 */
export class FlyteshimError extends Error {
  /** Stable error code written to `error.pb`. */
  readonly code: UserErrorCode | SystemErrorCode;
  /** Who caused the failure. */
  readonly origin: ErrorOrigin;
  /** Whether retrying the task may succeed. */
  readonly recoverable: boolean;

  /** Creates an error; `origin` decides the default code and recoverability. */
  constructor(message: string, options: ClassifiedErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FlyteshimError";
    this.origin = options.origin;
    this.code = options.code ?? (options.origin === "user" ? "USER:Error" : "SYSTEM:Error");
    this.recoverable = options.recoverable ?? options.origin === "system";
  }
}

/**
 * A failure caused by the task's user: an invalid input, a bad configuration, a SQL error, a
 * missing secret. Non-recoverable unless told otherwise.
 *
 * @example Default code
 * ```ts
 * import { UserError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new UserError("Bad input").code, "USER:Error");
 * ```
 */
export class UserError extends FlyteshimError {
  /** Stable error code written to `error.pb`, one of the `USER:` codes. */
  declare readonly code: UserErrorCode;

  /** Creates a user error (default code `USER:Error`, non-recoverable). */
  constructor(message: string, options: FlyteshimErrorOptions<UserErrorCode> = {}) {
    super(message, { ...options, origin: "user" });
    this.name = "UserError";
  }
}

/**
 * A failure of the infrastructure (storage, network, a lost database connection) or of
 * flyteshim itself. Recoverable unless told otherwise.
 *
 * @example Recoverable by default
 * ```ts
 * import { SystemError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new SystemError("Connection reset").recoverable, true);
 * ```
 *
 * @example The origin of an error
 * ```ts
 * import { type ErrorOrigin, SystemError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const origin: ErrorOrigin = new SystemError("Connection reset").origin;
 * assertEquals(origin, "system");
 * ```
 */
export class SystemError extends FlyteshimError {
  /** Stable error code written to `error.pb`, one of the `SYSTEM:` codes. */
  declare readonly code: SystemErrorCode;

  /** Creates a system error (default code `SYSTEM:Error`, recoverable). */
  constructor(message: string, options: FlyteshimErrorOptions<SystemErrorCode> = {}) {
    super(message, { ...options, origin: "system" });
    this.name = "SystemError";
  }
}

/** A storage operation, as named in {@linkcode StorageError}. */
export type StorageOperation =
  | "read"
  | "write"
  | "download"
  | "upload"
  | "exists"
  | "list"
  | "resolve";

/**
 * Options of {@linkcode StorageError}: `origin` is `user` for a missing object or denied access,
 * else `system` (the default), and the code is one of that origin.
 */
export type StorageErrorOptions =
  | (FlyteshimErrorOptions<UserErrorCode> & { origin: "user" })
  | (FlyteshimErrorOptions<SystemErrorCode> & { origin?: "system" });

/**
 * A failed storage operation, with the URI and the operation.
 *
 * Transient failures are `SYSTEM` and recoverable (code `SYSTEM:StorageError`); missing objects
 * and denied access are `USER` and non-recoverable (code `USER:StorageError` by default).
 *
 * @example A missing object
 * ```ts
 * import { StorageError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const err = new StorageError("read", "s3://bucket/key", "object does not exist", {
 *   origin: "user",
 *   code: "USER:NotFound",
 * });
 * assertEquals(err.message, 'Cannot read "s3://bucket/key": object does not exist');
 * ```
 *
 * @example The operation that failed
 * ```ts
 * import { StorageError, type StorageOperation } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const operation: StorageOperation = "download";
 * const err = new StorageError(operation, "s3://bucket/key", "connection reset");
 * assertEquals([err.operation, err.message], [
 *   "download",
 *   'Cannot download "s3://bucket/key": connection reset',
 * ]);
 * ```
 */
export class StorageError extends FlyteshimError {
  /** The URI the operation was on. */
  readonly uri: string;
  /** The operation that failed. */
  readonly operation: StorageOperation;

  /** Creates a storage error; the message reads `Cannot <operation> "<uri>": <detail>`. */
  constructor(
    operation: StorageOperation,
    uri: string,
    detail: string,
    options: StorageErrorOptions = {},
  ) {
    super(
      `Cannot ${operation} "${uri}": ${detail}`,
      options.origin === "user"
        ? { ...options, code: options.code ?? "USER:StorageError" }
        : { ...options, origin: "system", code: options.code ?? "SYSTEM:StorageError" },
    );
    this.name = "StorageError";
    this.uri = uri;
    this.operation = operation;
  }
}

/**
 * No registered executor answers to the id a template names.
 *
 * @example An unknown executor id
 * ```ts
 * import { ExecutorNotFoundError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   new ExecutorNotFoundError("my.Executor", ["flyteshim.sqlite3"]).code,
 *   "USER:ExecutorNotFound",
 * );
 * ```
 */
export class ExecutorNotFoundError extends UserError {
  /** The id that was asked for. */
  readonly executorId: string;

  /** Creates the error; `known` lists the ids that are registered. */
  constructor(executorId: string, known: readonly string[], options: ErrorOptions = {}) {
    super(
      `Cannot find executor "${executorId}": registered executors are ${
        known.map((k) => `"${k}"`).join(", ") || "none"
      }`,
      { ...options, code: "USER:ExecutorNotFound" },
    );
    this.name = "ExecutorNotFoundError";
    this.executorId = executorId;
  }
}
