// The dispatcher: literal <-> value by the declared literal type, offloaded literals, untyped
// conversion (an empty type reads whatever the literal holds), and whole literal maps.
import {
  decodeLiteral,
  flyteidl,
  type Literal,
  type LiteralMap,
  type LiteralType,
  type Variable,
} from "../idl/mod.ts";
import {
  type ConvertOptions,
  type Ctx,
  describeLiteral,
  describeValue,
  invalid,
  mismatch,
} from "./_context.ts";
import { readBlob, writeBlob } from "./blob.ts";
import { readCollection, readMap, writeCollection, writeMap } from "./collections.ts";
import { readDataset, writeDataset } from "./dataset.ts";
import type {
  InferInput,
  InferInputs,
  InferValue,
  InferValues,
  TypeDescriptor,
} from "./descriptors.ts";
import { readEnum, writeEnum } from "./enum.ts";
import { readPrimitive, writePrimitive } from "./primitives.ts";
import { readStruct, writeStruct } from "./struct.ts";
import { acceptsNone, readUnion, writeUnion } from "./union.ts";
import { Duration, FlyteDirectory, FlyteFile, StructuredDataset, Timestamp } from "./values.ts";

export type { ConvertOptions };

const S = flyteidl.core.SimpleType;
const MULTIPART = flyteidl.core.BlobType.BlobDimensionality.MULTIPART;

function isSet<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** The type a literal carries, for reading it without a declared type. */
function literalTypeOf(literal: Literal): LiteralType {
  if (literal.collection) return { collectionType: {} };
  if (literal.map) return { mapValueType: {} };
  const s = literal.scalar;
  const p = s?.primitive;
  if (p) {
    if (isSet(p.integer)) return { simple: S.INTEGER };
    if (isSet(p.floatValue)) return { simple: S.FLOAT };
    if (isSet(p.stringValue)) return { simple: S.STRING };
    if (isSet(p.boolean)) return { simple: S.BOOLEAN };
    if (p.datetime) return { simple: S.DATETIME };
    if (p.duration) return { simple: S.DURATION };
  }
  if (s?.noneType) return { simple: S.NONE };
  if (s?.blob) return { blob: s.blob.metadata?.type ?? {} };
  if (s?.structuredDataset) {
    return { structuredDatasetType: s.structuredDataset.metadata?.structuredDatasetType ?? {} };
  }
  if (s?.schema) return { schema: s.schema.type ?? {} };
  if (s?.generic) return { simple: S.STRUCT };
  if (s?.binary) return { simple: s.binary.tag === "msgpack" ? S.STRUCT : S.BINARY };
  if (s?.error) return { simple: S.ERROR };
  if (s?.union) return s.union.type ?? {};
  return {};
}

/** The type of a value, for writing it without a declared type. */
function valueTypeOf(value: unknown): LiteralType {
  switch (typeof value) {
    case "bigint":
      return { simple: S.INTEGER };
    case "number":
      return { simple: S.FLOAT };
    case "string":
      return { simple: S.STRING };
    case "boolean":
      return { simple: S.BOOLEAN };
  }
  if (value === null || value === undefined) return { simple: S.NONE };
  if (value instanceof Timestamp || value instanceof Date) return { simple: S.DATETIME };
  if (value instanceof Duration) return { simple: S.DURATION };
  if (value instanceof FlyteFile) return { blob: {} };
  if (value instanceof FlyteDirectory) return { blob: { dimensionality: MULTIPART } };
  if (value instanceof StructuredDataset) {
    return { structuredDatasetType: { format: value.format } };
  }
  if (value instanceof Uint8Array) return { simple: S.BINARY };
  if (Array.isArray(value)) return { collectionType: {} };
  return { simple: S.STRUCT };
}

