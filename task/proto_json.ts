// A proto3 JSON encoder for the flyteidl messages of task registration (TaskTemplate, TaskSpec
// and everything they hold): lowerCamelCase names, enum names, 64-bit integers as strings,
// defaults omitted, and the well-known types (Struct, Duration, Timestamp, BoolValue) in their
// JSON forms.
import {
  flyteidl,
  fromInt64,
  type Int64,
  type JsonValue,
  structToJson,
  valueToJson,
} from "../idl/mod.ts";
import { type FieldSpec, MESSAGES } from "./_proto_json_schema.ts";

const INT64 = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const NUMBERS = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32", "double", "float"]);

type Message = Record<string, unknown>;

function enumOf(name: string): Record<number, string> | undefined {
  let node: unknown = { flyteidl };
  for (const part of name.split(".")) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  return node as Record<number, string> | undefined;
}

function fraction(nanos: number): string {
  if (nanos === 0) return "";
  const digits = String(nanos).padStart(9, "0");
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}

function durationJson(value: Message): string {
  const seconds = fromInt64(value.seconds as Int64 | undefined);
  const nanos = Number(value.nanos ?? 0);
  const negative = seconds < 0n || nanos < 0;
  const abs = seconds < 0n ? -seconds : seconds;
  return `${negative ? "-" : ""}${abs}${fraction(Math.abs(nanos))}s`;
}

function timestampJson(value: Message): string {
  const seconds = fromInt64(value.seconds as Int64 | undefined);
  const nanos = Number(value.nanos ?? 0);
  const iso = new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "");
  return `${iso}${fraction(nanos)}Z`;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function isDefault(value: unknown, type: string): boolean {
  if (value === null || value === undefined) return true;
  if (type === "string") return value === "";
  if (type === "bool") return value === false;
  if (type === "bytes") return (value as Uint8Array).length === 0;
  if (INT64.has(type)) return fromInt64(value as Int64) === 0n;
  if (NUMBERS.has(type) || !MESSAGES[type] && !WELL_KNOWN.has(type)) {
    return value === 0 && !Object.is(value, -0);
  }
  return false; // a message that is set is written, even when empty
}

const WELL_KNOWN = new Set([
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.Duration",
  "google.protobuf.Timestamp",
  "google.protobuf.BoolValue",
]);

function single(value: unknown, type: string): JsonValue {
  switch (type) {
    case "string":
    case "bool":
      return value as string | boolean;
    case "bytes":
      return base64(value as Uint8Array);
    case "google.protobuf.Struct":
      return structToJson(value as Parameters<typeof structToJson>[0]);
    case "google.protobuf.Value":
      return valueToJson(value as Parameters<typeof valueToJson>[0]);
    case "google.protobuf.ListValue":
      return ((value as { values?: unknown[] }).values ?? []).map((v) =>
        valueToJson(v as Parameters<typeof valueToJson>[0])
      );
    case "google.protobuf.Duration":
      return durationJson(value as Message);
    case "google.protobuf.Timestamp":
      return timestampJson(value as Message);
    case "google.protobuf.BoolValue":
      return (value as { value?: boolean }).value === true;
  }
  if (INT64.has(type)) return String(fromInt64(value as Int64));
  if (NUMBERS.has(type)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : String(n).replace("Infinity", "Infinity");
  }
  if (MESSAGES[type]) return encodeMessage(value as Message, type);
  const names = enumOf(type);
  if (!names) throw new TypeError(`Cannot encode type "${type}" as proto3 JSON: unknown type`);
  return names[value as number] ?? (value as number);
}

function encodeMessage(message: Message, type: string): { [key: string]: JsonValue } {
  const fields: readonly FieldSpec[] = MESSAGES[type];
  const out: { [key: string]: JsonValue } = {};
  for (const [name, fieldType, flags = ""] of fields) {
    const value = message[name];
    if (value === null || value === undefined) continue;
    if (flags.includes("m")) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length) {
        out[name] = Object.fromEntries(entries.map(([k, v]) => [k, single(v, fieldType)]));
      }
    } else if (flags.includes("r")) {
      const items = value as unknown[];
      if (items.length) out[name] = items.map((v) => single(v, fieldType));
    } else if (flags.includes("o") || !isDefault(value, fieldType)) {
      out[name] = single(value, fieldType);
    }
  }
  return out;
}

/**
 * Encodes a flyteidl message as proto3 JSON (the JSON `protoc`-generated code and
 * `google.protobuf.json_format` write): lowerCamelCase field names, enum names, 64-bit integers
 * as strings, default values left out, Struct as a plain object, Duration as `"600s"`.
 *
 * Covers `flyteidl.admin.TaskSpec`, `flyteidl.core.TaskTemplate` and every message they hold.
 *
 * @throws {TypeError} For a message type outside that set.
 * @example A template as proto3 JSON
 * ```ts
 * import { toProto3Json } from "@flyteshim/flyteshim/task";
 * import { toInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const json = toProto3Json({
 *   type: "sqlite",
 *   metadata: {
 *     runtime: { type: 1, version: "0.1.0" },
 *     timeout: { seconds: toInt64(600) },
 *     retries: { retries: 0 },
 *   },
 *   custom: { fields: { port: { numberValue: 5432 } } },
 * }, "flyteidl.core.TaskTemplate");
 * assertEquals(json, {
 *   type: "sqlite",
 *   metadata: { runtime: { type: "FLYTE_SDK", version: "0.1.0" }, timeout: "600s", retries: {} },
 *   custom: { port: 5432 },
 * });
 * ```
 */
export function toProto3Json(message: object, type: string): { [key: string]: JsonValue } {
  if (!MESSAGES[type]) {
    throw new TypeError(`Cannot encode "${type}" as proto3 JSON: not a task registration message`);
  }
  return encodeMessage(message as Message, type);
}
