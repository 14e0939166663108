// Blob literals: single files (FlyteFile) and multipart folders (FlyteDirectory). Local values
// are uploaded under the raw output prefix at `<prefix>/<32 hex>/<name>`, as flytekit does.
import type { flyteidl } from "../idl/mod.ts";
import { BlobDimensionality, type Literal, type LiteralType } from "../idl/core.ts";
import { type Ctx, describeLiteral, describeValue, mismatch } from "./_context.ts";
import { FlyteDirectory, FlyteFile } from "./values.ts";

const MULTIPART = BlobDimensionality.MULTIPART;

/** Reads a `blob` literal into a {@linkcode FlyteFile} or a {@linkcode FlyteDirectory}. */
export function readBlob(
  literal: Literal,
  type: LiteralType,
  ctx: Ctx,
): FlyteFile | FlyteDirectory {
  const blob = literal.scalar?.blob;
  if (!blob) throw mismatch(ctx, type, describeLiteral(literal));
  const init = {
    uri: blob.uri ?? "",
    format: blob.metadata?.type?.format || type.blob?.format || "",
  };
  return type.blob?.dimensionality === MULTIPART ? new FlyteDirectory(init) : new FlyteFile(init);
}

/** A random 32-hex folder name, as flytekit's `get_random_remote_path`. */
export function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function basename(path: string): string {
  const trimmed = path.replace(/^file:\/\//, "").replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1) || "data";
}

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/** Writes a file or folder reference as a `blob` literal, uploading local data first. */
export async function writeBlob(value: unknown, type: LiteralType, ctx: Ctx): Promise<Literal> {
  const multipart = type.blob?.dimensionality === MULTIPART;
  const Cls = multipart ? FlyteDirectory : FlyteFile;
  let ref: FlyteFile | FlyteDirectory;
  if (value instanceof Cls) ref = value;
  else if (typeof value === "string" && !ctx.strict) {
    ref = SCHEME.test(value) && !value.startsWith("file://")
      ? new Cls({ uri: value })
      : new Cls({ uri: value, localPath: value.replace(/^file:\/\//, "") });
  } else throw mismatch(ctx, type, describeValue(value));

  let uri = ref.uri;
  if (ref.localPath !== undefined) {
    const { storage, rawOutputPrefix, signal } = ctx.options;
    if (!storage || rawOutputPrefix === undefined) {
      throw new TypeError(
        `Cannot upload "${ref.localPath}": no storage or raw output prefix given`,
      );
    }
    uri = `${rawOutputPrefix.replace(/\/+$/, "")}/${randomHex()}/${basename(ref.localPath)}`;
    if (multipart) await storage.uploadDir(ref.localPath, uri, { signal });
    else await storage.upload(ref.localPath, uri, { signal });
  }
  const blobType: flyteidl.core.BlobType.$Properties = {};
  const format = ref.format || type.blob?.format || "";
  if (format) blobType.format = format;
  if (multipart) blobType.dimensionality = MULTIPART;
  return { scalar: { blob: { metadata: { type: blobType }, uri } } };
}
