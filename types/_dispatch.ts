// The dispatcher: literal <-> value by the kind of the declared literal type, offloaded
// literals fetched through storage, and untyped conversion when the type is empty.
import {
  decodeLiteral,
  isDecodedMessage,
  type Literal,
  type LiteralType,
  SimpleType,
  type Variable,
} from "../idl/core.ts";
import {
  type ConvertOptions,
  type Ctx,
  describeLiteral,
  describeValue,
  invalid,
  mismatch,
} from "./_context.ts";
import { literalTypeOf, valueTypeOf } from "./_infer.ts";
import { readBlob, writeBlob } from "./blob.ts";
import { readCollection, readMap, writeCollection, writeMap } from "./collections.ts";
import { readDatasetLiteral, writeDatasetLiteral } from "./dataset.ts";
import type { TypeDescriptor } from "./descriptors.ts";
import { readEnum, writeEnum } from "./enum.ts";
import { readPrimitive, writePrimitive } from "./primitives.ts";
import { readStruct, writeStruct } from "./struct.ts";
import { readUnion, writeUnion } from "./union.ts";

const S = SimpleType;

function isSet<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
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

export async function read(literal: Literal, type: LiteralType, ctx: Ctx): Promise<unknown> {
  if (literal.offloadedMetadata) {
    // flytekit unwraps one level: what an offloaded literal holds is never offloaded again, and
    // following such a chain could loop forever (a file that points at itself).
    if (ctx.offloaded !== undefined) {
      throw invalid(
        ctx,
        `the offloaded literal "${ctx.offloaded}" holds another offloaded literal "${
          literal.offloadedMetadata.uri ?? ""
        }"`,
      );
    }
    const inner = await readOffloaded(literal, ctx);
    return read(inner, type, { ...ctx, offloaded: literal.offloadedMetadata.uri ?? "" });
  }
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
      return readDatasetLiteral(literal, type, ctx);
    case "enum":
      return readEnum(literal, type, ctx);
  }
  const carried = literalTypeOf(literal);
  if (kindOf(carried) === undefined) throw mismatch(ctx, type, describeLiteral(literal));
  return read(literal, carried, ctx);
}

export async function write(value: unknown, type: LiteralType, ctx: Ctx): Promise<Literal> {
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
      return await writeDatasetLiteral(value, type, ctx);
    case "enum":
      return await writeEnum(value, type, ctx);
  }
  const inferred = valueTypeOf(value);
  if (kindOf(inferred) === undefined) throw mismatch(ctx, type, describeValue(value));
  return await write(value, inferred, ctx);
}

export function rootCtx(options: ConvertOptions, path: string): Ctx {
  return { options, path, strict: false, read, write };
}

/** A declared type: a descriptor, an interface `Variable` or a `LiteralType`. */
export type DeclaredType = TypeDescriptor | Variable | LiteralType;

export function literalTypeOfDeclared(declared: DeclaredType | null | undefined): LiteralType {
  if (!declared) return {};
  if (Object.hasOwn(declared, "literalType")) return (declared as TypeDescriptor).literalType;
  if (Object.hasOwn(declared, "type") || isDecodedMessage("flyteidl.core.Variable", declared)) {
    return (declared as Variable).type ?? {};
  }
  return declared as LiteralType;
}
