// Error documents (error.pb): from any thrown value to a classified flyteidl.core.ErrorDocument.
import { FlyteshimError, SystemError } from "../errors.ts";
import { ContainerErrorKind, type ErrorDocument, ErrorKind, toInt64 } from "../idl/core.ts";

/** The name of the error document propeller reads, unless a distributed strategy renames it. */
export const ERROR_FILE = "error.pb";

/** Whether `error` is an abort (`AbortError`) or a timeout (`TimeoutError`) `DOMException`. */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException &&
    (error.name === "AbortError" || error.name === "TimeoutError");
}

/**
 * Normalizes anything thrown into a classified error: flyteshim errors stay as they are, an
 * abort becomes `SYSTEM:Aborted` (recoverable), anything else is an unexpected internal failure,
 * `SYSTEM:Unknown` (recoverable), keeping the original as `cause`.
 *
 * @example Anything thrown gets a code
 * ```ts
 * import { classifyError } from "./error_document.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(classifyError(new TypeError("x")).code, "SYSTEM:Unknown");
 * assertEquals(classifyError(new DOMException("stop", "AbortError")).code, "SYSTEM:Aborted");
 * ```
 */
export function classifyError(error: unknown): FlyteshimError {
  if (error instanceof FlyteshimError) return error;
  if (isAbort(error)) {
    const reason = error instanceof Error && error.message ? `: ${error.message}` : "";
    return new SystemError(`Task was aborted${reason}`, { code: "SYSTEM:Aborted", cause: error });
  }
  // A part of the program that cannot be loaded (missing from the build, or outside its
  // permissions), or an operation its permissions forbid: a retry meets the same.
  if ((error as { code?: unknown })?.code === "ERR_MODULE_NOT_FOUND") {
    return new SystemError(
      `Cannot load part of the program: ${(error as Error).message} (a broken build or image)`,
      { code: "SYSTEM:ModuleNotFound", recoverable: false, cause: error },
    );
  }
  if (error instanceof Deno.errors.NotCapable) {
    return new SystemError(
      `The program is not permitted to do this: ${error.message} (its --allow-* permissions)`,
      { code: "SYSTEM:NotPermitted", recoverable: false, cause: error },
    );
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new SystemError(`Unexpected internal failure: ${detail}`, {
    code: "SYSTEM:Unknown",
    cause: error,
  });
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}

/**
 * The message of an error document: the error's message, then its causes, then for unexpected
 * internal failures the stack of the original error.
 *
 * @example Message with its cause
 * ```ts
 * import { errorMessage } from "./error_document.ts";
 * import { SystemError } from "../errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const err = new SystemError("Cannot connect", { cause: new Error("ECONNRESET") });
 * assertEquals(errorMessage(err), "Cannot connect\nCaused by: Error: ECONNRESET");
 * ```
 */
export function errorMessage(error: FlyteshimError): string {
  const lines = [error.message];
  const seen = new Set<unknown>([error]);
  let cause = error.cause;
  while (cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    const own = cause instanceof Error ? cause.message : String(cause);
    // A cause whose message is already told adds nothing.
    if (!lines.some((line) => line === own || line.endsWith(`: ${own}`))) {
      lines.push(`Caused by: ${describeCause(cause)}`);
    }
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (error.code === "SYSTEM:Unknown") {
    const original = error.cause instanceof Error ? error.cause : error;
    if (original.stack) lines.push("", "Stack:", original.stack);
  }
  return lines.join("\n");
}

/** Options of {@linkcode toErrorDocument}. */
export interface ErrorDocumentOptions {
  /** The worker name (`_F_WN` under a distributed error strategy). @default {""} */
  worker?: string;
  /** When the failure happened. @default {new Date()} */
  now?: Date;
  /** Removes secret values from the message. */
  redact?: (text: string) => string;
}

/**
 * Builds the `flyteidl.core.ErrorDocument` for a failure: `code` is the error's stable code,
 * `kind` RECOVERABLE or NON_RECOVERABLE, `origin` USER or SYSTEM.
 *
 * @example A user error
 * ```ts
 * import { toErrorDocument } from "./error_document.ts";
 * import { UserError } from "../errors.ts";
 * import { ContainerErrorKind, ErrorKind } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const doc = toErrorDocument(
 *   new UserError("Cannot run query: no such table: t", { code: "USER:SqlError" }),
 * );
 * assertEquals(doc.error?.code, "USER:SqlError");
 * assertEquals(doc.error?.kind, ContainerErrorKind.NON_RECOVERABLE);
 * assertEquals(doc.error?.origin, ErrorKind.USER);
 * ```
 *
 * @example A worker name and a redactor
 * ```ts
 * import { type ErrorDocumentOptions, toErrorDocument } from "./error_document.ts";
 * import { UserError } from "../errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const options: ErrorDocumentOptions = {
 *   worker: "w1",
 *   redact: (text) => text.replaceAll("hunter2", "***"),
 * };
 * const doc = toErrorDocument(new UserError('Cannot log in as "hunter2"'), options);
 * assertEquals([doc.error?.worker, doc.error?.message], ["w1", 'Cannot log in as "***"']);
 * ```
 */
export function toErrorDocument(error: unknown, options: ErrorDocumentOptions = {}): ErrorDocument {
  const classified = classifyError(error);
  const now = options.now ?? new Date();
  const millis = now.getTime();
  const seconds = Math.floor(millis / 1000);
  const message = errorMessage(classified);
  // Messages quote user values, which may hold lone surrogates: protobuf strings must be valid
  // UTF-8, so those become U+FFFD rather than make error.pb unreadable.
  return {
    error: {
      code: classified.code.toWellFormed(),
      message: (options.redact ? options.redact(message) : message).toWellFormed(),
      kind: classified.recoverable
        ? ContainerErrorKind.RECOVERABLE
        : ContainerErrorKind.NON_RECOVERABLE,
      origin: classified.origin === "user" ? ErrorKind.USER : ErrorKind.SYSTEM,
      timestamp: { seconds: toInt64(BigInt(seconds)), nanos: (millis - seconds * 1000) * 1e6 },
      worker: (options.worker ?? "").toWellFormed(),
    },
  };
}
