// Type descriptors for task authors: each holds a LiteralType and, as a phantom, the TypeScript
// types of the value an executor receives and of what an author may pass in.
import type { flyteidl } from "../idl/mod.ts";
import {
  BlobDimensionality,
  jsonToStruct,
  type LiteralType,
  SchemaColumnType,
  SimpleType,
} from "../idl/core.ts";
import { MSGPACK_ANNOTATION } from "./struct.ts";
import type {
  Duration,
  FlyteDirectory,
  FlyteFile,
  StructuredDataset,
  Timestamp,
} from "./values.ts";

/**
 * A literal type with the TypeScript types it converts to: `V` for values read from literals,
 * `I` for values given to be written (often wider, e.g. `number | bigint` for integers).
 */
export interface TypeDescriptor<V = unknown, I = V> {
  /** The Flyte literal type. */
  readonly literalType: LiteralType;
  /** Phantom field carrying the value type; never set. */
  readonly __value?: V;
  /** Phantom field carrying the input type; never set. */
  readonly __input?: I;
}

/**
 * The value type a descriptor converts literals to.
 */
export type InferValue<T> = T extends TypeDescriptor<infer V, unknown> ? V : never;

/**
 * The type an author may give for a descriptor (e.g. `number | bigint` for integers).
 */
export type InferInput<T> = T extends TypeDescriptor<unknown, infer I> ? I : never;

/**
 * Values by name for a record of descriptors, e.g. `{ limit: bigint }`.
 */
export type InferValues<T extends Record<string, TypeDescriptor>> = {
  [K in keyof T]: InferValue<T[K]>;
};

/**
 * The keys of a descriptor record whose input may be left out (it accepts `undefined`).
 */
export type OptionalInputKeys<T extends Record<string, TypeDescriptor>> = {
  [K in keyof T]: undefined extends InferInput<T[K]> ? K : never;
}[keyof T];

/**
 * Inputs by name for a record of descriptors, e.g. `{ limit: bigint | number }`; keys whose type
 * accepts none (`Types.optional(...)`, `Types.none`) may be left out.
 */
export type InferInputs<T extends Record<string, TypeDescriptor>> = Flatten<
  & { [K in Exclude<keyof T, OptionalInputKeys<T>>]: InferInput<T[K]> }
  & { [K in OptionalInputKeys<T>]?: InferInput<T[K]> }
>;

/**
 * One object type with the properties of an intersection, so that messages and hovers show
 * `{ limit: number | bigint; note?: string | null }` rather than the type's name.
 */
// `& {}` makes the compiler print the properties rather than the alias.
// deno-lint-ignore ban-types
export type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** A column of a dataset descriptor: a descriptor or a raw literal type. */
export type ColumnType = TypeDescriptor | LiteralType;

/** Options of {@linkcode Types.structuredDataset}. */
export interface StructuredDatasetTypeOptions<
  C extends Record<string, ColumnType> = Record<string, ColumnType>,
> {
  /** Columns by name, in order; they type the rows `readDataset` returns. @default {} */
  columns?: C;
  /** Storage format. @default "parquet" */
  format?: string;
}

/**
 * The value a dataset column holds when its rows are read (`readDataset`): integers as
 * `bigint`, floats as `number`, datetimes as `Date`, strings and booleans as they are, any of
 * them `null` (SQL NULL); `unknown` for other types.
 */
export type ColumnValue<T> = T extends TypeDescriptor<infer V, unknown>
  ? unknown extends V ? unknown
  : [V] extends [bigint] ? bigint | null
  : [V] extends [number] ? number | null
  : [V] extends [string] ? string | null
  : [V] extends [boolean] ? boolean | null
  : [V] extends [Timestamp] ? Date | null
  : unknown
  : unknown;

/**
 * The row type of a dataset with declared columns, e.g. `{ id: bigint | null }`; any row when
 * no columns are declared.
 */
export type DatasetRow<C extends Record<string, ColumnType>> = string extends keyof C
  ? Record<string, unknown>
  : { -readonly [K in keyof C]: ColumnValue<C[K]> };

/** Options of {@linkcode Types.struct}. */
export interface StructTypeOptions {
  /**
   * `msgpack` (flytekit 1.14+, annotated STRUCT written as msgpack binary) or `generic`
   * (protobuf Struct, older flytekit). @default "msgpack"
   */
  format?: "msgpack" | "generic";
}

