// Inputs delivered as files and outputs collected from files, in the layout Flyte's copilot uses:
// one entry per variable under a folder, named after it. A primitive is a text file, a file is
// the file, a folder or a dataset is a folder (nested files kept), a list is a folder of entries
// `0`, `1`, ..., a map a folder of entries by key, anything else a JSON file.
import { UserError } from "../../errors.ts";
import {
  BlobDimensionality,
  encodeLiteralMap,
  type LiteralType,
  SimpleType,
  type Variable,
} from "../../idl/core.ts";
import { joinUri } from "../../storage/storage.ts";
import type { Storage } from "../../storage/types.ts";
import { valuesToLiteralMap } from "../../types/literal_map.ts";
import {
  Duration,
  FlyteDirectory,
  FlyteFile,
  StructuredDataset,
  Timestamp,
} from "../../types/values.ts";
import type { InputsFormat } from "./config.ts";

const MULTIPART = BlobDimensionality.MULTIPART;
/** The largest primitive output read from a file (a string output larger than this is refused). */
export const MAX_PRIMITIVE_OUTPUT_BYTES = 64 * 1024 * 1024;
/** copilot's error sentinel: a command that writes this file in its output folder fails with it. */
export const ERROR_FILE_NAME = "_ERROR";

/** Options of {@linkcode deliverInputs}. */
export interface DeliverOptions {
  /** Storage for downloads. */
  storage: Storage;
  /** Aborts downloads. */
  signal: AbortSignal;
  /** Also write the whole map in this format. */
  format?: InputsFormat;
}

/** What each input became: its text for placeholders, and the JSON form of the map. */
export interface Delivered {
  /** Placeholder text by input name: a primitive's text, a local path, or JSON. */
  text: Record<string, string>;
}

/** A primitive's text, as copilot writes it: strings raw, numbers and booleans as written. */
export function primitiveText(value: unknown): string | undefined {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "number") return String(value);
  if (value instanceof Timestamp) return value.toISOString();
  if (value instanceof Duration) return `${value.toMilliseconds() / 1000}s`;
  return undefined;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  }
  if (value instanceof Uint8Array) return btoa(String.fromCharCode(...value));
  return value;
}

function blobUriOf(value: unknown): string | undefined {
  if (value instanceof FlyteFile || value instanceof FlyteDirectory) return value.uri;
  if (value instanceof StructuredDataset) return value.uri;
  return undefined;
}

/** Writes one value at `path` and returns its local form (for the JSON map and placeholders). */
async function deliver(
  value: unknown,
  type: LiteralType | undefined,
  path: string,
  options: DeliverOptions,
): Promise<unknown> {
  const text = primitiveText(value);
  if (text !== undefined) {
    await Deno.writeTextFile(path, text);
    return value instanceof Timestamp || value instanceof Duration ? text : value;
  }
  if (value instanceof FlyteFile) {
    await options.storage.download(value.uri, path, { signal: options.signal });
    return path;
  }
  if (value instanceof FlyteDirectory) {
    await Deno.mkdir(path, { recursive: true });
    await options.storage.downloadDir(value.uri, path, { signal: options.signal });
    return path;
  }
  if (value instanceof StructuredDataset) {
    // A dataset is a folder of parts (parquet at 00000), or a single file.
    // Listing a single file fails on some backends (a local file is not a folder): then it is one.
    const parts = await options.storage.list(joinUri(value.uri), { signal: options.signal })
      .catch((cause) => {
        if (options.signal.aborted) throw cause;
        return [] as string[];
      });
    if (parts.length > 0) {
      await Deno.mkdir(path, { recursive: true });
      await options.storage.downloadDir(value.uri, path, { signal: options.signal });
    } else {
      await options.storage.download(value.uri, path, { signal: options.signal });
    }
    return path;
  }
  if (Array.isArray(value) && (type?.collectionType || !type)) {
    await Deno.mkdir(path, { recursive: true });
    const items: unknown[] = [];
    for (const [i, item] of value.entries()) {
      items.push(await deliver(item, type?.collectionType ?? undefined, `${path}/${i}`, options));
    }
    return items;
  }
  if (type?.mapValueType && typeof value === "object") {
    await Deno.mkdir(path, { recursive: true });
    const entries: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (!key || key === "." || key === ".." || key.includes("/")) {
        throw new UserError(`Cannot deliver map input entry "${key}": not a file name`, {
          code: "USER:InvalidInput",
        });
      }
      entries[key] = await deliver(item, type.mapValueType, `${path}/${key}`, options);
    }
    return entries;
  }
  // STRUCTs, dataclasses, binary and the rest: JSON.
  await Deno.writeTextFile(path, JSON.stringify(value, jsonReplacer));
  return value;
}

