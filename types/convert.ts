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
 * const n = await fromLiteral(
 *   { scalar: { primitive: { integer: toInt64(2n ** 60n) } } },
 *   Types.integer,
 * );
 * assertEquals(n, 2n ** 60n);
 * ```
 *
 * @example A CSV dataset with declared columns
 * ```ts
 * import {
 *   fromLiteral,
 *   type StructuredDatasetTypeOptions,
 *   Types,
 * } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const options: StructuredDatasetTypeOptions = { columns: { id: Types.integer }, format: "csv" };
 * const literal = { scalar: { structuredDataset: { uri: "s3://bucket/raw/0f" } } };
 * const dataset = await fromLiteral(literal, Types.structuredDataset(options));
 * assertEquals([dataset.format, dataset.columns.map((column) => column.name)], ["csv", ["id"]]);
 * ```
 *
 * @example The columns of a dataset input
 * ```ts
 * import { type DatasetColumn, fromLiteral, Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const type = Types.structuredDataset({ columns: { id: Types.integer } });
 * const dataset = await fromLiteral({
 *   scalar: { structuredDataset: { uri: "s3://bucket/raw/0f" } },
 * }, type);
 * const [column]: DatasetColumn[] = dataset.columns;
 * assertEquals([column.name, column.type], ["id", { simple: 1 }]);
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
 * assertEquals(lit, {
 *   collection: { literals: [{ scalar: { primitive: { stringValue: "a" } } }] },
 * });
 * ```
 *
 * @example The engine passes its abort signal on
 * ```ts
 * import {
 *   FlyteFile,
 *   type LiteralStorage,
 *   type LiteralStorageCallOptions,
 *   toLiteral,
 *   Types,
 * } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const seen: (LiteralStorageCallOptions | undefined)[] = [];
 * const record = (_from: string, _to: string, options?: LiteralStorageCallOptions) => {
 *   seen.push(options);
 *   return Promise.resolve();
 * };
 * const storage: LiteralStorage = {
 *   read: () => Promise.reject(new Error("not used")),
 *   upload: record,
 *   uploadDir: record,
 * };
 * const { signal } = new AbortController();
 * await toLiteral(FlyteFile.fromLocal("/tmp/a.csv"), Types.file(), {
 *   storage,
 *   rawOutputPrefix: "s3://b/raw",
 *   signal,
 * });
 * assertEquals(seen[0]?.signal === signal, true);
 * ```
 *
 * @example The variable named in an error
 * ```ts
 * import { type ConvertOptions, toLiteral, Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const options: ConvertOptions = { name: "limit", role: "input" };
 * const integer = Types.integer.literalType;
 * const error = await toLiteral("ten", integer, options).then(() => undefined, (e) => e);
 * assertEquals(error.code, "USER:InvalidInput");
 * assertEquals(error.message.includes('input "limit": expected INTEGER'), true);
 * ```
 *
 * @example A dict as a protobuf Struct, as flytekit before 1.14 writes it
 * ```ts
 * import { type StructTypeOptions, toLiteral, Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const options: StructTypeOptions = { format: "generic" };
 * const literal = await toLiteral({ a: 1 }, Types.struct(options));
 * assertEquals([literal.scalar?.generic !== undefined, literal.scalar?.binary], [true, undefined]);
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
