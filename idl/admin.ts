/**
 * The registration and dynamic-task messages: `flyteidl.admin.TaskSpec` (the `<idx>_<name>_1.pb`
 * files of a registration package) and `flyteidl.core.DynamicJobSpec` (`futures.pb`).
 *
 * Kept apart from `@flyteshim/flyteshim/idl`, whose functions every task run uses.
 *
 * @example Write and read a TaskSpec
 * ```ts
 * import { decodeTaskSpec, encodeTaskSpec } from "@flyteshim/flyteshim/idl/admin";
 * import { assertEquals } from "@std/assert";
 *
 * const spec = decodeTaskSpec(encodeTaskSpec({ template: { type: "sqlite" } }));
 * assertEquals(spec.template?.type, "sqlite");
 * ```
 *
 * @module
 */

import { flyteidl } from "./gen/flyteidl.js";
import { decodeWith, encodeWith } from "./_codec.ts";

/**
 * A `flyteidl.admin.TaskSpec` (one entry of a registration package).
 */
export type TaskSpec = flyteidl.admin.TaskSpec.$Properties;

/** A `flyteidl.core.DynamicJobSpec` (the content of `futures.pb`). */
export type DynamicJobSpec = flyteidl.core.DynamicJobSpec.$Properties;

/**
 * Decodes a binary `flyteidl.admin.TaskSpec` (a `<idx>_<name>_1.pb` registration file).
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example Round trip
 * ```ts
 * import { decodeTaskSpec, encodeTaskSpec } from "@flyteshim/flyteshim/idl/admin";
 * import { assertEquals } from "@std/assert";
 *
 * const spec = decodeTaskSpec(encodeTaskSpec({ template: { type: "sqlite" } }));
 * assertEquals(spec.template?.type, "sqlite");
 * ```
 */
export function decodeTaskSpec(bytes: Uint8Array): TaskSpec {
  return decodeWith(flyteidl.admin.TaskSpec, "TaskSpec", bytes);
}

/**
 * Encodes a `flyteidl.admin.TaskSpec`.
 *
 * @example Encode
 * ```ts
 * import { encodeTaskSpec } from "@flyteshim/flyteshim/idl/admin";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(encodeTaskSpec({}).length, 0);
 * ```
 *
 * @example A registration entry
 * ```ts
 * import { decodeTaskSpec, encodeTaskSpec, type TaskSpec } from "@flyteshim/flyteshim/idl/admin";
 * import { assertEquals } from "@std/assert";
 *
 * const spec: TaskSpec = { template: { type: "sqlite", id: { name: "sql.tracks" } } };
 * assertEquals(decodeTaskSpec(encodeTaskSpec(spec)).template?.id?.name, "sql.tracks");
 * ```
 */
export function encodeTaskSpec(spec: TaskSpec): Uint8Array {
  return encodeWith(flyteidl.admin.TaskSpec, spec);
}

/**
 * Decodes a binary `flyteidl.core.DynamicJobSpec` (`futures.pb`).
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example Round trip
 * ```ts
 * import { decodeDynamicJobSpec, encodeDynamicJobSpec } from "@flyteshim/flyteshim/idl/admin";
 * import { assertEquals } from "@std/assert";
 *
 * const spec = decodeDynamicJobSpec(encodeDynamicJobSpec({ tasks: [{ type: "sqlite" }] }));
 * assertEquals(spec.tasks?.[0].type, "sqlite");
 * ```
 *
 * @example Write and read futures.pb
 * ```ts
 * import {
 *   decodeDynamicJobSpec,
 *   type DynamicJobSpec,
 *   encodeDynamicJobSpec,
 * } from "@flyteshim/flyteshim/idl/admin";
 * import { assertEquals } from "@std/assert";
 *
 * const spec: DynamicJobSpec = { nodes: [{ id: "n0" }], tasks: [{ type: "sqlite" }] };
 * assertEquals(decodeDynamicJobSpec(encodeDynamicJobSpec(spec)).nodes?.[0].id, "n0");
 * ```
 */
export function decodeDynamicJobSpec(bytes: Uint8Array): DynamicJobSpec {
  return decodeWith(flyteidl.core.DynamicJobSpec, "DynamicJobSpec", bytes);
}

/**
 * Encodes a `flyteidl.core.DynamicJobSpec`.
 *
 * @example Encode
 * ```ts
 * import { encodeDynamicJobSpec } from "@flyteshim/flyteshim/idl/admin";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(encodeDynamicJobSpec({}).length, 0);
 * ```
 */
export function encodeDynamicJobSpec(spec: DynamicJobSpec): Uint8Array {
  return encodeWith(flyteidl.core.DynamicJobSpec, spec);
}
