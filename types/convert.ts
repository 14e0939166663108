// Single values: a literal to a value and a value to a literal, by a declared type.
import type { Literal, LiteralType, Variable } from "../idl/mod.ts";
import type { ConvertOptions } from "./_context.ts";
import { type DeclaredType, literalTypeOfDeclared, read, rootCtx, write } from "./_dispatch.ts";
import type { InferInput, InferValue, TypeDescriptor } from "./descriptors.ts";

export type { ConvertOptions, DeclaredType };

/**
 * Converts a literal to a value, guided by the declared type (an empty type `{}` reads whatever
 * the literal holds). Offloaded literals are fetched through `options.storage`.
 *
 * @throws {UserError} Code `USER:InvalidInput` when the literal does not fit the type.
 * @throws {TypeError} When an offloaded literal is met and no `options.storage` was given.
 * @example Read an integer
 * ```ts
 * import { fromLiteral, Types } from "@flyteshim/flyteshim/types";
 * import { toInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const n = await fromLiteral({ scalar: { primitive: { integer: toInt64(2n ** 60n) } } }, Types.integer);
 * assertEquals(n, 2n ** 60n);
 * ```
 */
export function fromLiteral<D extends TypeDescriptor>(
  literal: Literal,
  type: D,
  options?: ConvertOptions,
): Promise<InferValue<D>>;
/**
 * Converts a literal to a value, guided by a `LiteralType` or an interface `Variable`.
 *
 * @example Untyped read
 * ```ts
 * import { fromLiteral } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(await fromLiteral({ scalar: { primitive: { stringValue: "x" } } }, {}), "x");
 * ```
 */
export function fromLiteral(
  literal: Literal,
  type: LiteralType | Variable,
  options?: ConvertOptions,
): Promise<unknown>;
export function fromLiteral(
  literal: Literal,
  type: DeclaredType,
  options: ConvertOptions = {},
): Promise<unknown> {
  return read(literal, literalTypeOfDeclared(type), rootCtx(options, options.name ?? ""));
}

/**
 * Converts a value to a literal of the declared type. Local files and folders
 * (`FlyteFile.fromLocal`) are uploaded under `options.rawOutputPrefix` through `options.storage`.
 *
 * @throws {UserError} Code `USER:InvalidInput` when the value does not fit the type.
 * @throws {TypeError} When a local file or folder must be uploaded without `options.storage`
 * and `options.rawOutputPrefix`.
 * @example Write a list
 * ```ts
 * import { toLiteral, Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const lit = await toLiteral(["a"], Types.list(Types.string));
 * assertEquals(lit, { collection: { literals: [{ scalar: { primitive: { stringValue: "a" } } }] } });
 * ```
 */
export function toLiteral<D extends TypeDescriptor>(
  value: InferInput<D>,
  type: D,
  options?: ConvertOptions,
): Promise<Literal>;
/**
 * Converts a value to a literal of a `LiteralType` or interface `Variable`.
 *
 * @example Convert with a raw literal type
 * ```ts
 * import { toLiteral } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(await toLiteral(true, { simple: 4 }), { scalar: { primitive: { boolean: true } } });
 * ```
 */
export function toLiteral(
  value: unknown,
  type: LiteralType | Variable,
  options?: ConvertOptions,
): Promise<Literal>;
export function toLiteral(
  value: unknown,
  type: DeclaredType,
  options: ConvertOptions = {},
): Promise<Literal> {
  return write(value, literalTypeOfDeclared(type), rootCtx(options, options.name ?? ""));
}
