// The s3:// backend (AWS S3, MinIO, any S3-compatible server). Imported only when an s3:// URI
// appears; it is the only module that loads the AWS SDK.
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { dirname } from "node:path";
import { StorageError, type StorageOperation } from "../errors.ts";
import { type S3Config, s3ConfigFromEnv } from "./config.ts";
import type {
  DownloadOptions,
  StorageBackend,
  StorageCallOptions,
  StorageOptions,
  UploadOptions,
} from "./types.ts";
import { type RetryPolicy, retryPolicy, sdkRetryStrategy, withRetry } from "./retry.ts";

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/** A bucket and key parsed from `s3://bucket/key`. */
export interface S3Location {
  /** Bucket name. */
  bucket: string;
  /** Object key or key prefix, possibly empty. */
  key: string;
}

/** Parses `s3://bucket/key`; a URI without a bucket is a user error. */
export function parseS3Uri(uri: string, operation: StorageOperation): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(uri);
  if (!match) {
    throw new StorageError(operation, uri, "expected s3://<bucket>/<key>", {
      origin: "user",
      code: "USER:InvalidInput",
    });
  }
  return { bucket: match[1], key: match[2] };
}

/** Creates the S3 backend; settings come from `options.s3`, else from the environment. */
export function createBackend(options: StorageOptions): StorageBackend {
  return new S3Storage(
    options.s3 ?? s3ConfigFromEnv(options.env ?? Deno.env.toObject()),
    options.metadata,
  );
}

/** Failure while streaming a body after the response began: retried by restarting the request. */
class BodyError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "BodyError";
  }
}

/** The backend for `s3://` URIs. */
export class S3Storage implements StorageBackend {
  readonly #client: S3Client;
  readonly #policy: RetryPolicy;
  readonly #partSize: number;
  readonly #partConcurrency: number;
  readonly #pageSize: number;
  readonly #metadata: Record<string, string>;

