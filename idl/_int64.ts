// int64 <-> bigint without precision loss. Decoders give int64 fields as `Long`-shaped objects
// (`{ low, high, unsigned }`; protobufjs without its Long class, plain numbers) and both encoders
// take either.
import type { Long } from "./gen/flyteidl.js";

/**
 * A 64-bit integer as two 32-bit halves, shaped like the \`long\` package's \`Long\` that
 * protobufjs uses (so \`Number(value)\` and \`String(value)\` work as they do there).
 */
export class LongBits implements Long {
  constructor(public low: number, public high: number, public unsigned: boolean) {}

  /** The value as a bigint, exactly. */
  toBigInt(): bigint {
    return fromInt64(this);
  }

  /** The value as a number (inexact beyond 2^53, as \`Long.toNumber\`). */
  toNumber(): number {
    const high = this.unsigned ? this.high >>> 0 : this.high | 0;
    return high * 4294967296 + (this.low >>> 0);
  }

  /** The value in decimal (or another radix). */
  toString(radix = 10): string {
    return this.toBigInt().toString(radix);
  }

  /** As \`Long\`, the value as a number. */
  valueOf(): number {
    return this.toNumber();
  }
}

/** An int64 as protobufjs gives it: a `Long` or a number. */
export type Int64 = number | Long;

/**
 * Converts an int64 field as decoded by protobufjs to a `bigint`, losslessly.
 *
 * @example A protobufjs Long and a missing field
 * ```ts
 * import { fromInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(fromInt64({ low: 0, high: 1, unsigned: false }), 4294967296n);
 * assertEquals(fromInt64(undefined), 0n);
 * ```
 *
 * @example Convert both ways
 * ```ts
 * import { fromInt64, type Int64, toInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const value: Int64 = toInt64(2n ** 40n);
 * assertEquals(fromInt64(value), 2n ** 40n);
 * assertEquals(fromInt64(42), 42n);
 * ```
 */
export function fromInt64(value: Int64 | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === "number") return BigInt(value);
  const low = BigInt(value.low >>> 0);
  const high = value.unsigned ? BigInt(value.high >>> 0) : BigInt(value.high | 0);
  return (high << 32n) + low;
}

/**
 * Converts a `bigint` (or a safe integer) into the int64 form protobufjs encodes.
 *
 * @throws {RangeError} When the value does not fit in a signed 64-bit integer, or is a number
 * that is not a safe integer.
 * @example The smallest int64 round-trips
 * ```ts
 * import { fromInt64, toInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(fromInt64(toInt64(-(2n ** 63n))), -(2n ** 63n));
 * ```
 */
export function toInt64(value: bigint | number): Int64 {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`Cannot encode ${value} as int64: not a safe integer`);
    }
    value = BigInt(value);
  }
  if (value < -(2n ** 63n) || value >= 2n ** 63n) {
    throw new RangeError(`Cannot encode ${value} as int64: out of range`);
  }
  const u = BigInt.asUintN(64, value);
  const low = Number(u & 0xffffffffn) | 0;
  const high = Number(u >> 32n) | 0;
  return new LongBits(low, high, false);
}
