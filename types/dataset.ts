// Structured datasets and legacy schemas, both read as a StructuredDataset reference. Written as
// a `structured_dataset` scalar, as flytekit 1.16 does for both declared types.
import type { flyteidl } from "../idl/mod.ts";
import { type Literal, type LiteralType, SchemaColumnType, SimpleType } from "../idl/core.ts";
import { type Ctx, describeLiteral, describeValue, mismatch } from "./_context.ts";
import { type DatasetColumn, StructuredDataset } from "./values.ts";

const S = SimpleType;
const C = SchemaColumnType;

/** Schema column types and their simple literal types. */
const SCHEMA_TO_SIMPLE: Record<number, flyteidl.core.SimpleType> = {
  [C.INTEGER]: S.INTEGER,
  [C.FLOAT]: S.FLOAT,
  [C.STRING]: S.STRING,
  [C.BOOLEAN]: S.BOOLEAN,
  [C.DATETIME]: S.DATETIME,
  [C.DURATION]: S.DURATION,
};

function schemaColumns(
  schema: flyteidl.core.SchemaType.$Properties | null | undefined,
): DatasetColumn[] {
  return (schema?.columns ?? []).map((c) => ({
    name: c.name ?? "",
    type: { simple: SCHEMA_TO_SIMPLE[c.type ?? C.INTEGER] ?? S.STRING },
  }));
}

function datasetColumns(
  sdt: flyteidl.core.StructuredDatasetType.$Properties | null | undefined,
): DatasetColumn[] {
  return (sdt?.columns ?? []).map((c) => ({ name: c.name ?? "", type: c.literalType ?? {} }));
}

/** The columns a dataset type declares (structured dataset or schema). */
export function declaredColumns(type: LiteralType): DatasetColumn[] {
  return type.structuredDatasetType
    ? datasetColumns(type.structuredDatasetType)
    : schemaColumns(type.schema);
}

/** Reads a `structured_dataset` or `schema` scalar into a {@linkcode StructuredDataset}. */
export function readDatasetLiteral(
  literal: Literal,
  type: LiteralType,
  ctx: Ctx,
): StructuredDataset {
  const sd = literal.scalar?.structuredDataset;
  if (sd) {
    const sdt = sd.metadata?.structuredDatasetType;
    const columns = sdt?.columns?.length ? datasetColumns(sdt) : declaredColumns(type);
    const format = sdt?.format || type.structuredDatasetType?.format || "parquet";
    return new StructuredDataset({ uri: sd.uri ?? "", format, columns });
  }
  const schema = literal.scalar?.schema;
  if (schema) {
    const columns = schema.type?.columns?.length
      ? schemaColumns(schema.type)
      : declaredColumns(type);
    return new StructuredDataset({ uri: schema.uri ?? "", format: "parquet", columns });
  }
  throw mismatch(ctx, type, describeLiteral(literal));
}

/** Writes a {@linkcode StructuredDataset} as a `structured_dataset` scalar. */
export function writeDatasetLiteral(value: unknown, type: LiteralType, ctx: Ctx): Literal {
  if (!(value instanceof StructuredDataset)) throw mismatch(ctx, type, describeValue(value));
  const sdt: flyteidl.core.StructuredDatasetType.$Properties = {};
  const columns = declaredColumns(type);
  if (columns.length) sdt.columns = columns.map((c) => ({ name: c.name, literalType: c.type }));
  const format = value.format || type.structuredDatasetType?.format || "parquet";
  if (format) sdt.format = format;
  return {
    scalar: { structuredDataset: { uri: value.uri, metadata: { structuredDatasetType: sdt } } },
  };
}