  /** Creates a client for `config`; `metadata` is added to every upload. */
  constructor(config: S3Config, metadata: Record<string, string> = {}) {
    this.#policy = retryPolicy(config);
    this.#partSize = Math.max(config.partSize ?? DEFAULT_PART_SIZE, 5 * 1024 * 1024);
    this.#partConcurrency = config.partConcurrency ?? 4;
    this.#pageSize = config.listPageSize ?? 1000;
    this.#metadata = metadata;
    const timeoutMs = (config.timeoutSeconds ?? 60) * 1000;
    this.#client = new S3Client({
      region: config.region ?? "us-east-1",
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle ?? Boolean(config.endpoint),
      followRegionRedirects: !config.endpoint,
      credentials: config.accessKeyId && config.secretAccessKey
        ? {
          accessKeyId: config.accessKeyId,
          secretAccessKey: config.secretAccessKey,
          sessionToken: config.sessionToken,
        }
        : undefined,
      // S3-compatible servers (MinIO, s3rver) store the aws-chunked framing of streamed checksums.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: this.#policy.retries + 1,
      retryStrategy: sdkRetryStrategy(this.#policy),
      requestHandler: {
        requestTimeout: timeoutMs,
        connectionTimeout: timeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  }

  /** Closes idle connections. */
  close(): void {
    this.#client.destroy();
  }

  read(uri: string, options?: StorageCallOptions): Promise<Uint8Array> {
    const { bucket, key } = parseS3Uri(uri, "read");
    return this.#run("read", uri, options?.signal, async () => {
      const res = await this.#client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key }),
        { abortSignal: options?.signal },
      );
      try {
        return await res.Body!.transformToByteArray();
      } catch (cause) {
        throw new BodyError(cause);
      }
    });
  }

  async download(uri: string, localPath: string, options?: DownloadOptions): Promise<void> {
    const { bucket, key } = parseS3Uri(uri, "download");
    await this.#run("download", uri, options?.signal, async () => {
      const res = await this.#client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key }),
        { abortSignal: options?.signal },
      );
      const body = res.Body as unknown as AsyncIterable<Uint8Array> & { destroy?(): void };
      await Deno.mkdir(dirname(localPath), { recursive: true });
      using file = await Deno.open(localPath, { write: true, create: true, truncate: true });
      let received = 0;
      try {
        for await (const chunk of body) {
          for (let done = 0; done < chunk.length;) {
            done += await file.write(done ? chunk.subarray(done) : chunk);
          }
          received += chunk.length;
          options?.onProgress?.(received, res.ContentLength);
        }
      } catch (cause) {
        body.destroy?.();
        throw new BodyError(cause);
      }
    });
  }

  write(uri: string, data: Uint8Array, options?: UploadOptions): Promise<void> {
    return this.#put("write", uri, data, options);
  }

  /** One PutObject; the body is in memory, so the SDK can retry it. */
  async #put(
    operation: StorageOperation,
    uri: string,
    data: Uint8Array,
    options?: UploadOptions,
  ): Promise<void> {
    const { bucket, key } = parseS3Uri(uri, operation);
    await this.#run(operation, uri, options?.signal, () =>
      this.#client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: data,
          ContentLength: data.length,
          ContentType: options?.contentType,
          Metadata: this.#metadataFor(options),
        }),
        { abortSignal: options?.signal },
      ));
  }

  async upload(localPath: string, uri: string, options?: UploadOptions): Promise<void> {
    const { bucket, key } = parseS3Uri(uri, "upload");
    let size: number;
    try {
      size = (await Deno.stat(localPath)).size;
    } catch (cause) {
      throw new StorageError("upload", uri, `cannot read local file "${localPath}"`, {
        origin: "user",
        code: "USER:NotFound",
        cause,
      });
    }
    if (size <= this.#partSize) {
      // One request with the file in memory: at most one part.
      return this.#put("upload", uri, await Deno.readFile(localPath), options);
    }
    await this.#run("upload", uri, options?.signal, async () => {
      const { Upload } = await import("@aws-sdk/lib-storage");
      using file = await Deno.open(localPath);
      const upload = new Upload({
        client: this.#client,
        params: {
          Bucket: bucket,
          Key: key,
          Body: file.readable,
          ContentType: options?.contentType,
          Metadata: this.#metadataFor(options),
        },
        partSize: this.#partSize,
        queueSize: this.#partConcurrency,
        leavePartsOnError: false,
      });
      const abort = () => upload.abort();
      options?.signal?.addEventListener("abort", abort, { once: true });
      try {
        await upload.done();
      } finally {
        options?.signal?.removeEventListener("abort", abort);
      }
    });
  }

  exists(uri: string, options?: StorageCallOptions): Promise<boolean> {
    const { bucket, key } = parseS3Uri(uri, "exists");
    const abortSignal = options?.signal;
    return this.#run("exists", uri, abortSignal, async () => {
      if (!key) {
        try {
          await this.#client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal });
          return true;
        } catch (error) {
          if (status(error) === 404) return false;
          throw error;
        }
      }
      try {
        await this.#client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal,
        });
        return true;
      } catch (error) {
        if (status(error) !== 404) throw error;
      }
      // Not an object: a "folder" exists when some object lies below it.
      const res = await this.#client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: folderPrefix(key), MaxKeys: 1 }),
        { abortSignal },
      );
      return (res.KeyCount ?? res.Contents?.length ?? 0) > 0;
    });
  }

  list(prefix: string, options?: StorageCallOptions): Promise<string[]> {
    const { bucket, key } = parseS3Uri(prefix, "list");
    return this.#run("list", prefix, options?.signal, async () => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const res = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: folderPrefix(key),
            ContinuationToken: token,
            MaxKeys: this.#pageSize,
          }),
          { abortSignal: options?.signal },
        );
        for (const object of res.Contents ?? []) {
          // Zero-byte "folder" markers some tools write are not files.
          if (object.Key && !object.Key.endsWith("/")) out.push(`s3://${bucket}/${object.Key}`);
        }
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return out;
    });
  }

  #metadataFor(options?: UploadOptions): Record<string, string> | undefined {
    const metadata = { ...this.#metadata, ...options?.metadata };
    return Object.keys(metadata).length ? metadata : undefined;
  }

  /**
   * Runs an operation; body failures restart it within the retry bounds; failures become
   * StorageErrors.
   */
  async #run<T>(
    operation: StorageOperation,
    uri: string,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    try {
      return await withRetry(attempt, {
        policy: this.#policy,
        signal,
        isTransient: (error) => error instanceof BodyError,
      });
    } catch (error) {
      throw s3Error(operation, uri, error instanceof BodyError ? error.cause : error, signal);
    }
  }
}