/**
 * The type descriptor builders.
 *
 * @example Builders from the Types value
 * ```ts
 * import { Types, type TypesBuilder } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const types: TypesBuilder = Types;
 * assertEquals(types.enum(["asc", "desc"]).literalType.enumType?.values, ["asc", "desc"]);
 * assertEquals(types.optional(types.integer).literalType.unionType?.variants?.length, 2);
 * ```
 *
 * @example Declare inputs and outputs
 * ```ts
 * import { type InferValues, Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const inputs = {
 *   limit: Types.integer,
 *   tags: Types.list(Types.string),
 *   when: Types.optional(Types.datetime),
 * };
 * const values: InferValues<typeof inputs> = { limit: 10n, tags: ["a"], when: null };
 * assertEquals(Types.list(Types.string).literalType, { collectionType: { simple: 3 } });
 * assertEquals(values.limit, 10n);
 * ```
 */
export interface TypesBuilder {
  /** `INTEGER`: int64 as bigint; authors may give safe-integer numbers. */
  readonly integer: TypeDescriptor<bigint, bigint | number>;
  /** `FLOAT`: a double; authors may give a `bigint` a double holds exactly. */
  readonly float: TypeDescriptor<number, number | bigint>;
  /** `STRING`. */
  readonly string: TypeDescriptor<string>;
  /** `BOOLEAN`. */
  readonly boolean: TypeDescriptor<boolean>;
  /** `DATETIME` as a {@linkcode Timestamp}; authors may give a `Date` or ISO 8601 text. */
  readonly datetime: TypeDescriptor<Timestamp, Timestamp | Date | string>;
  /** `DURATION` as a {@linkcode Duration}; authors may give text such as `"90s"` or `"1h30m"`. */
  readonly duration: TypeDescriptor<Duration, Duration | string>;
  /** `NONE`: `null`. */
  readonly none: TypeDescriptor<null, null | undefined>;
  /** A single-file blob, optionally with a format (e.g. `csv`). */
  file(format?: string): TypeDescriptor<FlyteFile, FlyteFile | string>;
  /** A multipart blob (a folder). */
  directory(format?: string): TypeDescriptor<FlyteDirectory, FlyteDirectory | string>;
  /**
   * A structured dataset (a dataframe), e.g. parquet with declared columns; the columns type
   * the rows `readDataset` returns.
   *
   * @example Columns as descriptors or as literal types
   * ```ts
   * import { type ColumnType, Types } from "@flyteshim/flyteshim/types";
   * import { assertEquals } from "@std/assert";
   *
   * const columns: Record<string, ColumnType> = { id: Types.integer, name: { simple: 3 } };
   * assertEquals(Types.structuredDataset({ columns }).literalType.structuredDatasetType?.columns, [
   *   { name: "id", literalType: { simple: 1 } },
   *   { name: "name", literalType: { simple: 3 } },
   * ]);
   * ```
   */
  structuredDataset<const C extends Record<string, ColumnType> = Record<string, ColumnType>>(
    options?: StructuredDatasetTypeOptions<C>,
  ): TypeDescriptor<StructuredDataset<DatasetRow<C>>, StructuredDataset>;
  /** The legacy schema type (read and written as a structured dataset). */
  schema(columns?: Record<string, TypeDescriptor>): TypeDescriptor<StructuredDataset>;
  /**
   * A STRUCT: a plain JSON-like object (flytekit's untyped `dict`). A type argument declares its
   * shape (`Types.struct<{ limit: number }>()`), which values then have; the shape is not checked
   * at run time.
   */
  struct<T extends object = Record<string, unknown>>(
    options?: StructTypeOptions,
  ): TypeDescriptor<T>;
  /** A collection of items of one type. */
  list<T extends TypeDescriptor>(item: T): TypeDescriptor<InferValue<T>[], InferInput<T>[]>;
  /** A map with string keys. */
  map<T extends TypeDescriptor>(
    value: T,
  ): TypeDescriptor<Record<string, InferValue<T>>, Record<string, InferInput<T>>>;
  /** An enum of strings. */
  enum<const V extends readonly string[]>(values: V): TypeDescriptor<V[number]>;
  /** A union of variants (the value decides the variant). */
  union<const T extends readonly TypeDescriptor[]>(
    ...variants: T
  ): TypeDescriptor<InferValue<T[number]>, InferInput<T[number]>>;
  /** `Optional[T]`: a union of the type and `NONE`, as flytekit writes it. */
  optional<T extends TypeDescriptor>(
    type: T,
  ): TypeDescriptor<InferValue<T> | null, InferInput<T> | null | undefined>;
  /** Wraps a raw literal type (values are untyped). */
  of(literalType: LiteralType): TypeDescriptor;
}

const S = SimpleType;
const MULTIPART = BlobDimensionality.MULTIPART;

