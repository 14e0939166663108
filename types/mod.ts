/**
 * The literal type engine: conversion between Flyte literals and TypeScript values, guided by
 * the `LiteralType`s of a task's interface, in both directions.
 *
 * Values: integer as `bigint` (numbers accepted when they are safe integers), float as `number`,
 * string, boolean, none as `null`, datetime as {@linkcode Timestamp}, duration as
 * {@linkcode Duration}, blobs as {@linkcode FlyteFile} / {@linkcode FlyteDirectory}, structured
 * datasets and legacy schemas as {@linkcode StructuredDataset}, collections as arrays, maps and
 * STRUCTs (msgpack or protobuf Struct) as plain objects, enums as strings, unions as the inner
 * value. Offloaded literals are fetched through storage.
 *
 * @example Read a task's inputs and write its outputs
 * ```ts
 * import { literalMapToValues, Types, valuesToLiteralMap } from "@flyteshim/flyteshim/types";
 * import { toInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const inputs = { limit: Types.integer, names: Types.list(Types.string) };
 * const values = await literalMapToValues({
 *   literals: {
 *     limit: { scalar: { primitive: { integer: toInt64(10) } } },
 *     names: { collection: { literals: [{ scalar: { primitive: { stringValue: "a" } } }] } },
 *   },
 * }, inputs);
 * assertEquals(values, { limit: 10n, names: ["a"] });
 *
 * const out = await valuesToLiteralMap({ total: values.limit * 2n }, { total: Types.integer });
 * assertEquals(Object.keys(out.literals ?? {}), ["total"]);
 * ```
 *
 * @module
 */

export type { ConvertOptions, LiteralStorage, LiteralStorageCallOptions } from "./_context.ts";
export { type DeclaredType, fromLiteral, toLiteral } from "./convert.ts";
export { literalMapToValues, valuesToLiteralMap, type VariableTypes } from "./literal_map.ts";
export {
  type ColumnType,
  type ColumnValue,
  type DatasetRow,
  type Flatten,
  type InferInput,
  type InferInputs,
  type InferValue,
  type InferValues,
  type OptionalInputKeys,
  type StructTypeOptions,
  type StructuredDatasetTypeOptions,
  type TypeDescriptor,
  Types,
  type TypesBuilder,
} from "./descriptors.ts";
export {
  type BlobInit,
  type DatasetColumn,
  Duration,
  FlyteDirectory,
  FlyteFile,
  type FromLocalOptions,
  StructuredDataset,
  type StructuredDatasetInit,
  Timestamp,
} from "./values.ts";