function folderPrefix(key: string): string {
  return key === "" || key.endsWith("/") ? key : `${key}/`;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function status(error: unknown): number | undefined {
  return (error as SdkError)?.$metadata?.httpStatusCode;
}

const NOT_FOUND = new Set(["NoSuchKey", "NotFound", "NoSuchBucket", "NoSuchUpload"]);
const DENIED = new Set([
  "AccessDenied",
  "Forbidden",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AllAccessDisabled",
  "AccountProblem",
  "InvalidToken",
  "ExpiredToken",
]);

/** Classifies an AWS SDK failure: missing and denied are USER, the rest SYSTEM. */
export function s3Error(
  operation: StorageOperation,
  uri: string,
  error: unknown,
  signal?: AbortSignal,
): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? "Error";
  const code = status(error);
  if (signal?.aborted || name === "AbortError") {
    return new StorageError(operation, uri, "aborted", { code: "SYSTEM:Aborted", cause: error });
  }
  if (NOT_FOUND.has(name) || code === 404) {
    const bucket = parseS3Uri(uri, operation).bucket;
    const writing = operation === "write" || operation === "upload";
    // A write creates the object, so a 404 to it is about the bucket or the endpoint (a wrong
    // FLYTE_AWS_ENDPOINT answers 404 to everything), never a missing object.
    const detail = name === "NoSuchBucket"
      ? `bucket "${bucket}" does not exist`
      : writing
      ? `the server answered ${
        code === undefined ? name : `HTTP ${code} (${name})`
      } to writing the object: bucket "${bucket}" or the S3 endpoint is not there (check the bucket name and FLYTE_AWS_ENDPOINT)`
      : "object does not exist";
    return new StorageError(operation, uri, detail, {
      origin: "user",
      code: "USER:NotFound",
      cause: error,
    });
  }
  if (DENIED.has(name) || code === 401 || code === 403) {
    return new StorageError(operation, uri, `access denied (${name})`, {
      origin: "user",
      code: "USER:AccessDenied",
      cause: error,
    });
  }
  if (name === "CredentialsProviderError") {
    return new StorageError(
      operation,
      uri,
      "no AWS credentials found: set FLYTE_AWS_ACCESS_KEY_ID and FLYTE_AWS_SECRET_ACCESS_KEY or configure the AWS chain",
      { origin: "system", recoverable: false, cause: error },
    );
  }
  if (code !== undefined && code >= 400 && code < 500 && code !== 408 && code !== 429) {
    return new StorageError(operation, uri, `request refused (${name}, HTTP ${code})`, {
      origin: "user",
      code: "USER:StorageError",
      cause: error,
    });
  }
  const attempts = e.$metadata?.attempts;
  const message = e.message || name;
  const label = code === undefined ? e.code : `HTTP ${code} ${name}`;
  const detail = label && !message.includes(label) ? `${label}: ${message}` : message;
  return new StorageError(
    operation,
    uri,
    attempts && attempts > 1 ? `${detail} (after ${attempts} attempts)` : detail,
    { origin: "system", code: "SYSTEM:StorageError", recoverable: true, cause: error },
  );
}
