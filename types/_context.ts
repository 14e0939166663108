// What every converter gets: where it is (for error messages), the caller's options, and the
// two recursive entry points (so family files do not import the dispatcher).
import { UserError } from "../errors.ts";
import { BlobDimensionality, type Literal, type LiteralType, SimpleType } from "../idl/core.ts";
/** Options of the storage calls the engine makes. */
export interface LiteralStorageCallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

/**
 * The storage calls the engine needs (reading offloaded literals, uploading local files and
 * folders); the project's `Storage` (from `createStorage`) provides them.
 *
 * @example A storage that records uploads
 * ```ts
 * import { FlyteFile, type LiteralStorage, toLiteral, Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const uploaded: string[] = [];
 * const record = (_local: string, uri: string) => {
 *   uploaded.push(uri);
 *   return Promise.resolve();
 * };
 * const storage: LiteralStorage = {
 *   read: () => Promise.reject(new Error("not used")),
 *   upload: record,
 *   uploadDir: record,
 * };
 * const file = FlyteFile.fromLocal("/tmp/report.csv");
 * const literal = await toLiteral(file, Types.file("csv"), {
 *   storage,
 *   rawOutputPrefix: "s3://bucket/raw",
 * });
 * assertEquals([uploaded.length, literal.scalar?.blob?.uri], [1, uploaded[0]]);
 * ```
 */
export interface LiteralStorage {
  /** Reads a whole object. */
  read(uri: string, options?: LiteralStorageCallOptions): Promise<Uint8Array>;
  /** Uploads a local file to a URI. */
  upload(localPath: string, uri: string, options?: LiteralStorageCallOptions): Promise<void>;
  /** Uploads a local folder below a URI prefix. */
  uploadDir(localDir: string, uri: string, options?: LiteralStorageCallOptions): Promise<void>;
}

/** Options of every conversion. */
export interface ConvertOptions {
  /** Storage used to read offloaded literals and to upload local files and folders. */
  storage?: LiteralStorage;
  /** Where uploaded files and folders go (`<prefix>/<32 hex>/<name>`). */
  rawOutputPrefix?: string;
  /** Aborts uploads and reads. */
  signal?: AbortSignal;
  /** The variable name used in error messages. */
  name?: string;
  /**
   * Whether the value is an input or an output, for error messages; `literalMapToValues`
   * defaults to `"input"` and `valuesToLiteralMap` to `"output"`.
   */
  role?: "input" | "output";
}

/** The state of one conversion, passed down the type tree. */
export interface Ctx {
  /** The caller's options. */
  options: ConvertOptions;
  /** `limit`, `xs[2]`, `m.key`: where in the value tree we are ("" at an anonymous root). */
  path: string;
  /** Inside a union: accept only values of the variant's natural kind. */
  strict: boolean;
  /** Inside the literal read from this offloaded literal's URI (offloading is one level deep). */
  offloaded?: string;
  /** Converts a nested literal. */
  read(literal: Literal, type: LiteralType, ctx: Ctx): Promise<unknown>;
  /** Converts a nested value. */
  write(value: unknown, type: LiteralType, ctx: Ctx): Promise<Literal>;
}

/** A child context, one step down the value tree. */
export function child(ctx: Ctx, step: string | number): Ctx {
  const path = typeof step === "number"
    ? `${ctx.path}[${step}]`
    : ctx.path
    ? `${ctx.path}.${step}`
    : step;
  return { ...ctx, path };
}

/** `input "limit"`, `output "results[0]"`, `value` (anonymous). */
export function subject(ctx: Ctx): string {
  const role = ctx.options.role ?? "value";
  if (!ctx.path) return role;
  return `${role} "${ctx.path}"`;
}

/** A mismatch: `Cannot convert input "limit": expected INTEGER, found string_value`. */
export function mismatch(ctx: Ctx, type: LiteralType, found: string, cause?: unknown): UserError {
  return new UserError(
    `Cannot convert ${subject(ctx)}: expected ${describeType(type)}, found ${found}`,
    { code: "USER:InvalidInput", cause },
  );
}

/** Any other invalid value: `Cannot convert output "n": <detail>`. */
export function invalid(ctx: Ctx, detail: string, cause?: unknown): UserError {
  return new UserError(`Cannot convert ${subject(ctx)}: ${detail}`, {
    code: "USER:InvalidInput",
    cause,
  });
}

const SIMPLE_NAMES = SimpleType as unknown as Record<number, string>;
const DIMENSIONS = BlobDimensionality;

function isSet<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** A short readable form of a literal type: `INTEGER`, `collection of STRING`, ... */
export function describeType(type: LiteralType | null | undefined): string {
  if (!type) return "any";
  if (isSet(type.simple)) return SIMPLE_NAMES[type.simple] ?? `simple type ${type.simple}`;
  if (type.collectionType) return `collection of ${describeType(type.collectionType)}`;
  if (type.mapValueType) return `map of ${describeType(type.mapValueType)}`;
  if (type.blob) {
    const multipart = type.blob.dimensionality === DIMENSIONS.MULTIPART;
    const format = type.blob.format ? ` "${type.blob.format}"` : "";
    return `${multipart ? "multipart blob" : "blob"}${format}`;
  }
  if (type.schema) return "schema";
  if (type.structuredDatasetType) return "structured dataset";
  if (type.enumType) return `enum [${(type.enumType.values ?? []).join(", ")}]`;
  if (type.unionType) {
    return `union of ${(type.unionType.variants ?? []).map(describeType).join(" | ")}`;
  }
  return "any";
}

/** The field of a literal that is set: `string_value`, `collection`, `offloaded_metadata`, ... */
export function describeLiteral(literal: Literal | null | undefined): string {
  if (!literal) return "nothing";
  if (literal.collection) return "collection";
  if (literal.map) return "map";
  if (literal.offloadedMetadata) return "offloaded_metadata";
  const scalar = literal.scalar;
  if (!scalar) return "nothing";
  const p = scalar.primitive;
  if (p) {
    if (isSet(p.integer)) return "integer";
    if (isSet(p.floatValue)) return "float_value";
    if (isSet(p.stringValue)) return "string_value";
    if (isSet(p.boolean)) return "boolean";
    if (p.datetime) return "datetime";
    if (p.duration) return "duration";
    return "empty primitive";
  }
  if (scalar.blob) return "blob";
  if (scalar.binary) return scalar.binary.tag ? `binary "${scalar.binary.tag}"` : "binary";
  if (scalar.schema) return "schema";
  if (scalar.noneType) return "none_type";
  if (scalar.error) return "error";
  if (scalar.generic) return "generic";
  if (scalar.structuredDataset) return "structured_dataset";
  if (scalar.union) return "union";
  return "empty scalar";
}

/** What a JS value is, without its content (values may be private): `string`, `number 1.5`, ... */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "number":
      return `number ${value}`;
    case "bigint":
      return `bigint ${value}`;
    case "boolean":
      return `boolean ${value}`;
    case "object":
      if (Array.isArray(value)) return "array";
      if (value.constructor && value.constructor !== Object) return value.constructor.name;
      return "object";
    default:
      return typeof value;
  }
}