/**
 * Writes every input under `dir` (one entry per input) and, when asked, the whole map as
 * `inputs.json`, `inputs.yaml` (JSON, which YAML reads) or `inputs.pb` (a `LiteralMap` whose files
 * point at the local copies). Returns each input's placeholder text.
 */
export async function deliverInputs(
  values: Record<string, unknown>,
  variables: Record<string, Variable>,
  dir: string,
  options: DeliverOptions,
): Promise<Delivered> {
  Deno.mkdirSync(dir, { recursive: true });
  const local: Record<string, unknown> = {};
  const text: Record<string, string> = {};
  await Promise.all(
    Object.entries(values).map(async ([name, value]) => {
      const path = `${dir}/${name}`;
      local[name] = await deliver(value, variables[name]?.type ?? undefined, path, options);
      text[name] = primitiveText(value) ??
        (blobUriOf(value) !== undefined ? path : JSON.stringify(local[name], jsonReplacer));
    }),
  );
  if (options.format === "json" || options.format === "yaml") {
    await Deno.writeTextFile(
      `${dir}/inputs.${options.format}`,
      JSON.stringify(local, jsonReplacer, 2),
    );
  } else if (options.format === "proto") {
    const localValues = Object.fromEntries(
      Object.entries(values).map(([name, value]) => [name, localCopy(value, `${dir}/${name}`)]),
    );
    const map = await valuesToLiteralMap(localValues, variables);
    await Deno.writeFile(`${dir}/inputs.pb`, encodeLiteralMap(map));
  }
  return { text };
}

/** The value with its files pointing at their local copies (without uploading them again). */
function localCopy(value: unknown, path: string): unknown {
  if (value instanceof FlyteFile) return new FlyteFile({ uri: path, format: value.format });
  if (value instanceof FlyteDirectory) {
    return new FlyteDirectory({ uri: path, format: value.format });
  }
  if (value instanceof StructuredDataset) {
    return new StructuredDataset({ uri: path, format: value.format, columns: value.columns });
  }
  if (Array.isArray(value)) return value.map((item, i) => localCopy(item, `${path}/${i}`));
  return value;
}

const PLACEHOLDER = /\{\{\s*\.(inputs\.([A-Za-z_][A-Za-z0-9_]*)|inputDir|outputDir)\s*\}\}/g;

/**
 * Replaces `{{.inputs.x}}`, `{{.inputDir}}` and `{{.outputDir}}` in one string (one argv element
 * or one environment value); the result stays one argument whatever it holds.
 *
 * @throws {UserError} Code `USER:InvalidConfig` for an input the task does not have.
 */
export function substitute(
  template: string,
  values: { text: Record<string, string>; inputDir: string; outputDir: string },
): string {
  return template.replace(PLACEHOLDER, (_match, what: string, name: string | undefined) => {
    if (what === "inputDir") return values.inputDir;
    if (what === "outputDir") return values.outputDir;
    const text = values.text[name!];
    if (text === undefined) {
      throw new UserError(
        `Cannot substitute "{{.inputs.${name}}}" in the command: the task has no input "${name}"`,
        { code: "USER:InvalidConfig" },
      );
    }
    return text;
  });
}

function missing(name: string, path: string): UserError {
  return new UserError(
    `Cannot find output "${name}": the command did not write "${path}"`,
    { code: "USER:MissingOutput" },
  );
}

function badOutput(name: string, detail: string): UserError {
  return new UserError(`Cannot read output "${name}": ${detail}`, { code: "USER:InvalidOutput" });
}

/**
 * A Go-style (`1h2m3.5s`, `1.5µs`), ISO 8601 (`PT1.5S`) or plain seconds duration: the types'
 * {@linkcode Duration.parse}, with Go's spelling of microseconds.
 */
export function parseDurationText(text: string): Duration | undefined {
  try {
    return Duration.parse(text.replace(/[\u00b5\u03bc]s/g, "us"));
  } catch {
    return undefined;
  }
}

