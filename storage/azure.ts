// The abfs:// and abfss:// backend (Azure Blob Storage and ADLS Gen2 accounts, through the Blob API
// as adlfs does). Imported only when such a URI appears; the only module that loads the Azure SDKs.
// @azure/identity is imported only for Entra ID credentials (no key, SAS or connection string), and
// the credential is chosen from the settings, never by DefaultAzureCredential's probing.
import type {
  BlobServiceClient,
  BlockBlobParallelUploadOptions,
  ContainerClient,
  StoragePipelineOptions,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import type { TokenCredential } from "@azure/identity";
import { dirname } from "node:path";
import { StorageError, type StorageOperation } from "../errors.ts";
import { concatBytes } from "./_bytes.ts";
import { type AzureConfig, azureConfigFromEnv } from "./config.ts";
import { retryPolicy, withRetryAndIdleTimeout } from "./retry.ts";
import type {
  DownloadOptions,
  StorageBackend,
  StorageCallOptions,
  StorageOptions,
  UploadOptions,
} from "./types.ts";

const DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;
/** Authorities MSAL knows; another one (Azure Stack, a test's fake) skips instance discovery. */
const KNOWN_AUTHORITIES = [
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
];

/** Where an `abfs://` URI points. */
export interface AzureLocation {
  /** Storage account, or `undefined` when the URI leaves it to the settings. */
  account?: string;
  /** DNS suffix of the account's endpoints, such as `core.windows.net`. */
  suffix: string;
  /** Container name. */
  container: string;
  /** Blob name or name prefix, possibly empty. */
  path: string;
  /** `<scheme>://<authority>`: the part every listed URI starts with. */
  base: string;
}

/**
 * Parses `abfs[s]://<container>@<account>.(dfs|blob).<suffix>/<path>` and
 * `abfs[s]://<container>/<path>` as adlfs does; both reach the account's Blob endpoint.
 */
export function parseAzureUri(uri: string, operation: StorageOperation): AzureLocation {
  const match = /^(abfss?):\/\/([^/?#]+)\/?([^?#]*)$/i.exec(uri);
  const invalid = () =>
    new StorageError(
      operation,
      uri,
      "expected abfs://<container>@<account>.dfs.core.windows.net/<path> or abfs://<container>/<path>",
      { origin: "user", code: "USER:InvalidInput" },
    );
  if (!match) throw invalid();
  const [, scheme, authority, path] = match;
  const base = `${scheme.toLowerCase()}://${authority}`;
  const at = authority.indexOf("@");
  if (at < 0) return { container: authority, path, suffix: "core.windows.net", base };
  const container = authority.slice(0, at);
  const host = authority.slice(at + 1);
  if (!container || !host) throw invalid();
  const named = /^([^.]+)\.(?:dfs|blob)\.(.+)$/i.exec(host);
  return named
    ? { account: named[1], suffix: named[2], container, path, base }
    : { account: host, suffix: "core.windows.net", container, path, base };
}

/**
 * Azure metadata names are C# identifiers: `flyte-execution-project` is stored as
 * `flyte_execution_project`.
 */
export function azureMetadataName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(safe) ? safe : `_${safe}`;
}

/** Creates the Azure backend; settings come from `options.azure`, else from the environment. */
export function createBackend(options: StorageOptions): StorageBackend {
  return new AzureStorage(
    options.azure ?? azureConfigFromEnv(options.env ?? Deno.env.toObject()),
    options.metadata,
  );
}

type BlobModule = typeof import("@azure/storage-blob");

/** The backend for `abfs://` and `abfss://` URIs. */
export class AzureStorage implements StorageBackend {
  readonly #config: AzureConfig;
  readonly #metadata: Record<string, string>;
  readonly #clients = new Map<string, Promise<BlobServiceClient>>();
  /** Values that must never reach a message: key, SAS, secret, connection string. */
  readonly #secrets: string[];
  #credential?: Promise<TokenCredential>;

  /** Creates the backend for `config`; `metadata` is added to every upload (names mapped). */
  constructor(config: AzureConfig, metadata: Record<string, string> = {}) {
    this.#config = config;
    this.#metadata = metadata;
    this.#secrets = [
      config.accountKey,
      config.sasToken,
      config.clientSecret,
      config.connectionString,
    ]
      .filter((s): s is string => Boolean(s && s.length >= 4));
    for (const part of (config.connectionString ?? "").split(";")) {
      const [key, ...rest] = part.split("=");
      if (/^(AccountKey|SharedAccessSignature)$/i.test(key.trim()) && rest.join("=").length >= 4) {
        this.#secrets.push(rest.join("="));
      }
    }
  }

  async read(uri: string, options?: StorageCallOptions): Promise<Uint8Array> {
    const location = parseAzureUri(uri, "read");
    return await this.#run(
      "read",
      uri,
      location,
      options?.signal,
      async (container, signal, touch) => {
        const parts: Uint8Array[] = [];
        await this.#stream(container, location.path, signal, (chunk) => {
          touch();
          parts.push(chunk);
        });
        return concatBytes(parts);
      },
    );
  }

  async download(uri: string, localPath: string, options?: DownloadOptions): Promise<void> {
    const location = parseAzureUri(uri, "download");
    await this.#run(
      "download",
      uri,
      location,
      options?.signal,
      async (container, signal, touch) => {
        await Deno.mkdir(dirname(localPath), { recursive: true });
        using file = await Deno.open(localPath, { write: true, create: true, truncate: true });
        let received = 0;
        await this.#stream(container, location.path, signal, async (chunk, total) => {
          touch();
          for (let done = 0; done < chunk.length;) {
            done += await file.write(done ? chunk.subarray(done) : chunk);
          }
          received += chunk.length;
          options?.onProgress?.(received, total);
        });
      },
    );
  }

  /**
   * Streams a blob's body; a body cut mid-way (the SDK reports it as an abort) is resumed from
   * the byte where it stopped, with a ranged request, within the retry count.
   */
  async #stream(
    container: ContainerClient,
    path: string,
    signal: AbortSignal | undefined,
    onChunk: (chunk: Uint8Array, total: number | undefined) => void | Promise<void>,
  ): Promise<void> {
    const blob = container.getBlockBlobClient(path);
    let offset = 0;
    let total: number | undefined;
    let etag: string | undefined;
    for (let resumes = 0;; resumes++) {
      const res = await blob.download(offset, undefined, {
        abortSignal: signal,
        maxRetryRequests: 0,
        // A resumed body must come from the same version of the blob.
        conditions: etag ? { ifMatch: etag } : undefined,
      });
      etag ??= res.etag;
      total ??= res.contentLength;
      try {
        for await (const chunk of res.readableStreamBody as AsyncIterable<Uint8Array>) {
          offset += chunk.length;
          await onChunk(chunk, total);
        }
      } catch (error) {
        if (signal?.aborted || resumes >= (this.#config.retries ?? 3)) throw error;
        continue;
      }
      if (total === undefined || offset >= total) return;
      if (resumes >= (this.#config.retries ?? 3)) {
        throw new Error(`the body ended after ${offset} of ${total} bytes`);
      }
    }
  }

  async write(uri: string, data: Uint8Array, options?: UploadOptions): Promise<void> {
    const location = parseAzureUri(uri, "write");
    await this.#run("write", uri, location, options?.signal, async (container, signal, touch) => {
      await container.getBlockBlobClient(location.path)
        .uploadData(data, this.#uploadOptions(options, signal, touch));
    });
  }

  async upload(localPath: string, uri: string, options?: UploadOptions): Promise<void> {
    const location = parseAzureUri(uri, "upload");
    await assertLocalFile("upload", uri, localPath);
    await this.#run("upload", uri, location, options?.signal, async (container, signal, touch) => {
      // One request up to a block, else blocks read from the file as they go (Put Block, then
      // Put Block List): memory stays about blockSize * blockConcurrency.
      await container.getBlockBlobClient(location.path)
        .uploadFile(localPath, this.#uploadOptions(options, signal, touch));
    });
  }

  async exists(uri: string, options?: StorageCallOptions): Promise<boolean> {
    const location = parseAzureUri(uri, "exists");
    return await this.#run(
      "exists",
      uri,
      location,
      options?.signal,
      async (container, abortSignal) => {
        if (!location.path.replace(/\/+$/, "")) return await container.exists({ abortSignal });
        if (await container.getBlobClient(location.path).exists({ abortSignal })) return true;
        // Not a blob: a "folder" exists when some blob lies below it.
        const page = await container.listBlobsFlat({
          prefix: folderPrefix(location.path),
          abortSignal,
        }).byPage({ maxPageSize: 1 }).next();
        if (page.done) return false;
        return page.value.segment.blobItems.length > 0;
      },
      { containerMissing: false },
    );
  }

  async list(prefix: string, options?: StorageCallOptions): Promise<string[]> {
    const location = parseAzureUri(prefix, "list");
    return await this.#run(
      "list",
      prefix,
      location,
      options?.signal,
      async (container, signal, touch) => {
        const out: string[] = [];
        const pages = container.listBlobsFlat({
          prefix: folderPrefix(location.path),
          includeMetadata: true,
          abortSignal: signal,
        }).byPage({ maxPageSize: this.#config.listPageSize ?? 5000 });
        for await (const page of pages) {
          touch();
          for (const blob of page.segment.blobItems) {
            if (blob.name.endsWith("/") || isFolderPlaceholder(blob.metadata)) continue;
            out.push(`${location.base}/${blob.name}`);
          }
        }
        return out;
      },
    );
  }

  /** What the SDK's uploadData and uploadFile take: one request up to a block, else blocks. */
  #uploadOptions(
    options: UploadOptions | undefined,
    abortSignal: AbortSignal,
    onProgress: () => void,
  ): BlockBlobParallelUploadOptions {
    const blockSize = this.#config.blockSize ?? DEFAULT_BLOCK_SIZE;
    return {
      abortSignal,
      onProgress,
      blobHTTPHeaders: options?.contentType ? { blobContentType: options.contentType } : {},
      metadata: this.#metadataFor(options),
      blockSize,
      maxSingleShotSize: blockSize,
      concurrency: this.#config.blockConcurrency ?? 4,
    };
  }

  #metadataFor(options?: UploadOptions): Record<string, string> | undefined {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...this.#metadata, ...options?.metadata })) {
      out[azureMetadataName(name)] = value;
    }
    return Object.keys(out).length ? out : undefined;
  }

  /** The service client of an account, created on its first use. */
  #client(location: AzureLocation, operation: StorageOperation, uri: string) {
    const config = this.#config;
    const account = location.account ?? config.accountName;
    const key = `${account ?? ""}.${location.suffix}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = this.#createClient(account, location.suffix, operation, uri);
      this.#clients.set(key, client);
      client.catch(() => this.#clients.delete(key));
    }
    return client;
  }

  async #createClient(
    account: string | undefined,
    suffix: string,
    operation: StorageOperation,
    uri: string,
  ): Promise<BlobServiceClient> {
    const config = this.#config;
    const blob: BlobModule = await import("@azure/storage-blob");
    const pipeline: StoragePipelineOptions = {
      retryOptions: {
        maxTries: (config.retries ?? 3) + 1,
        retryDelayInMs: (config.backoffSeconds ?? 0.2) * 1000,
        maxRetryDelayInMs: (config.maxRetryDelaySeconds ?? 20) * 1000,
        tryTimeoutInMs: (config.timeoutSeconds ?? 60) * 1000,
      },
      userAgentOptions: { userAgentPrefix: "flyteshim" },
    };
    if (config.connectionString) {
      try {
        return blob.BlobServiceClient.fromConnectionString(config.connectionString, pipeline);
      } catch {
        // The SDK's message quotes the string, key included.
        throw new StorageError(
          operation,
          uri,
          "AZURE_STORAGE_CONNECTION_STRING is not a valid connection string",
          { origin: "user", code: "USER:InvalidConfig" },
        );
      }
    }
    if (!account) {
      throw new StorageError(
        operation,
        uri,
        "no storage account: name it in the URI (abfs://<container>@<account>.dfs.core.windows.net/<path>) or set AZURE_STORAGE_ACCOUNT_NAME",
        { origin: "user", code: "USER:InvalidConfig" },
      );
    }
    const endpoint = config.endpoint
      ? config.endpoint.replaceAll("{account}", account).replace(/\/+$/, "")
      : `https://${account}.blob.${suffix}`;
    let credential: StorageSharedKeyCredential | TokenCredential | undefined;
    let url = endpoint;
    if (config.accountKey) {
      try {
        credential = new blob.StorageSharedKeyCredential(account, config.accountKey);
      } catch {
        throw new StorageError(operation, uri, "the account key is not valid base64", {
          origin: "user",
          code: "USER:InvalidConfig",
        });
      }
    } else if (config.sasToken) {
      url = `${endpoint}?${config.sasToken.replace(/^\?/, "")}`;
    } else if (!config.anonymous) {
      credential = await this.#tokenCredential();
    }
    return new blob.BlobServiceClient(url, credential ?? new blob.AnonymousCredential(), pipeline);
  }

  /** The Entra ID credential the settings name, imported on first use. */
  #tokenCredential(): Promise<TokenCredential> {
    this.#credential ??= (async () => {
      const config = this.#config;
      const identity = await import("@azure/identity");
      const authorityHost = config.authorityHost;
      const options = {
        authorityHost,
        disableInstanceDiscovery: authorityHost !== undefined &&
          !KNOWN_AUTHORITIES.includes(hostOf(authorityHost)),
      };
      if (config.tenantId && config.clientId && config.clientSecret) {
        return new identity.ClientSecretCredential(
          config.tenantId,
          config.clientId,
          config.clientSecret,
          options,
        );
      }
      if (config.federatedTokenFile && config.tenantId && config.clientId) {
        return new identity.WorkloadIdentityCredential({
          ...options,
          tenantId: config.tenantId,
          clientId: config.clientId,
          tokenFilePath: config.federatedTokenFile,
        });
      }
      return new identity.ManagedIdentityCredential({
        ...(config.clientId ? { clientId: config.clientId } : {}),
        retryOptions: { maxRetries: config.retries ?? 3 },
      });
    })();
    return this.#credential;
  }

  /**
   * Runs an operation on the URI's container; failures become classified StorageErrors. Each
   * attempt gets a signal that aborts after `timeoutSeconds` without progress (`touch()` marks
   * progress): the SDK's own per-try timeout does not fire under Deno, so a stalled server would
   * otherwise hold the run. Such an attempt is retried within the retry bounds.
   */
  async #run<T>(
    operation: StorageOperation,
    uri: string,
    location: AzureLocation,
    outer: AbortSignal | undefined,
    attempt: (container: ContainerClient, signal: AbortSignal, touch: () => void) => Promise<T>,
    { containerMissing = true }: { containerMissing?: boolean } = {},
  ): Promise<T> {
    const timeoutMs = (this.#config.timeoutSeconds ?? 60) * 1000;
    const attempts = { count: 0 };
    try {
      outer?.throwIfAborted();
      const client = await this.#client(location, operation, uri);
      const container = client.getContainerClient(location.container);
      return await withRetryAndIdleTimeout((signal, touch) => attempt(container, signal, touch), {
        policy: retryPolicy(this.#config),
        signal: outer,
        isTransient: (error) => error instanceof IdleTimeout,
        timeoutMs,
        onIdle: () => new IdleTimeout(timeoutMs),
        attempts,
      });
    } catch (error) {
      if (!containerMissing && errorCode(error) === "ContainerNotFound") return false as T;
      if (error instanceof IdleTimeout && !outer?.aborted) {
        const detail = attempts.count > 1
          ? `${error.message} (after ${attempts.count} attempts)`
          : error.message;
        throw new StorageError(operation, uri, detail, {
          origin: "system",
          code: "SYSTEM:StorageError",
          recoverable: true,
        });
      }
      throw azureError(operation, uri, location, error, outer, this.#secrets);
    }
  }
}

/** An attempt that made no progress for the timeout. */
class IdleTimeout extends Error {
  constructor(ms: number) {
    super(`no progress for ${ms / 1000} s`);
    this.name = "IdleTimeout";
  }
}

/** Throws USER:NotFound unless `path` is a regular file. */
async function assertLocalFile(operation: StorageOperation, uri: string, path: string) {
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(path);
  } catch (cause) {
    throw new StorageError(operation, uri, `cannot read local file "${path}"`, {
      origin: "user",
      code: "USER:NotFound",
      cause,
    });
  }
  if (!info.isFile) {
    throw new StorageError(operation, uri, `cannot read local file "${path}": not a file`, {
      origin: "user",
      code: "USER:NotFound",
    });
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

function folderPrefix(path: string): string {
  return path === "" || path.endsWith("/") ? path : `${path}/`;
}

/** A directory of a hierarchical-namespace account, as a flat listing shows it. */
function isFolderPlaceholder(metadata: Record<string, string> | undefined): boolean {
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (name.toLowerCase() === "hdi_isfolder" && value.toLowerCase() === "true") return true;
  }
  return false;
}

interface AzureSdkError {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  details?: { errorCode?: string };
}

function errorCode(error: unknown): string | undefined {
  const e = (error ?? {}) as AzureSdkError;
  return e.details?.errorCode ?? e.code;
}

/** A message with every secret, SAS signature and bearer token removed. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, "***");
  return out
    .replace(
      /([?&](?:sig|se|sv|sp|st|spr|srt|ss|sr|skoid|sktid|skt|ske|sks|skv)=)[^&\s"']*/gi,
      "$1***",
    )
    .replace(/(Bearer|SharedKey)\s+[^\s"']+/gi, "$1 ***");
}

/** Classifies an Azure SDK failure: missing and denied are USER, outages SYSTEM (recoverable). */
function azureError(
  operation: StorageOperation,
  uri: string,
  location: AzureLocation,
  error: unknown,
  signal: AbortSignal | undefined,
  secrets: readonly string[],
): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as AzureSdkError;
  const name = e.name ?? "Error";
  const code = errorCode(error);
  const status = e.statusCode;
  // The SDK's errors carry requests and responses; the document keeps a scrubbed message only.
  const raw = e.message ?? String(error);
  const firstLine = scrub(raw.split("\n")[0], secrets);
  const cause = Object.assign(new Error(scrub(raw, secrets)), { name });
  if (signal?.aborted) {
    return new StorageError(operation, uri, "aborted", { code: "SYSTEM:Aborted", cause });
  }
  if (name === "CredentialUnavailableError") {
    return new StorageError(
      operation,
      uri,
      `no Azure credentials found: set AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_CONNECTION_STRING, or AZURE_TENANT_ID and AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE, or run with a managed identity: ${firstLine}`,
      { origin: "system", code: "SYSTEM:StorageError", recoverable: false, cause },
    );
  }
  const tlsCodes =
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;
  if (
    tlsCodes.test(code ?? "") ||
    /unable to verify the first certificate|self[- ]signed certificate|certificate has expired/i
      .test(raw)
  ) {
    // Stays so on retry: the certificates the process trusts are configuration.
    return new StorageError(
      operation,
      uri,
      `the server's TLS certificate was not accepted (the Azure SDK trusts NODE_EXTRA_CA_CERTS, not DENO_CERT): ${firstLine}`,
      { origin: "user", code: "USER:InvalidConfig", cause },
    );
  }
  if (/authentication is not permitted for non-TLS/.test(raw)) {
    return new StorageError(
      operation,
      uri,
      "Entra ID credentials need an https:// blob endpoint: check FLYTESHIM_AZURE_BLOB_ENDPOINT",
      { origin: "user", code: "USER:InvalidConfig", cause },
    );
  }
  if (name === "AuthenticationError" || name === "AuthenticationRequiredError") {
    return new StorageError(operation, uri, `Entra ID refused the credentials: ${firstLine}`, {
      origin: "user",
      code: "USER:AccessDenied",
      cause,
    });
  }
  if (status === 404 || code === "BlobNotFound" || code === "ContainerNotFound") {
    const detail = code === "ContainerNotFound"
      ? `container "${location.container}" does not exist`
      : "object does not exist";
    return new StorageError(operation, uri, detail, {
      origin: "user",
      code: "USER:NotFound",
      cause,
    });
  }
  if (status === 401 || status === 403) {
    return new StorageError(operation, uri, `access denied (${code ?? `HTTP ${status}`})`, {
      origin: "user",
      code: "USER:AccessDenied",
      cause,
    });
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new StorageError(operation, uri, `request refused (${code ?? name}, HTTP ${status})`, {
      origin: "user",
      code: "USER:StorageError",
      cause,
    });
  }
  const label = status === undefined ? code : `HTTP ${status}${code ? ` ${code}` : ""}`;
  const detail = label && !firstLine.includes(label) ? `${label}: ${firstLine}` : firstLine;
  return new StorageError(operation, uri, detail || name, {
    origin: "system",
    code: "SYSTEM:StorageError",
    recoverable: true,
    cause,
  });
}
