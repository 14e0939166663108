// STRUCT literals: flytekit 1.14+ writes dicts, dataclasses and pydantic models as msgpack binary
// (`scalar.binary{tag: "msgpack"}`), older versions as a protobuf Struct (`scalar.generic`). Both
// are read into a plain object; integers beyond 2^53 stay bigint. The msgpack library is
// imported only when a msgpack literal is met.
import {
  jsonToStruct,
  type JsonValue,
  type Literal,
  type LiteralType,
  structToJson,
} from "../idl/core.ts";
import { type Ctx, describeLiteral, describeValue, invalid, mismatch } from "./_context.ts";
import { Duration, FlyteDirectory, FlyteFile, StructuredDataset, Timestamp } from "./values.ts";

/** The binary tag flytekit writes for msgpack STRUCT literals. */
export const MSGPACK_TAG = "msgpack";

/** The annotation flytekit puts on STRUCT types it serializes with msgpack. */
export const MSGPACK_ANNOTATION: JsonValue = {
  "cache-key-metadata": { "serialization-format": "msgpack" },
};

/** Whether a STRUCT type asks for msgpack (flytekit >= 1.14 annotates it so). */
export function wantsMsgpack(type: LiteralType): boolean {
  const annotations = structToJson(type.annotation?.annotations);
  const meta = annotations["cache-key-metadata"];
  return meta !== null && typeof meta === "object" && !Array.isArray(meta) &&
    meta["serialization-format"] === MSGPACK_TAG;
}

/** Numbers that fit stay numbers; larger integers stay bigint (never rounded). */
function fromMsgpack(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (Array.isArray(value)) return value.map(fromMsgpack);
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromMsgpack(v);
    return out;
  }
  return value;
}

/** Reads a `binary` (msgpack) or `generic` scalar into a plain object. */
export async function readStruct(
  literal: Literal,
  type: LiteralType,
  ctx: Ctx,
): Promise<Record<string, unknown>> {
  const scalar = literal.scalar;
  if (scalar?.generic) return structToJson(scalar.generic);
  if (scalar?.binary && scalar.binary.tag === MSGPACK_TAG) {
    const { decode } = await import("@msgpack/msgpack");
    let decoded: unknown;
    try {
      decoded = decode(scalar.binary.value ?? new Uint8Array(), { useBigInt64: true });
    } catch (cause) {
      throw invalid(ctx, `the msgpack bytes do not decode: ${(cause as Error).message}`, cause);
    }
    const value = fromMsgpack(decoded);
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw mismatch(ctx, type, `msgpack ${describeValue(value)}`);
    }
    return value as Record<string, unknown>;
  }
  throw mismatch(ctx, type, describeLiteral(literal));
}

/**
 * Turns the engine's value classes into what flytekit's mashumaro writes for them: datetimes as ISO
 * strings, durations as seconds, files and folders as `{path}`, datasets as `{uri, file_format}`.
 */
function toPlain(value: unknown, ctx: Ctx, forJson: boolean): unknown {
  if (value instanceof Timestamp) return value.toISOString();
  if (value instanceof Date) return Timestamp.fromDate(value).toISOString();
  if (value instanceof Duration) return value.toMilliseconds() / 1000;
  if (value instanceof FlyteFile || value instanceof FlyteDirectory) return { path: value.uri };
  if (value instanceof StructuredDataset) return { uri: value.uri, file_format: value.format };
  if (typeof value === "bigint") {
    if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
      return Number(value);
    }
    if (forJson) throw invalid(ctx, `bigint ${value} cannot be held exactly by a protobuf Struct`);
    return value;
  }
  // Strings are UTF-8 in both forms: protobufjs and the msgpack encoder write a lone surrogate as
  // bytes that no reader (propeller, Python's msgpack) accepts.
  if (typeof value === "string" && !value.isWellFormed()) {
    throw invalid(ctx, "a string holds a lone surrogate (it is not well-formed Unicode)");
  }
  if (Array.isArray(value)) return value.map((v) => toPlain(v, ctx, forJson));
  if (value instanceof Uint8Array) {
    if (forJson) throw invalid(ctx, "bytes cannot be held by a protobuf Struct");
    return value;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (!k.isWellFormed()) {
        throw invalid(ctx, "a key holds a lone surrogate (it is not well-formed Unicode)");
      }
      if (v !== undefined) out[k] = toPlain(v, ctx, forJson);
    }
    return out;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Writes a plain object as a STRUCT literal: msgpack binary when the type carries flytekit's
 * msgpack annotation, a protobuf Struct otherwise.
 */
export async function writeStruct(value: unknown, type: LiteralType, ctx: Ctx): Promise<Literal> {
  if (!isPlainObject(value)) throw mismatch(ctx, type, describeValue(value));
  if (wantsMsgpack(type)) {
    const { encode } = await import("@msgpack/msgpack");
    const bytes = encode(toPlain(value, ctx, false), { useBigInt64: true, ignoreUndefined: true });
    return { scalar: { binary: { value: bytes, tag: MSGPACK_TAG } } };
  }
  let struct;
  try {
    struct = jsonToStruct(toPlain(value, ctx, true) as Record<string, JsonValue>);
  } catch (cause) {
    throw invalid(ctx, (cause as Error).message, cause);
  }
  return { scalar: { generic: struct } };
}
