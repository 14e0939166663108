// google.protobuf.Struct <-> JSON values, as protobuf's JSON mapping (and flytekit's
// `json_format.MessageToDict`) does it: every number is a double.
import type { google } from "./gen/flyteidl.js";

/** A JSON value, as `google.protobuf.Value` can hold it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/**
 * Converts a `google.protobuf.Value` to a JSON value.
 *
 * @example A list with a null
 * ```ts
 * import { valueToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(valueToJson({ listValue: { values: [{ numberValue: 1 }, { nullValue: 0 }] } }), [
 *   1,
 *   null,
 * ]);
 * ```
 */
export function valueToJson(
  value: google.protobuf.Value.$Properties | null | undefined,
): JsonValue {
  if (!value) return null;
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.numberValue !== undefined && value.numberValue !== null) return value.numberValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  if (value.structValue) return structToJson(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(valueToJson);
  return null;
}

/**
 * Converts a `google.protobuf.Struct` to a JSON object.
 *
 * @example A Struct of one number
 * ```ts
 * import { structToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(structToJson({ fields: { port: { numberValue: 5432 } } }), { port: 5432 });
 * ```
 */
export function structToJson(
  struct: google.protobuf.Struct.$Properties | null | undefined,
): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = valueToJson(value);
  return out;
}

/**
 * Converts a JSON value to a `google.protobuf.Value`.
 *
 * @throws {TypeError} For values JSON cannot hold (bigint, functions, undefined in arrays) and
 * non-finite numbers.
 * @example A boolean
 * ```ts
 * import { jsonToValue } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(jsonToValue(true), { boolValue: true });
 * ```
 *
 * @example Round trip through a Value
 * ```ts
 * import { jsonToValue, type JsonValue, valueToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const value: JsonValue = { rows: [1, "two", null], ok: true };
 * assertEquals(valueToJson(jsonToValue(value)), value);
 * ```
 */
export function jsonToValue(value: JsonValue): google.protobuf.Value.$Properties {
  // NULL_VALUE, the only value of google.protobuf.NullValue.
  if (value === null) return { nullValue: 0 as google.protobuf.NullValue };
  switch (typeof value) {
    case "string":
      return { stringValue: value };
    case "boolean":
      return { boolValue: value };
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`Cannot store ${value} in a protobuf Struct: not a finite number`);
      }
      return { numberValue: value };
    case "object":
      if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
      return { structValue: jsonToStruct(value) };
    default:
      throw new TypeError(`Cannot store a ${typeof value} in a protobuf Struct`);
  }
}

/**
 * Converts a JSON object to a `google.protobuf.Struct`; keys whose value is `undefined` are
 * left out, as `JSON.stringify` does.
 *
 * @example Nested values round-trip
 * ```ts
 * import { jsonToStruct, structToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(structToJson(jsonToStruct({ a: [1, "b"], c: { d: null } })), {
 *   a: [1, "b"],
 *   c: { d: null },
 * });
 * ```
 */
export function jsonToStruct(
  object: { [key: string]: JsonValue | undefined },
): google.protobuf.Struct.$Properties {
  const fields: { [key: string]: google.protobuf.Value.$Properties } = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) fields[key] = jsonToValue(value);
  }
  return { fields };
}
