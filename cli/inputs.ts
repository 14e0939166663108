// Task inputs from the command line: `--name value` text and `--inputs inputs.json` values,
// parsed by each input's declared literal type into the values the type engine takes.
import { UserError } from "../errors.ts";
import { flyteidl, type LiteralType } from "../idl/mod.ts";
import { acceptsNone } from "../types/union.ts";
import { Duration, StructuredDataset, Timestamp } from "../types/values.ts";

const S = flyteidl.core.SimpleType;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function invalid(name: string, expected: string, found: unknown, cause?: unknown): UserError {
  const shown = typeof found === "string" ? `"${found}"` : JSON.stringify(found) ?? String(found);
  return new UserError(`Cannot parse input "${name}": expected ${expected}, found ${shown}`, {
    code: "USER:InvalidInput",
    cause,
  });
}

/** A short name of a literal type, for messages and help text. */
export function typeLabel(type: LiteralType | null | undefined): string {
  if (!type) return "any";
  if (type.simple !== null && type.simple !== undefined) {
    return (S[type.simple] as string | undefined)?.toLowerCase() ?? "simple";
  }
  if (type.collectionType) return `list of ${typeLabel(type.collectionType)}`;
  if (type.mapValueType) return `map of ${typeLabel(type.mapValueType)}`;
  if (type.blob) {
    return type.blob.dimensionality === flyteidl.core.BlobType.BlobDimensionality.MULTIPART
      ? "directory"
      : "file";
  }
  if (type.structuredDatasetType || type.schema) return "structured dataset";
  if (type.enumType) return `one of ${(type.enumType.values ?? []).join(", ")}`;
  if (type.unionType) return (type.unionType.variants ?? []).map(typeLabel).join(" or ");
  return "any";
}

/** The one spelling of "none" in a `--name value` flag (JSON `null` in an inputs file). */
export const NONE_TEXT = "null";

/** Whether an input may be left out (it is then none): `Types.optional(...)`, `Types.none`. */
export function isOptionalInput(type: LiteralType | null | undefined): boolean {
  return acceptsNone(type ?? {});
}

/** Options of {@linkcode inputFromJson} and {@linkcode inputFromText}. */
export interface InputOptions {
  /** The folder relative file, folder and dataset paths are taken from. */
  cwd?: string;
}

function resolvePath(path: string, options: InputOptions): string {
  if (!options.cwd || /^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith("/")) return path;
  return `${options.cwd.replace(/\/+$/, "")}/${path}`;
}

function parseDuration(text: string): Duration | undefined {
  try {
    return Duration.parse(text);
  } catch {
    return undefined;
  }
}

function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (["true", "1", "yes", "y"].includes(t)) return true;
  if (["false", "0", "no", "n"].includes(t)) return false;
  return undefined;
}

/**
 * Converts one JSON value (from an inputs file, or parsed from a flag) to the value the type
 * engine takes for the declared type.
 *
 * @throws {UserError} Code `USER:InvalidInput`, naming the input, the expected type and what
 * was found.
 */
export function inputFromJson(
  value: unknown,
  type: LiteralType,
  name: string,
  options: InputOptions = {},
): unknown {
  const expected = typeLabel(type);
  if (type.simple !== null && type.simple !== undefined) {
    switch (type.simple) {
      case S.INTEGER:
        if (typeof value === "bigint") return value;
        if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
        if (typeof value === "string" && /^[-+]?\d+$/.test(value.trim())) {
          return BigInt(value.trim());
        }
        throw invalid(name, "an integer", value);
      case S.FLOAT: {
        const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
        if (typeof n === "number" && Number.isFinite(n)) return n;
        throw invalid(name, "a number", value);
      }
      case S.STRING:
        if (typeof value === "string") return value;
        throw invalid(name, "a string", value);
      case S.BOOLEAN: {
        const b = typeof value === "string" ? parseBoolean(value) : value;
        if (typeof b === "boolean") return b;
        throw invalid(name, "true or false", value);
      }
      case S.DATETIME:
        if (typeof value === "string") {
          try {
            return Timestamp.parse(value);
          } catch (cause) {
            throw invalid(name, "an ISO 8601 date and time", value, cause);
          }
        }
        throw invalid(name, "an ISO 8601 date and time", value);
      case S.DURATION: {
        const d = typeof value === "number"
          ? Duration.fromMilliseconds(value * 1000)
          : typeof value === "string"
          ? parseDuration(value)
          : undefined;
        if (d) return d;
        throw invalid(name, 'a duration such as "90s", "15m" or "1h30m"', value);
      }
      case S.NONE:
        if (value === null || value === undefined) return null;
        throw invalid(name, "null", value);
      case S.STRUCT:
        if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
        throw invalid(name, "a JSON object", value);
    }
  }
  if (type.collectionType) {
    if (!Array.isArray(value)) throw invalid(name, `a JSON array (${expected})`, value);
    return value.map((item, i) =>
      inputFromJson(item, type.collectionType!, `${name}[${i}]`, options)
    );
  }
  if (type.mapValueType) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw invalid(name, `a JSON object (${expected})`, value);
    }
    return Object.fromEntries(
      Object.entries(value).map((
        [k, v],
      ) => [k, inputFromJson(v, type.mapValueType!, `${name}.${k}`, options)]),
    );
  }
  if (type.blob) {
    if (typeof value === "string" && value !== "") return resolvePath(value, options);
    throw invalid(name, `a ${expected} path or URI`, value);
  }
  if (type.structuredDatasetType || type.schema) {
    if (typeof value === "string" && value !== "") {
      return new StructuredDataset({
        uri: resolvePath(value, options),
        format: type.structuredDatasetType?.format || "parquet",
      });
    }
    throw invalid(name, "a dataset URI", value);
  }
  if (type.enumType) {
    const values = type.enumType.values ?? [];
    if (typeof value === "string" && values.includes(value)) return value;
    throw invalid(name, expected, value);
  }
  if (type.unionType) {
    for (const variant of type.unionType.variants ?? []) {
      try {
        return inputFromJson(value, variant, name, options);
      } catch {
        // try the next variant
      }
    }
    throw invalid(name, expected, value);
  }
  return value;
}

/**
 * Converts the text of a `--name value` flag to the value of the declared type: numbers,
 * booleans, ISO dates and durations from their text, lists, maps and structs as JSON, files,
 * folders and datasets as paths or URIs.
 *
 * @throws {UserError} Code `USER:InvalidInput`.
 */
export function inputFromText(
  text: string,
  type: LiteralType,
  name: string,
  options: InputOptions = {},
): unknown {
  const jsonShaped = type.collectionType || type.mapValueType ||
    type.simple === S.STRUCT;
  if (jsonShaped) {
    let parsed: Json;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw invalid(name, `JSON (${typeLabel(type)})`, text, cause);
    }
    return inputFromJson(parsed, type, name, options);
  }
  // `null` is none for every type that accepts none, before any variant (a string included)
  // gets a chance to take it as text; the string "null" itself goes through an inputs file.
  if (text === NONE_TEXT && acceptsNone(type)) return null;
  if (type.unionType) {
    const variants = type.unionType.variants ?? [];
    for (const variant of variants) {
      try {
        return inputFromText(text, variant, name, options);
      } catch {
        // try the next variant
      }
    }
    throw invalid(name, typeLabel(type), text);
  }
  return inputFromJson(text, type, name, options);
}
