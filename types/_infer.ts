// Untyped conversion: the type a literal carries, and the type a value implies, for reading and
// writing without a declared type (an empty LiteralType `{}`).
import { BlobDimensionality, type Literal, type LiteralType, SimpleType } from "../idl/core.ts";
import { Duration, FlyteDirectory, FlyteFile, StructuredDataset, Timestamp } from "./values.ts";

const S = SimpleType;
const MULTIPART = BlobDimensionality.MULTIPART;

function isSet<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

/** The type a literal carries, for reading it without a declared type. */
export function literalTypeOf(literal: Literal): LiteralType {
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
export function valueTypeOf(value: unknown): LiteralType {
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
