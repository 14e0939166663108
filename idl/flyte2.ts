/**
 * Flyte 2's messages (`flyteidl2`), generated with protobufjs from `@flyteorg/flyteidl2`: the
 * registration entry (`flyteidl2.task.TaskSpec`), the task's input and output files
 * (`flyteidl2.task.Inputs`, `flyteidl2.task.Outputs`) and the error file
 * (`flyteidl2.core.ErrorDocument`). The runtime does not load this module: Flyte 2's files are
 * byte-compatible with Flyte 1's (a map entry and a `NamedLiteral` are both `{1: name, 2: value}`),
 * so the table-driven codec (`idl/core.ts`) reads and writes both lines. The SDK
 * uses it to write Flyte 2 registration entries, and tests to read what the runtime wrote as
 * Flyte 2's backend does.
 *
 * @example Outputs written by the runtime, read as Flyte 2's Outputs
 * ```ts
 * import { decodeOutputs } from "@flyteshim/flyteshim/idl/flyte2";
 * import { encodeLiteralMap } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeLiteralMap({
 *   literals: { o0: { scalar: { primitive: { stringValue: "hi" } } } },
 * });
 * const outputs = decodeOutputs(bytes);
 * assertEquals(outputs.literals?.[0].name, "o0");
 * assertEquals(outputs.literals?.[0].value?.scalar?.primitive?.stringValue, "hi");
 * ```
 *
 * @module
 */

import { flyteidl2 } from "./gen/flyteidl2.js";
import { decodeWith, encodeWith } from "./_codec.ts";

export { flyteidl2, google, type Long } from "./gen/flyteidl2.js";

/** A `flyteidl2.task.TaskSpec`: what a Flyte 2 SDK deploys for one task. */
export type Flyte2TaskSpec = flyteidl2.task.TaskSpec.$Properties;
/** A `flyteidl2.task.Inputs` (the content of Flyte 2's `inputs.pb`). */
export type Inputs = flyteidl2.task.Inputs.$Properties;
/** A `flyteidl2.task.Outputs` (the content of Flyte 2's `outputs.pb`). */
export type Outputs = flyteidl2.task.Outputs.$Properties;
/** A `flyteidl2.core.ErrorDocument` (the content of Flyte 2's `error.pb`). */
export type Flyte2ErrorDocument = flyteidl2.core.ErrorDocument.$Properties;

/**
 * Decodes a binary `flyteidl2.task.TaskSpec`.
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example Round trip
 * ```ts
 * import { decodeFlyte2TaskSpec, encodeFlyte2TaskSpec } from "@flyteshim/flyteshim/idl/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeFlyte2TaskSpec({ taskTemplate: { type: "sqlite" } });
 * assertEquals(decodeFlyte2TaskSpec(bytes).taskTemplate?.type, "sqlite");
 * ```
 *
 * @example A spec with its short name
 * ```ts
 * import {
 *   decodeFlyte2TaskSpec,
 *   encodeFlyte2TaskSpec,
 *   type Flyte2TaskSpec,
 * } from "@flyteshim/flyteshim/idl/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * const spec: Flyte2TaskSpec = { taskTemplate: { type: "sqlite" }, shortName: "tracks" };
 * assertEquals(decodeFlyte2TaskSpec(encodeFlyte2TaskSpec(spec)).shortName, "tracks");
 * ```
 */
export function decodeFlyte2TaskSpec(bytes: Uint8Array): Flyte2TaskSpec {
  return decodeWith(flyteidl2.task.TaskSpec, "flyteidl2.task.TaskSpec", bytes);
}

/**
 * Encodes a `flyteidl2.task.TaskSpec`.
 *
 * @example Encode a spec
 * ```ts
 * import { encodeFlyte2TaskSpec } from "@flyteshim/flyteshim/idl/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(encodeFlyte2TaskSpec({}).length, 0);
 * ```
 */
export function encodeFlyte2TaskSpec(spec: Flyte2TaskSpec): Uint8Array {
  return encodeWith(flyteidl2.task.TaskSpec, spec);
}

/**
 * Decodes a binary `flyteidl2.task.Inputs`.
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example Inputs written as a Flyte 1 LiteralMap
 * ```ts
 * import { decodeInputs } from "@flyteshim/flyteshim/idl/flyte2";
 * import { encodeLiteralMap } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeLiteralMap({
 *   literals: { a: { scalar: { primitive: { boolean: true } } } },
 * });
 * assertEquals(decodeInputs(bytes).literals?.[0].name, "a");
 * ```
 *
 * @example Ordered inputs and a context entry
 * ```ts
 * import { decodeInputs, encodeInputs, type Inputs } from "@flyteshim/flyteshim/idl/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * const inputs: Inputs = {
 *   literals: [{ name: "limit", value: { scalar: { primitive: { integer: 10 } } } }],
 *   context: [{ key: "region", value: "eu" }],
 * };
 * assertEquals(decodeInputs(encodeInputs(inputs)).context?.[0].value, "eu");
 * ```
 */
