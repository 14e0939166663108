// Whole literal maps (`inputs.pb`, `outputs.pb`) <-> values by name, checked against the
// declared variables.
import type { Literal, LiteralMap } from "../idl/mod.ts";
import { type ConvertOptions, invalid } from "./_context.ts";
import { type DeclaredType, literalTypeOfDeclared, read, rootCtx, write } from "./_dispatch.ts";
import type { InferInputs, InferValues, TypeDescriptor } from "./descriptors.ts";
import { acceptsNone } from "./union.ts";

/** Declared types by name: an interface's variables or a record of descriptors. */
export type VariableTypes = Record<string, DeclaredType>;

function checkDeclared(
  names: Iterable<string>,
  declared: VariableTypes,
  options: ConvertOptions,
): void {
  for (const name of names) {
    if (!Object.hasOwn(declared, name)) {
      throw invalid(rootCtx(options, name), "not declared in the task interface");
    }
  }
}

/**
 * Converts a literal map (`inputs.pb`) to values by name. A declared variable without a literal
 * becomes `null` when its type accepts none, and is an error otherwise; a literal that is not
 * declared is an error.
 *
 * @throws {UserError} Code `USER:InvalidInput`, naming the variable.
 * @example With descriptors
 * ```ts
 * import { literalMapToValues, Types } from "@flyteshim/flyteshim/types";
 * import { toInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const map = { literals: { limit: { scalar: { primitive: { integer: toInt64(10) } } } } };
 * const values = await literalMapToValues(map, { limit: Types.integer });
 * assertEquals(values.limit, 10n);
 * ```
 *
 * @example A round trip through a literal map
 * ```ts
 * import {
 *   literalMapToValues,
 *   Types,
 *   valuesToLiteralMap,
 *   type VariableTypes,
 * } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const variables: VariableTypes = {
 *   total: { type: { simple: 1 } },
 *   note: Types.optional(Types.string),
 * };
 * const map = await valuesToLiteralMap({ total: 3 }, variables);
 * assertEquals(await literalMapToValues(map, variables), { total: 3n, note: null });
 * ```
 *
 * @example Three ways to declare the same type
 * ```ts
 * import { type DeclaredType, literalMapToValues, Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const variables: Record<string, DeclaredType> = {
 *   a: Types.integer,
 *   b: { type: { simple: 1 } },
 *   c: { simple: 1 },
 * };
 * const five = { scalar: { primitive: { integer: 5 } } };
 * assertEquals(await literalMapToValues({ literals: { a: five, b: five, c: five } }, variables), {
 *   a: 5n,
 *   b: 5n,
 *   c: 5n,
 * });
 * ```
 */
export function literalMapToValues<T extends Record<string, TypeDescriptor>>(
  map: LiteralMap | null | undefined,
  variables: T,
  options?: ConvertOptions,
): Promise<InferValues<T>>;
/**
 * Converts a literal map to values by name, guided by a task interface's variables.
 *
 * @example With a template's interface
 * ```ts
 * import { literalMapToValues } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const variables = { name: { type: { simple: 3 } } };
 * const map = { literals: { name: { scalar: { primitive: { stringValue: "x" } } } } };
 * assertEquals(await literalMapToValues(map, variables), { name: "x" });
 * ```
 */
export function literalMapToValues(
  map: LiteralMap | null | undefined,
  variables: VariableTypes | null | undefined,
  options?: ConvertOptions,
): Promise<Record<string, unknown>>;
export async function literalMapToValues(
  map: LiteralMap | null | undefined,
  variables: VariableTypes | null | undefined,
  options: ConvertOptions = {},
): Promise<Record<string, unknown>> {
  const opts: ConvertOptions = { ...options, role: options.role ?? "input" };
  const declared = variables ?? {};
  const literals = map?.literals ?? {};
  checkDeclared(Object.keys(literals), declared, opts);
  const out: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(declared)) {
    const type = literalTypeOfDeclared(variable);
    const ctx = rootCtx(opts, name);
    if (!Object.hasOwn(literals, name)) {
      if (!acceptsNone(type)) throw invalid(ctx, "no value given");
      out[name] = null;
      continue;
    }
    out[name] = await read(literals[name], type, ctx);
  }
  return out;
}

/**
 * Converts values by name to a literal map (`outputs.pb`). A missing value is written as none
 * when its type accepts none, and is an error otherwise; a value that is not declared is an
 * error.
 *
 * @throws {UserError} Code `USER:InvalidInput`, naming the variable.
 * @example Write outputs with descriptors
 * ```ts
 * import { Types, valuesToLiteralMap } from "@flyteshim/flyteshim/types";
 * import { fromInt64 } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const map = await valuesToLiteralMap({ n: 3 }, { n: Types.integer });
 * assertEquals(fromInt64(map.literals!.n.scalar!.primitive!.integer), 3n);
 * ```
 */
export function valuesToLiteralMap<T extends Record<string, TypeDescriptor>>(
  values: InferInputs<T>,
  variables: T,
  options?: ConvertOptions,
): Promise<LiteralMap>;
/**
 * Converts values by name to a literal map, guided by a task interface's variables.
 *
 * @example Write outputs with a template interface
 * ```ts
 * import { valuesToLiteralMap } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const map = await valuesToLiteralMap({ ok: true }, { ok: { type: { simple: 4 } } });
 * assertEquals(map.literals?.ok.scalar?.primitive?.boolean, true);
 * ```
 */
export function valuesToLiteralMap(
  values: Record<string, unknown>,
  variables: VariableTypes | null | undefined,
  options?: ConvertOptions,
): Promise<LiteralMap>;
export async function valuesToLiteralMap(
  values: Record<string, unknown>,
  variables: VariableTypes | null | undefined,
  options: ConvertOptions = {},
): Promise<LiteralMap> {
  const opts: ConvertOptions = { ...options, role: options.role ?? "output" };
  const declared = variables ?? {};
  checkDeclared(Object.keys(values).filter((k) => values[k] !== undefined), declared, opts);
  const literals: Record<string, Literal> = {};
  for (const [name, variable] of Object.entries(declared)) {
    const type = literalTypeOfDeclared(variable);
    const ctx = rootCtx(opts, name);
    const value = values[name];
    if (value === undefined && !acceptsNone(type)) throw invalid(ctx, "no value given");
    literals[name] = await write(value ?? null, type, ctx);
  }
  return { literals };
}
