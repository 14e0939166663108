/**
 * The Flyte IDL messages every task run reads and writes, without protobufjs: task templates,
 * literal maps, literals and error documents (binary protobuf, as flytekit and propeller write
 * them), the enums they use, and int64 values as `bigint`. It is published as part of
 * `@flyteshim/flyteshim/idl`, which adds protobufjs's generated classes (`flyteidl`, `google`)
 * for everything else; this module alone loads in a fraction of the time those take, which is
 * why the runtime imports it directly.
 *
 * @example Decode a template and read its custom config
 * ```ts
 * import { decodeTaskTemplate, encodeTaskTemplate, structToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeTaskTemplate({
 *   type: "sqlite",
 *   custom: { fields: { uri: { stringValue: "db.sqlite" } } },
 * });
 * const template = decodeTaskTemplate(bytes);
 * assertEquals(template.type, "sqlite");
 * assertEquals(structToJson(template.custom), { uri: "db.sqlite" });
 * ```
 *
 * @module
 */

import type { flyteidl, google } from "./gen/flyteidl.js";
import {
  decodeMessage,
  encodeMessage,
  fitsMessage as fitsWire,
  isDecoded,
  wireEnum,
} from "./_wire.ts";
import { parseAs } from "./_codec.ts";

export type { Long } from "./gen/flyteidl.js";
export { fromInt64, type Int64, toInt64 } from "./_int64.ts";
export { jsonToStruct, jsonToValue, type JsonValue, structToJson, valueToJson } from "./struct.ts";

function decodeWith<T>(type: string, name: string, bytes: Uint8Array): T {
  return parseAs(name, () => decodeMessage<T>(type, bytes));
}

/** A `flyteidl.core.TaskTemplate`, as decoded or as given to the encoder. */
export type TaskTemplate = flyteidl.core.TaskTemplate.$Properties;
/** A `flyteidl.core.LiteralMap`. */
export type LiteralMap = flyteidl.core.LiteralMap.$Properties;
/** A `flyteidl.core.Literal`. */
export type Literal = flyteidl.core.Literal.$Properties;
/** A `flyteidl.core.LiteralType`. */
export type LiteralType = flyteidl.core.LiteralType.$Properties;
/** A `flyteidl.core.ErrorDocument` (the content of `error.pb`). */
export type ErrorDocument = flyteidl.core.ErrorDocument.$Properties;
/** A `flyteidl.core.TypedInterface`. */
export type TypedInterface = flyteidl.core.TypedInterface.$Properties;
/** A `flyteidl.core.Variable`. */
export type Variable = flyteidl.core.Variable.$Properties;

/**
 * Decodes a binary `flyteidl.core.TaskTemplate` (the `task.pb` propeller uploads).
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example Round trip
 * ```ts
 * import { decodeTaskTemplate, encodeTaskTemplate } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(decodeTaskTemplate(encodeTaskTemplate({ type: "sqlite" })).type, "sqlite");
 * ```
 *
 * @example Build a template and encode it
 * ```ts
 * import {
 *   decodeTaskTemplate,
 *   encodeTaskTemplate,
 *   type TaskTemplate,
 * } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const template: TaskTemplate = { type: "sqlite", id: { name: "sql.tracks", version: "v1" } };
 * assertEquals(decodeTaskTemplate(encodeTaskTemplate(template)).id?.name, "sql.tracks");
 * ```
 *
 * @example A list of strings in a task's interface
 * ```ts
 * import {
 *   decodeTaskTemplate,
 *   encodeTaskTemplate,
 *   type LiteralType,
 *   SimpleType,
 * } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const names: LiteralType = { collectionType: { simple: SimpleType.STRING } };
 * const template = decodeTaskTemplate(
 *   encodeTaskTemplate({ interface: { inputs: { variables: { names: { type: names } } } } }),
 * );
 * assertEquals(
 *   template.interface?.inputs?.variables?.names.type?.collectionType?.simple,
 *   SimpleType.STRING,
 * );
 * ```
 *
 * @example A template's outputs
 * ```ts
 * import {
 *   decodeTaskTemplate,
 *   encodeTaskTemplate,
 *   SimpleType,
 *   type TypedInterface,
 * } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const iface: TypedInterface = {
 *   outputs: { variables: { n: { type: { simple: SimpleType.INTEGER } } } },
 * };
 * const template = decodeTaskTemplate(encodeTaskTemplate({ type: "sqlite", interface: iface }));
 * assertEquals(Object.keys(template.interface?.outputs?.variables ?? {}), ["n"]);
 * ```
 *
 * @example A described input
 * ```ts
 * import {
 *   decodeTaskTemplate,
 *   encodeTaskTemplate,
 *   SimpleType,
 *   type Variable,
 * } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const limit: Variable = { type: { simple: SimpleType.INTEGER }, description: "rows to read" };
 * const template = decodeTaskTemplate(
 *   encodeTaskTemplate({ interface: { inputs: { variables: { limit } } } }),
 * );
 * assertEquals(template.interface?.inputs?.variables?.limit.description, "rows to read");
 * ```
 */
