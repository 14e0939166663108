// Primitive literals: integer (int64 as bigint), float, string, boolean, datetime, duration, none
// and raw binary.
import type { flyteidl } from "../idl/mod.ts";
import { fromInt64, type Literal, type LiteralType, SimpleType, toInt64 } from "../idl/core.ts";
import { type Ctx, describeLiteral, describeValue, invalid, mismatch } from "./_context.ts";
import { Duration, Timestamp } from "./values.ts";

const S = SimpleType;

function isSet<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** Reads a literal declared with one of the primitive simple types (not STRUCT). */
export function readPrimitive(literal: Literal, type: LiteralType, ctx: Ctx): unknown {
  const scalar = literal.scalar;
  const p = scalar?.primitive;
  switch (type.simple) {
    case S.INTEGER:
      if (p && isSet(p.integer)) return fromInt64(p.integer);
      if (p && isSet(p.floatValue) && Number.isInteger(p.floatValue) && !ctx.strict) {
        if (!Number.isSafeInteger(p.floatValue)) {
          throw invalid(ctx, `float ${p.floatValue} is beyond 2^53 and may have been rounded`);
        }
        return BigInt(p.floatValue);
      }
      if (p && isSet(p.floatValue) && !ctx.strict) {
        throw mismatch(ctx, type, `float_value ${p.floatValue}`);
      }
      break;
    case S.FLOAT:
      if (p && isSet(p.floatValue)) return p.floatValue;
      if (p && isSet(p.integer) && !ctx.strict) {
        const big = fromInt64(p.integer);
        const n = Number(big);
        if (BigInt(n) !== big) {
          throw invalid(ctx, `integer ${big} cannot be held exactly by a float`);
        }
        return n;
      }
      break;
    case S.STRING:
      if (p && isSet(p.stringValue)) return p.stringValue;
      break;
    case S.BOOLEAN:
      if (p && isSet(p.boolean)) return p.boolean;
      break;
    case S.DATETIME:
      if (p?.datetime) return new Timestamp(fromInt64(p.datetime.seconds), p.datetime.nanos ?? 0);
      break;
    case S.DURATION:
      if (p?.duration) return new Duration(fromInt64(p.duration.seconds), p.duration.nanos ?? 0);
      break;
    case S.NONE:
      if (scalar?.noneType) return null;
      break;
    case S.BINARY:
      if (scalar?.binary) return scalar.binary.value ?? new Uint8Array();
      break;
    case S.ERROR:
      if (scalar?.error) {
        return {
          failedNodeId: scalar.error.failedNodeId ?? "",
          message: scalar.error.message ?? "",
        };
      }
      break;
  }
  throw mismatch(ctx, type, describeLiteral(literal));
}

function primitive(value: flyteidl.core.Primitive.$Properties): Literal {
  return { scalar: { primitive: value } };
}

/** A `google.protobuf.Timestamp`/`Duration` without zero fields, as protoc writes it. */
function secondsNanos(
  seconds: bigint,
  nanos: number,
): { seconds?: ReturnType<typeof toInt64>; nanos?: number } {
  const out: { seconds?: ReturnType<typeof toInt64>; nanos?: number } = {};
  if (seconds !== 0n) out.seconds = toInt64(seconds);
  if (nanos !== 0) out.nanos = nanos;
  return out;
}

/** Writes a value declared with one of the primitive simple types (not STRUCT). */
export function writePrimitive(value: unknown, type: LiteralType, ctx: Ctx): Literal {
  switch (type.simple) {
    case S.INTEGER:
      if (typeof value === "bigint") {
        if (value < -(2n ** 63n) || value >= 2n ** 63n) {
          throw invalid(ctx, `${value} is beyond int64`);
        }
        return primitive({ integer: toInt64(value) });
      }
      if (typeof value === "number" && Number.isInteger(value) && !ctx.strict) {
        if (!Number.isSafeInteger(value)) {
          throw invalid(
            ctx,
            `number ${value} is beyond 2^53 and may have been rounded: pass a bigint`,
          );
        }
        return primitive({ integer: toInt64(value) });
      }
      break;
    case S.FLOAT:
      if (typeof value === "number") return primitive({ floatValue: value });
      if (typeof value === "bigint" && !ctx.strict) {
        const n = Number(value);
        if (BigInt(n) !== value) {
          throw invalid(ctx, `bigint ${value} cannot be held exactly by a float`);
        }
        return primitive({ floatValue: n });
      }
      break;
    case S.STRING:
      if (typeof value === "string") {
        // Protobuf strings are UTF-8: a lone surrogate would be written as bytes that no reader
        // (propeller included) accepts, making the whole literal map unreadable.
        if (!value.isWellFormed()) {
          throw invalid(ctx, "the string holds a lone surrogate (it is not well-formed Unicode)");
        }
        return primitive({ stringValue: value });
      }
      break;
    case S.BOOLEAN:
      if (typeof value === "boolean") return primitive({ boolean: value });
      break;
    case S.DATETIME: {
      let ts: Timestamp | undefined;
      if (value instanceof Timestamp) ts = value;
      else if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw invalid(ctx, "the Date is invalid");
        ts = Timestamp.fromDate(value);
      } else if (typeof value === "string" && !ctx.strict) {
        try {
          ts = Timestamp.parse(value);
        } catch (cause) {
          throw mismatch(ctx, type, "a string that is not an ISO 8601 date-time", cause);
        }
      }
      if (ts) return primitive({ datetime: secondsNanos(ts.seconds, ts.nanos) });
      break;
    }
    case S.DURATION: {
      let d: Duration | undefined;
      if (value instanceof Duration) d = value;
      else if (typeof value === "string" && !ctx.strict) {
        try {
          d = Duration.parse(value);
        } catch (cause) {
          throw mismatch(ctx, type, "a string that is not a duration", cause);
        }
      }
      if (d) return primitive({ duration: secondsNanos(d.seconds, d.nanos) });
      break;
    }
    case S.NONE:
      if (value === null || value === undefined) return { scalar: { noneType: {} } };
      break;
    case S.BINARY:
      if (value instanceof Uint8Array) return { scalar: { binary: { value } } };
      break;
    case S.ERROR:
      if (value && typeof value === "object" && "message" in value) {
        const { failedNodeId, message } = value as { failedNodeId?: string; message?: string };
        return { scalar: { error: { failedNodeId, message } } };
      }
      break;
  }
  throw mismatch(ctx, type, describeValue(value));
}