function kindOf(type: LiteralType): string | undefined {
  if (type.unionType) return "union";
  if (isSet(type.simple)) return type.simple === S.STRUCT ? "struct" : "primitive";
  if (type.collectionType) return "collection";
  if (type.mapValueType) return "map";
  if (type.blob) return "blob";
  if (type.schema || type.structuredDatasetType) return "dataset";
  if (type.enumType) return "enum";
  return undefined;
}

async function readOffloaded(literal: Literal, ctx: Ctx): Promise<Literal> {
  const uri = literal.offloadedMetadata?.uri ?? "";
  const storage = ctx.options.storage;
  if (!storage) {
    throw new TypeError(`Cannot read the offloaded literal "${uri}": no storage given`);
  }
  const bytes = await storage.read(uri, { signal: ctx.options.signal });
  try {
    return decodeLiteral(bytes);
  } catch (cause) {
    throw invalid(ctx, `the offloaded literal "${uri}" is not a binary Literal`, cause);
  }
}

async function read(literal: Literal, type: LiteralType, ctx: Ctx): Promise<unknown> {
  if (literal.offloadedMetadata) return read(await readOffloaded(literal, ctx), type, ctx);
  const kind = kindOf(type);
  if (kind !== "union" && literal.scalar?.union) {
    return read(literal.scalar.union.value ?? {}, type, ctx);
  }
  switch (kind) {
    case "union":
      return readUnion(literal, type, ctx);
    case "struct":
      return readStruct(literal, type, ctx);
    case "primitive":
      return readPrimitive(literal, type, ctx);
    case "collection":
      return readCollection(literal, type, ctx);
    case "map":
      return readMap(literal, type, ctx);
    case "blob":
      return readBlob(literal, type, ctx);
    case "dataset":
      return readDataset(literal, type, ctx);
    case "enum":
      return readEnum(literal, type, ctx);
  }
  const carried = literalTypeOf(literal);
  if (kindOf(carried) === undefined) throw mismatch(ctx, type, describeLiteral(literal));
  return read(literal, carried, ctx);
}

async function write(value: unknown, type: LiteralType, ctx: Ctx): Promise<Literal> {
  switch (kindOf(type)) {
    case "union":
      return await writeUnion(value, type, ctx);
    case "struct":
      return await writeStruct(value, type, ctx);
    case "primitive":
      return await writePrimitive(value, type, ctx);
    case "collection":
      return await writeCollection(value, type, ctx);
    case "map":
      return await writeMap(value, type, ctx);
    case "blob":
      return await writeBlob(value, type, ctx);
    case "dataset":
      return await writeDataset(value, type, ctx);
    case "enum":
      return await writeEnum(value, type, ctx);
  }
  const inferred = valueTypeOf(value);
  if (kindOf(inferred) === undefined) throw mismatch(ctx, type, describeValue(value));
  return await write(value, inferred, ctx);
}

function rootCtx(options: ConvertOptions, path: string): Ctx {
  return { options, path, strict: false, read, write };
}

/** A declared type: a descriptor, an interface `Variable` or a `LiteralType`. */
export type DeclaredType = TypeDescriptor | Variable | LiteralType;

function literalTypeOfDeclared(declared: DeclaredType | null | undefined): LiteralType {
  if (!declared) return {};
  if (Object.hasOwn(declared, "literalType")) return (declared as TypeDescriptor).literalType;
  if (Object.hasOwn(declared, "type") || declared instanceof flyteidl.core.Variable) {
    return (declared as Variable).type ?? {};
  }
  return declared as LiteralType;
}

/**
 * Converts a literal to a value, guided by the declared type (an empty type `{}` reads whatever
 * the literal holds). Offloaded literals are fetched through `options.storage`.
 *
 * @throws {UserError} Code `USER:InvalidInput` when the literal does not fit the type.
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
  const opts: ConvertOptions = { role: "input", ...options };
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
  const opts: ConvertOptions = { role: "output", ...options };
  const declared = variables ?? {};
  checkDeclared(Object.keys(values), declared, opts);
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