export function decodeTaskTemplate(bytes: Uint8Array): TaskTemplate {
  return decodeWith("flyteidl.core.TaskTemplate", "TaskTemplate", bytes);
}

/**
 * Whether bytes are, field for field, a message of the given Flyte IDL type (a full name such as
 * `flyteidl.core.LiteralMap`): every field is one the type declares, with its wire type, and
 * nested messages fit their own types. Decoding is lenient, as protobuf requires (unknown fields
 * are skipped, so an inputs file decodes as an empty task template); this check tells one message
 * from another, for error messages that say what a file looks like.
 *
 * @example An inputs file is not a task template
 * ```ts
 * import { encodeLiteralMap, fitsMessage, toInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = encodeLiteralMap({
 *   literals: { limit: { scalar: { primitive: { integer: toInt64(10) } } } },
 * });
 * assertEquals(fitsMessage("flyteidl.core.LiteralMap", bytes), true);
 * assertEquals(fitsMessage("flyteidl.core.TaskTemplate", bytes), false);
 * ```
 */
export function fitsMessage(type: string, bytes: Uint8Array): boolean {
  return fitsWire(type, bytes);
}

/**
 * Encodes a `flyteidl.core.TaskTemplate` to its binary form.
 *
 * @example Encode
 * ```ts
 * import { encodeTaskTemplate } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(encodeTaskTemplate({ type: "x" }), new Uint8Array([0x12, 1, 0x78]));
 * ```
 */
export function encodeTaskTemplate(template: TaskTemplate): Uint8Array {
  return encodeMessage("flyteidl.core.TaskTemplate", template);
}

/**
 * Decodes a binary `flyteidl.core.LiteralMap` (`inputs.pb` or `outputs.pb`).
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example An empty map
 * ```ts
 * import { decodeLiteralMap } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(Object.keys(decodeLiteralMap(new Uint8Array()).literals ?? {}), []);
 * ```
 *
 * @example The inputs of a task
 * ```ts
 * import { decodeLiteralMap, encodeLiteralMap, type LiteralMap } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const inputs: LiteralMap = {
 *   literals: { name: { scalar: { primitive: { stringValue: "Flyte" } } } },
 * };
 * const decoded = decodeLiteralMap(encodeLiteralMap(inputs));
 * assertEquals(decoded.literals?.name.scalar?.primitive?.stringValue, "Flyte");
 * ```
 */
export function decodeLiteralMap(bytes: Uint8Array): LiteralMap {
  return decodeWith("flyteidl.core.LiteralMap", "LiteralMap", bytes);
}

/**
 * Encodes a `flyteidl.core.LiteralMap`; an empty map encodes to zero bytes, as in flytekit.
 *
 * @example Integer literal
 * ```ts
 * import {
 *   decodeLiteralMap,
 *   encodeLiteralMap,
 *   fromInt64,
 *   toInt64,
 * } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const big = 2n ** 60n;
 * const bytes = encodeLiteralMap({
 *   literals: { n: { scalar: { primitive: { integer: toInt64(big) } } } },
 * });
 * assertEquals(fromInt64(decodeLiteralMap(bytes).literals!.n.scalar!.primitive!.integer), big);
 * ```
 */
export function encodeLiteralMap(map: LiteralMap): Uint8Array {
  return encodeMessage("flyteidl.core.LiteralMap", map);
}

/**
 * Decodes a binary `flyteidl.core.Literal` (for example an offloaded literal).
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example Round trip
 * ```ts
 * import { decodeLiteral, encodeLiteral } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const lit = decodeLiteral(encodeLiteral({ scalar: { primitive: { stringValue: "hi" } } }));
 * assertEquals(lit.scalar?.primitive?.stringValue, "hi");
 * ```
 *
 * @example A collection literal
 * ```ts
 * import { decodeLiteral, encodeLiteral, type Literal } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const literal: Literal = {
 *   collection: { literals: [{ scalar: { primitive: { boolean: true } } }] },
 * };
 * assertEquals(decodeLiteral(encodeLiteral(literal)).collection?.literals?.length, 1);
 * ```
 */
export function decodeLiteral(bytes: Uint8Array): Literal {
  return decodeWith("flyteidl.core.Literal", "Literal", bytes);
}

/**
 * Encodes a `flyteidl.core.Literal`.
 *
 * @example Encode a boolean
 * ```ts
 * import { encodeLiteral } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(encodeLiteral({ scalar: { primitive: { boolean: true } } }).length, 6);
 * ```
 */
export function encodeLiteral(literal: Literal): Uint8Array {
  return encodeMessage("flyteidl.core.Literal", literal);
}

