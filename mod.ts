/**
 * flyteshim: Flyte's prebuilt container tasks in TypeScript, on Deno.
 *
 * This is the SDK surface: the errors that reach `error.pb`, the literal type descriptors and
 * values, and (as they land) task authoring and local runs.
 *
 * @example Classify a failure
 * ```ts
 * import { UserError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new UserError("Bad limit").recoverable, false);
 * ```
 *
 * @module
 */

export {
  type ErrorOrigin,
  ExecutorNotFoundError,
  FlyteshimError,
  type FlyteshimErrorOptions,
  StorageError,
  type StorageErrorOptions,
  type StorageOperation,
  SystemError,
  UserError,
} from "./errors.ts";