/** flytekit's transformer names, written to `structure.tag` of union variants. */
const TAGS: Record<number, string> = {
  [S.INTEGER]: "int",
  [S.FLOAT]: "float",
  [S.STRING]: "str",
  [S.BOOLEAN]: "bool",
  [S.DATETIME]: "datetime",
  [S.DURATION]: "timedelta",
  [S.NONE]: "none",
  [S.STRUCT]: "Typed Dict",
};

/** The tag flytekit gives a variant of this type, if it has one. */
export function transformerTag(type: LiteralType): string | undefined {
  if (type.simple !== null && type.simple !== undefined) return TAGS[type.simple];
  if (type.collectionType) return "Typed List";
  if (type.mapValueType) return "Typed Dict";
  if (type.blob) return type.blob.dimensionality === MULTIPART ? "FlyteDirectory" : "FlyteFilePath";
  if (type.structuredDatasetType || type.schema) return "StructuredDataset Transformer";
  if (type.enumType) return "DefaultEnumTransformer";
  return undefined;
}

function descriptor<V, I = V>(literalType: LiteralType): TypeDescriptor<V, I> {
  return { literalType };
}

function columnType(column: ColumnType): LiteralType {
  return "literalType" in column && column.literalType ? column.literalType : column as LiteralType;
}

const SCHEMA_COLUMN: Record<number, flyteidl.core.SchemaType.SchemaColumn.SchemaColumnType> = {
  [S.INTEGER]: SchemaColumnType.INTEGER,
  [S.FLOAT]: SchemaColumnType.FLOAT,
  [S.STRING]: SchemaColumnType.STRING,
  [S.BOOLEAN]: SchemaColumnType.BOOLEAN,
  [S.DATETIME]: SchemaColumnType.DATETIME,
  [S.DURATION]: SchemaColumnType.DURATION,
};

function withTag(type: LiteralType): LiteralType {
  const tag = transformerTag(type);
  return tag && !type.structure?.tag ? { ...type, structure: { ...type.structure, tag } } : type;
}

/**
 * Builders of type descriptors for task interfaces; {@linkcode TypesBuilder} documents each.
 */
export const Types: TypesBuilder = {
  integer: descriptor({ simple: S.INTEGER }),
  float: descriptor({ simple: S.FLOAT }),
  string: descriptor({ simple: S.STRING }),
  boolean: descriptor({ simple: S.BOOLEAN }),
  datetime: descriptor({ simple: S.DATETIME }),
  duration: descriptor({ simple: S.DURATION }),
  none: descriptor({ simple: S.NONE }),
  file: (format) => descriptor({ blob: format ? { format } : {} }),
  directory: (format) =>
    descriptor({
      blob: format ? { format, dimensionality: MULTIPART } : { dimensionality: MULTIPART },
    }),
  structuredDataset: (options = {}) => {
    const columns = Object.entries(options.columns ?? {}).map(([name, type]) => ({
      name,
      literalType: columnType(type),
    }));
    const sdt: flyteidl.core.StructuredDatasetType.$Properties = {};
    if (columns.length) sdt.columns = columns;
    sdt.format = options.format ?? "parquet";
    return descriptor({ structuredDatasetType: sdt });
  },
  schema: (columns = {}) => {
    const list = Object.entries(columns).map(([name, type]) => {
      const simple = type.literalType.simple;
      const columnType = simple === null || simple === undefined
        ? undefined
        : SCHEMA_COLUMN[simple];
      if (columnType === undefined) {
        throw new TypeError(
          `Cannot use column "${name}" in a schema: only simple primitive types are allowed`,
        );
      }
      return columnType === 0 ? { name } : { name, type: columnType };
    });
    return descriptor({ schema: list.length ? { columns: list } : {} });
  },
  struct: (options = {}) =>
    descriptor(
      (options.format ?? "msgpack") === "msgpack"
        ? {
          simple: S.STRUCT,
          annotation: { annotations: jsonToStruct(MSGPACK_ANNOTATION as Record<string, never>) },
        }
        : { simple: S.STRUCT },
    ),
  list: (item) => descriptor({ collectionType: item.literalType }),
  map: (value) => descriptor({ mapValueType: value.literalType }),
  enum: (values) => descriptor({ enumType: { values: [...values] } }),
  union: (...variants) =>
    descriptor({ unionType: { variants: variants.map((v) => withTag(v.literalType)) } }),
  optional: (type) =>
    descriptor({
      unionType: { variants: [withTag(type.literalType), withTag({ simple: S.NONE })] },
    }),
  of: (literalType) => descriptor(literalType),
};
