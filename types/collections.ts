// Collections (arrays) and maps (plain objects with string keys).
import type { Literal, LiteralType } from "../idl/mod.ts";
import { child, type Ctx, describeLiteral, describeValue, invalid, mismatch } from "./_context.ts";

/** Reads a `collection` literal into an array. */
export async function readCollection(
  literal: Literal,
  type: LiteralType,
  ctx: Ctx,
): Promise<unknown[]> {
  if (!literal.collection) throw mismatch(ctx, type, describeLiteral(literal));
  const items = literal.collection.literals ?? [];
  const out = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) {
    out[i] = await ctx.read(items[i], type.collectionType!, child(ctx, i));
  }
  return out;
}

/** Writes an array (or any iterable but a string) as a `collection` literal. */
export async function writeCollection(
  value: unknown,
  type: LiteralType,
  ctx: Ctx,
): Promise<Literal> {
  const iterable = value !== null && typeof value === "object" && Symbol.iterator in value &&
    !(value instanceof Uint8Array);
  if (!iterable) throw mismatch(ctx, type, describeValue(value));
  const literals: Literal[] = [];
  let i = 0;
  for (const item of value as Iterable<unknown>) {
    literals.push(await ctx.write(item, type.collectionType!, child(ctx, i++)));
  }
  return { collection: { literals } };
}

/** Reads a `map` literal into a plain object. */
export async function readMap(
  literal: Literal,
  type: LiteralType,
  ctx: Ctx,
): Promise<Record<string, unknown>> {
  if (!literal.map) throw mismatch(ctx, type, describeLiteral(literal));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(literal.map.literals ?? {})) {
    out[key] = await ctx.read(item, type.mapValueType!, child(ctx, key));
  }
  return out;
}

/** Writes a plain object (or a `Map` with string keys) as a `map` literal. */
export async function writeMap(value: unknown, type: LiteralType, ctx: Ctx): Promise<Literal> {
  let entries: [string, unknown][];
  if (value instanceof Map) {
    entries = [...value.entries()];
    const bad = entries.find(([key]) => typeof key !== "string");
    if (bad) throw mismatch(ctx, type, `a Map with a ${typeof bad[0]} key`);
  } else if (
    value !== null && typeof value === "object" && !Array.isArray(value) &&
    (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)
  ) {
    entries = Object.entries(value);
  } else {
    throw mismatch(ctx, type, describeValue(value));
  }
  const literals: Record<string, Literal> = {};
  for (const [key, item] of entries) {
    // Keys are protobuf strings (UTF-8): a lone surrogate would make the literal unreadable.
    if (!key.isWellFormed()) {
      throw invalid(
        child(ctx, key),
        "the key holds a lone surrogate (it is not well-formed Unicode)",
      );
    }
    literals[key] = await ctx.write(item, type.mapValueType!, child(ctx, key));
  }
  return { map: { literals } };
}
