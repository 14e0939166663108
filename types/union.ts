// Union literals (`Union[...]`, `Optional[T]`). Reading follows the variant the literal names
// (flytekit's `structure.tag`, or an identical type); writing picks the first variant that
// takes the value, first without leniency, then with it.
import { UserError } from "../errors.ts";
import { encodeLiteralType, type Literal, type LiteralType, SimpleType } from "../idl/core.ts";
import { type Ctx, describeLiteral, describeValue, mismatch } from "./_context.ts";

function sameBytes(a: LiteralType, b: LiteralType): boolean {
  const x = encodeLiteralType(a);
  const y = encodeLiteralType(b);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/**
 * The declared variant a union literal's stored type names: by flytekit's `structure.tag` (then
 * by the whole type when several variants share the tag), or by an identical type.
 */
function storedVariant(variants: LiteralType[], stored: LiteralType): LiteralType | undefined {
  const tag = stored.structure?.tag;
  const tagged = tag ? variants.filter((v) => v.structure?.tag === tag) : [];
  if (tagged.length === 1) return tagged[0];
  return (tagged.length ? tagged : variants).find((v) => sameBytes(v, stored));
}

function isMismatch(error: unknown): boolean {
  return error instanceof UserError && error.code === "USER:InvalidInput";
}

/** Tries the variants in order, without leniency first; returns the first success. */
async function firstOf<T>(
  variants: LiteralType[],
  ctx: Ctx,
  attempt: (variant: LiteralType, ctx: Ctx) => Promise<T>,
): Promise<{ variant: LiteralType; result: T } | undefined> {
  for (const strict of [true, false]) {
    for (const variant of variants) {
      try {
        return { variant, result: await attempt(variant, { ...ctx, strict }) };
      } catch (error) {
        if (!isMismatch(error)) throw error;
      }
    }
  }
  return undefined;
}

/** Whether a type accepts `null` (NONE, or a union with a NONE variant). */
export function acceptsNone(type: LiteralType): boolean {
  if (type.simple === SimpleType.NONE) return true;
  return (type.unionType?.variants ?? []).some(acceptsNone);
}

/** Reads a literal declared as a union: the stored variant's value, or the first that fits. */
export async function readUnion(literal: Literal, type: LiteralType, ctx: Ctx): Promise<unknown> {
  const variants = type.unionType?.variants ?? [];
  const union = literal.scalar?.union;
  const inner = union ? union.value ?? {} : literal;
  if (union?.type) {
    const variant = storedVariant(variants, union.type);
    if (variant) return await ctx.read(inner, variant, { ...ctx, strict: false });
  }
  const found = await firstOf(variants, ctx, (variant, c) => ctx.read(inner, variant, c));
  if (found) return found.result;
  const what = union?.type ? `union holding ${describeLiteral(inner)}` : describeLiteral(literal);
  throw mismatch(ctx, type, what);
}

/** Writes a value declared as a union, as `scalar.union{value, type: <chosen variant>}`. */
export async function writeUnion(value: unknown, type: LiteralType, ctx: Ctx): Promise<Literal> {
  const variants = type.unionType?.variants ?? [];
  const found = await firstOf(variants, ctx, (variant, c) => ctx.write(value, variant, c));
  if (!found) throw mismatch(ctx, type, describeValue(value));
  return { scalar: { union: { value: found.result, type: found.variant } } };
}
