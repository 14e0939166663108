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

/**
 * Who caused a failure: the task's user (inputs, configuration, query) or the system.
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
export type ErrorOrigin = "user" | "system";

/**
 * Options of every {@linkcode FlyteshimError}.
 *
 * @example A recoverable user error
 * ```ts
 * import { type FlyteshimErrorOptions, UserError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const options: FlyteshimErrorOptions = { code: "USER:InvalidInput", recoverable: true };
 * const err = new UserError("Cannot read input \"limit\": not an integer", options);
 * assertEquals([err.code, err.recoverable], ["USER:InvalidInput", true]);
 * ```
 */
export interface FlyteshimErrorOptions extends ErrorOptions {
  /** Stable error code written to `error.pb`, such as `USER:SqlError`. */
  code?: string;
  /** Whether retrying the task may succeed. */
  recoverable?: boolean;
}

/**
 * Base class of the errors that become an error document.
 *
 * @example A classified error
 * ```ts
 * import { FlyteshimError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const err = new FlyteshimError("Lost connection", { origin: "system", code: "SYSTEM:Connection", recoverable: true });
 * assertEquals(err.code, "SYSTEM:Connection");
 * ```
 */
export class FlyteshimError extends Error {
  /** Stable error code written to `error.pb`. */
  readonly code: string;
  /** Who caused the failure. */
  readonly origin: ErrorOrigin;
  /** Whether retrying the task may succeed. */
  readonly recoverable: boolean;

  /** Creates an error; `origin` decides the default code and recoverability. */
  constructor(message: string, options: FlyteshimErrorOptions & { origin: ErrorOrigin }) {
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
  /** Creates a user error (default code `USER:Error`, non-recoverable). */
  constructor(message: string, options: FlyteshimErrorOptions = {}) {
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
 */
export class SystemError extends FlyteshimError {
  /** Creates a system error (default code `SYSTEM:Error`, recoverable). */
  constructor(message: string, options: FlyteshimErrorOptions = {}) {
    super(message, { ...options, origin: "system" });
    this.name = "SystemError";
  }
}

/**
 * A storage operation, as named in {@linkcode StorageError}.
 *
 * @example The operation that failed
 * ```ts
 * import { StorageError, type StorageOperation } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const operation: StorageOperation = "download";
 * const err = new StorageError(operation, "s3://bucket/key", "connection reset");
 * assertEquals([err.operation, err.message], ["download", 'Cannot download "s3://bucket/key": connection reset']);
 * ```
 */
export type StorageOperation =
  | "read"
  | "write"
  | "download"
  | "upload"
  | "exists"
  | "list"
  | "resolve";

/**
 * Options of {@linkcode StorageError}.
 *
 * @example Denied access is the user's
 * ```ts
 * import { StorageError, type StorageErrorOptions } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const options: StorageErrorOptions = { origin: "user" };
 * const err = new StorageError("read", "s3://bucket/key", "access denied", options);
 * assertEquals([err.code, err.recoverable], ["USER:StorageError", false]);
 * ```
 */
export interface StorageErrorOptions extends FlyteshimErrorOptions {
  /** Who caused it: `user` for a missing object or denied access, else `system`. */
  origin?: ErrorOrigin;
}

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
 * const err = new StorageError("read", "s3://bucket/key", "object does not exist", { origin: "user", code: "USER:NotFound" });
 * assertEquals(err.message, 'Cannot read "s3://bucket/key": object does not exist');
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
    const origin = options.origin ?? "system";
    super(`Cannot ${operation} "${uri}": ${detail}`, {
      ...options,
      origin,
      code: options.code ?? (origin === "user" ? "USER:StorageError" : "SYSTEM:StorageError"),
    });
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
 * assertEquals(new ExecutorNotFoundError("my.Executor", ["flyteshim.sqlite3"]).code, "USER:ExecutorNotFound");
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