/**
 * Decodes a binary `flyteidl.core.ErrorDocument` (`error.pb`).
 *
 * @throws {SyntaxError} When the bytes are not a valid message.
 * @example Round trip
 * ```ts
 * import { decodeErrorDocument, encodeErrorDocument } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const doc = decodeErrorDocument(
 *   encodeErrorDocument({ error: { code: "USER:SqlError", message: "boom" } }),
 * );
 * assertEquals(doc.error?.code, "USER:SqlError");
 * ```
 *
 * @example A user error document
 * ```ts
 * import {
 *   decodeErrorDocument,
 *   encodeErrorDocument,
 *   type ErrorDocument,
 *   ErrorKind,
 * } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const doc: ErrorDocument = {
 *   error: { code: "USER:SqlError", message: "no such table: t", origin: ErrorKind.USER },
 * };
 * assertEquals(decodeErrorDocument(encodeErrorDocument(doc)).error?.origin, ErrorKind.USER);
 * ```
 */
export function decodeErrorDocument(bytes: Uint8Array): ErrorDocument {
  return decodeWith("flyteidl.core.ErrorDocument", "ErrorDocument", bytes);
}

/**
 * Encodes a `flyteidl.core.ErrorDocument`.
 *
 * @example Encode
 * ```ts
 * import { ContainerErrorKind, encodeErrorDocument } from "@flyteshim/flyteshim/idl";
 * import { assert } from "@std/assert";
 *
 * const bytes = encodeErrorDocument({
 *   error: { code: "SYSTEM", kind: ContainerErrorKind.RECOVERABLE },
 * });
 * assert(bytes.length > 0);
 * ```
 */
export function encodeErrorDocument(doc: ErrorDocument): Uint8Array {
  return encodeMessage("flyteidl.core.ErrorDocument", doc);
}

/**
 * Encodes a `flyteidl.core.LiteralType`; two types are the same type when their bytes are equal.
 *
 * @example The same type, written two ways
 * ```ts
 * import { encodeLiteralType, SimpleType } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const declared = encodeLiteralType({ simple: SimpleType.INTEGER, metadata: null });
 * assertEquals(declared, encodeLiteralType({ simple: 1 }));
 * ```
 */
export function encodeLiteralType(type: LiteralType): Uint8Array {
  return encodeMessage("flyteidl.core.LiteralType", type);
}

/**
 * Whether a value is a message of the given Flyte IDL type (a full name such as
 * `flyteidl.core.Variable`) as this module's decoders return it. Decoded messages inherit the
 * defaults of unset fields from one prototype per type, so a decoded message tells its type even
 * when none of its fields is set.
 *
 * @example A decoded template and a plain object
 * ```ts
 * import { decodeTaskTemplate, isDecodedMessage } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const template = decodeTaskTemplate(new Uint8Array());
 * assertEquals(isDecodedMessage("flyteidl.core.TaskTemplate", template), true);
 * assertEquals(isDecodedMessage("flyteidl.core.TaskTemplate", {}), false);
 * ```
 */
export function isDecodedMessage(type: string, value: unknown): boolean {
  return isDecoded(value, type);
}

/** `flyteidl.core.SimpleType`: the types of primitive literals. */
export const SimpleType: typeof flyteidl.core.SimpleType = wireEnum("flyteidl.core.SimpleType");

/** `flyteidl.core.BlobType.BlobDimensionality`: a single file or a folder (multipart). */
export const BlobDimensionality: typeof flyteidl.core.BlobType.BlobDimensionality = wireEnum(
  "flyteidl.core.BlobType.BlobDimensionality",
);

/** `flyteidl.core.SchemaType.SchemaColumn.SchemaColumnType`: column types of flytekit's schemas. */
export const SchemaColumnType: typeof flyteidl.core.SchemaType.SchemaColumn.SchemaColumnType =
  wireEnum("flyteidl.core.SchemaType.SchemaColumn.SchemaColumnType");

/** `flyteidl.core.ContainerError.Kind`: whether propeller may retry a failed task. */
export const ContainerErrorKind: typeof flyteidl.core.ContainerError.Kind = wireEnum(
  "flyteidl.core.ContainerError.Kind",
);

/** `flyteidl.core.ExecutionError.ErrorKind`: who caused a failure, the user or the system. */
export const ErrorKind: typeof flyteidl.core.ExecutionError.ErrorKind = wireEnum(
  "flyteidl.core.ExecutionError.ErrorKind",
);

/** `flyteidl.core.Secret.MountType`: how a task asks for a secret. */
export const SecretMountType: typeof flyteidl.core.Secret.MountType = wireEnum(
  "flyteidl.core.Secret.MountType",
);

/** `flyteidl.core.Resources.ResourceName`: the resources a container requests. */
export const ResourceName: typeof flyteidl.core.Resources.ResourceName = wireEnum(
  "flyteidl.core.Resources.ResourceName",
);

/** `google.protobuf.NullValue`: the value of a JSON `null` in a `google.protobuf.Struct`. */
export const NullValue: typeof google.protobuf.NullValue = wireEnum("google.protobuf.NullValue");