function parsePrimitive(name: string, simple: number, raw: string): unknown {
  if (simple === SimpleType.STRING) return raw.endsWith("\n") ? raw.slice(0, -1) : raw;
  const text = raw.trim();
  switch (simple) {
    case SimpleType.INTEGER:
      if (!/^[-+]?\d+$/.test(text)) throw badOutput(name, `"${text}" is not an integer`);
      return BigInt(text);
    case SimpleType.FLOAT: {
      const n = Number(text);
      if (text === "" || Number.isNaN(n) && text.toLowerCase() !== "nan") {
        throw badOutput(name, `"${text}" is not a number`);
      }
      return n;
    }
    case SimpleType.BOOLEAN: {
      const lower = text.toLowerCase();
      if (lower === "true" || lower === "1") return true;
      if (lower === "false" || lower === "0") return false;
      throw badOutput(name, `"${text}" is not a boolean (true or false)`);
    }
    case SimpleType.DATETIME:
      try {
        return Timestamp.parse(text);
      } catch {
        throw badOutput(name, `"${text}" is not an RFC 3339 date and time`);
      }
    case SimpleType.DURATION: {
      const duration = parseDurationText(text);
      if (!duration) throw badOutput(name, `"${text}" is not a duration (for example 1h2m3s)`);
      return duration;
    }
    case SimpleType.NONE:
      return null;
    default: {
      // STRUCT and the rest: JSON.
      try {
        return JSON.parse(text);
      } catch {
        throw badOutput(name, "not JSON");
      }
    }
  }
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound) return undefined;
    throw cause;
  }
}

/** Options of {@linkcode collectOutput}. */
export interface CollectOptions {
  /** Storage for dataset uploads. */
  storage: Storage;
  /** A fresh raw output URI for a dataset. */
  newRawOutputUri(): string;
  /** Aborts uploads. */
  signal: AbortSignal;
}

/**
 * Reads one declared output from `<dir>/<name>`: primitives parsed from their text, files and
 * folders returned for upload, a dataset (a folder of parts or one file) uploaded under a fresh raw
 * output URI, anything else parsed as JSON.
 *
 * @throws {UserError} `USER:MissingOutput` naming it when the command did not write it,
 * `USER:InvalidOutput` when its text does not parse.
 */
export async function collectOutput(
  name: string,
  type: LiteralType,
  path: string,
  options: CollectOptions,
): Promise<unknown> {
  const info = await statOrUndefined(path);
  if (!info) throw missing(name, path);
  if (type.blob) {
    const multipart = type.blob.dimensionality === MULTIPART;
    if (multipart && !info.isDirectory) throw badOutput(name, `"${path}" is not a folder`);
    if (!multipart && info.isDirectory) throw badOutput(name, `"${path}" is a folder, not a file`);
    const format = type.blob.format ?? "";
    return multipart
      ? FlyteDirectory.fromLocal(path, { format })
      : FlyteFile.fromLocal(path, { format });
  }
  if (type.structuredDatasetType || type.schema) {
    const uri = options.newRawOutputUri();
    if (info.isDirectory) await options.storage.uploadDir(path, uri, { signal: options.signal });
    else await options.storage.upload(path, joinUri(uri, "00000"), { signal: options.signal });
    const format = type.structuredDatasetType?.format || "parquet";
    return new StructuredDataset({ uri, format });
  }
  if (info.isDirectory) throw badOutput(name, `"${path}" is a folder, not a file`);
  if (info.size > MAX_PRIMITIVE_OUTPUT_BYTES) {
    throw badOutput(
      name,
      `"${path}" has ${info.size} bytes, more than ${MAX_PRIMITIVE_OUTPUT_BYTES}`,
    );
  }
  const raw = await Deno.readTextFile(path);
  if (type.simple !== undefined && type.simple !== null) {
    return parsePrimitive(name, type.simple, raw);
  }
  if (type.enumType) return raw.trim();
  try {
    return JSON.parse(raw);
  } catch {
    throw badOutput(name, `"${path}" is not JSON (lists, maps and structs are read as JSON)`);
  }
}

/** copilot's error sentinel: the text of `<dir>/_ERROR`, when the command wrote one. */
export function readErrorFile(dir: string): string | undefined {
  try {
    const bytes = Deno.readFileSync(`${dir}/${ERROR_FILE_NAME}`);
    return new TextDecoder().decode(bytes.subarray(0, 64 * 1024)).trim();
  } catch (cause) {
    if (cause instanceof Deno.errors.NotFound || cause instanceof Deno.errors.IsADirectory) {
      return undefined;
    }
    throw cause;
  }
}