export function decodeInputs(bytes: Uint8Array): Inputs {
  return decodeWith(flyteidl2.task.Inputs, "flyteidl2.task.Inputs", bytes);
}

/**
 * Encodes a `flyteidl2.task.Inputs`.
 *
 * @example Read back as a Flyte 1 LiteralMap
 * ```ts
 * import { encodeInputs } from "@flyteshim/flyteshim/idl/flyte2";
 * import { decodeLiteralMap } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeInputs({
 *   literals: [{ name: "n", value: { scalar: { primitive: { stringValue: "x" } } } }],
 * });
 * assertEquals(decodeLiteralMap(bytes).literals?.n.scalar?.primitive?.stringValue, "x");
 * ```
 */
export function encodeInputs(inputs: Inputs): Uint8Array {
  return encodeWith(flyteidl2.task.Inputs, inputs);
}

/**
 * Decodes a binary `flyteidl2.task.Outputs`.
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example Empty outputs
 * ```ts
 * import { decodeOutputs } from "@flyteshim/flyteshim/idl/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(decodeOutputs(new Uint8Array()).literals, []);
 * ```
 */
export function decodeOutputs(bytes: Uint8Array): Outputs {
  return decodeWith(flyteidl2.task.Outputs, "flyteidl2.task.Outputs", bytes);
}

/**
 * Encodes a `flyteidl2.task.Outputs`.
 *
 * @example One output
 * ```ts
 * import { decodeOutputs, encodeOutputs } from "@flyteshim/flyteshim/idl/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeOutputs({
 *   literals: [{ name: "o0", value: { scalar: { primitive: { boolean: true } } } }],
 * });
 * assertEquals(decodeOutputs(bytes).literals?.[0].value?.scalar?.primitive?.boolean, true);
 * ```
 *
 * @example An empty Outputs is zero bytes
 * ```ts
 * import { encodeOutputs, type Outputs } from "@flyteshim/flyteshim/idl/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * const outputs: Outputs = { literals: [] };
 * assertEquals(encodeOutputs(outputs).length, 0);
 * ```
 */
export function encodeOutputs(outputs: Outputs): Uint8Array {
  return encodeWith(flyteidl2.task.Outputs, outputs);
}

/**
 * Decodes a binary `flyteidl2.core.ErrorDocument`.
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example What the runtime writes on Flyte 2
 * ```ts
 * import { decodeFlyte2ErrorDocument } from "@flyteshim/flyteshim/idl/flyte2";
 * import { encodeErrorDocument } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeErrorDocument({
 *   error: { code: "USER:SqlError", message: "m", kind: 1, origin: 1 },
 * });
 * assertEquals(decodeFlyte2ErrorDocument(bytes).error?.kind, 1);
 * ```
 *
 * @example A user error
 * ```ts
 * import {
 *   decodeFlyte2ErrorDocument,
 *   encodeFlyte2ErrorDocument,
 *   type Flyte2ErrorDocument,
 * } from "@flyteshim/flyteshim/idl/flyte2";
 * import { assertEquals } from "@std/assert";
 *
 * const doc: Flyte2ErrorDocument = { error: { code: "USER:SqlError", origin: 1 } };
 * assertEquals(
 *   decodeFlyte2ErrorDocument(encodeFlyte2ErrorDocument(doc)).error?.code,
 *   "USER:SqlError",
 * );
 * ```
 */
export function decodeFlyte2ErrorDocument(bytes: Uint8Array): Flyte2ErrorDocument {
  return decodeWith(flyteidl2.core.ErrorDocument, "flyteidl2.core.ErrorDocument", bytes);
}

/**
 * Encodes a `flyteidl2.core.ErrorDocument`.
 *
 * @example A system error
 * ```ts
 * import { encodeFlyte2ErrorDocument } from "@flyteshim/flyteshim/idl/flyte2";
 * import { decodeErrorDocument } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeFlyte2ErrorDocument({ error: { code: "SYSTEM:Aborted", origin: 2 } });
 * assertEquals(decodeErrorDocument(bytes).error?.code, "SYSTEM:Aborted");
 * ```
 */
export function encodeFlyte2ErrorDocument(doc: Flyte2ErrorDocument): Uint8Array {
  return encodeWith(flyteidl2.core.ErrorDocument, doc);
}
