// Enum literals: a string value that must be one of the declared values.
import type { Literal, LiteralType } from "../idl/mod.ts";
import { type Ctx, describeLiteral, describeValue, mismatch } from "./_context.ts";

/** Reads an enum value (a `string_value` primitive) and checks it is declared. */
export function readEnum(literal: Literal, type: LiteralType, ctx: Ctx): string {
  const value = literal.scalar?.primitive?.stringValue;
  if (value === null || value === undefined) throw mismatch(ctx, type, describeLiteral(literal));
  if (!(type.enumType?.values ?? []).includes(value)) {
    throw mismatch(ctx, type, `string_value "${value}"`);
  }
  return value;
}

/** Writes an enum value after checking it is declared. */
export function writeEnum(value: unknown, type: LiteralType, ctx: Ctx): Literal {
  if (typeof value !== "string") throw mismatch(ctx, type, describeValue(value));
  if (!(type.enumType?.values ?? []).includes(value)) throw mismatch(ctx, type, `"${value}"`);
  return { scalar: { primitive: { stringValue: value } } };
}
