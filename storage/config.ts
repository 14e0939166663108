// Storage settings as flytekit reads them in task pods (FLYTE_AWS_*, FLYTE_PERSISTENCE_*), then the
// standard AWS chain. Pure functions of an env record: the caller decides where the env comes from.
import { UserError } from "../errors.ts";

/**
 * S3 settings; unset fields fall back to the AWS SDK's own chain (`AWS_*`, web identity, instance
 * profile).
 */
export interface S3Config {
  /**
   * Custom endpoint such as MinIO's `http://minio:9000` (`FLYTE_AWS_ENDPOINT`); implies path-style.
   */
  endpoint?: string;
  /** Access key (`FLYTE_AWS_ACCESS_KEY_ID`). */
  accessKeyId?: string;
  /** Secret key (`FLYTE_AWS_SECRET_ACCESS_KEY`). */
  secretAccessKey?: string;
  /** Session token for temporary keys (`AWS_SESSION_TOKEN`, used only with the keys above). */
  sessionToken?: string;
  /** Region (`AWS_REGION` / `AWS_DEFAULT_REGION`). @default {"us-east-1"} */
  region?: string;
  /**
   * Force path-style (`true`) or virtual-hosted (`false`) addressing (`FLYTE_AWS_ADDRESSING_STYLE`
   * `path` / `virtual`); by default path-style exactly when `endpoint` is set.
   */
  forcePathStyle?: boolean;
  /** Retries after the first attempt of each request (`FLYTE_AWS_RETRIES`). @default {3} */
  retries?: number;
  /**
   * Base of the jittered exponential backoff, in seconds (`FLYTE_AWS_BACKOFF_SECONDS`).
   * @default {0.2}
   */
  backoffSeconds?: number;
  /** Upper bound of the time spent retrying one request, in seconds. @default {60} */
  maxRetrySeconds?: number;
  /** Seconds without progress after which a request is abandoned (and retried). @default {60} */
  timeoutSeconds?: number;
  /** Multipart part size and threshold in bytes (`_F_P_WRITE_CHUNK_SIZE`). @default {8388608} */
  partSize?: number;
  /**
   * Parts of one multipart upload in flight at once; memory is about `partSize * partConcurrency`.
   * @default {4}
   */
  partConcurrency?: number;
  /** Keys per listing page (S3 allows at most 1000). @default {1000} */
  listPageSize?: number;
}

/** Settings of the read-only `http(s)://` backend. */
export interface HttpConfig {
  /** Retries after the first attempt of each request. @default {3} */
  retries?: number;
  /** Base of the jittered exponential backoff, in seconds. @default {0.2} */
  backoffSeconds?: number;
  /** Upper bound of the time spent retrying one request, in seconds. @default {60} */
  maxRetrySeconds?: number;
  /** Seconds without progress after which a request is abandoned (and retried). @default {60} */
  timeoutSeconds?: number;
}

/**
 * Google Cloud Storage settings (`gs://`). Credentials follow Application Default Credentials:
 * `STORAGE_EMULATOR_HOST` (no auth), then `GOOGLE_APPLICATION_CREDENTIALS` (a service-account key
 * or an external-account file), then the metadata server (GKE workload identity, GCE).
 */
export interface GcsConfig {
  /**
   * Base URL of the JSON API (`STORAGE_EMULATOR_HOST`, or `FLYTESHIM_GCS_ENDPOINT` for a proxy
   * that still needs tokens). @default {"https://storage.googleapis.com"}
   */
  endpoint?: string;
  /**
   * The endpoint is an emulator: no credentials are looked up or sent (`STORAGE_EMULATOR_HOST`).
   */
  emulator?: boolean;
  /** Send no credentials, for public buckets (`FLYTESHIM_GCS_ANONYMOUS`). @default {false} */
  anonymous?: boolean;
  /**
   * A credentials file: service-account key or external account (`GOOGLE_APPLICATION_CREDENTIALS`).
   */
  credentialsFile?: string;
  /** Host (and port) of the metadata server (`GCE_METADATA_HOST`). @default {"169.254.169.254"} */
  metadataHost?: string;
  /** Retries after the first attempt of each request (`FLYTESHIM_GCS_RETRIES`). @default {3} */
  retries?: number;
  /** Base of the jittered exponential backoff, in seconds. @default {0.2} */
  backoffSeconds?: number;
  /** Upper bound of the time spent retrying one request, in seconds. @default {60} */
  maxRetrySeconds?: number;
  /** Seconds without progress after which a request is abandoned (and retried). @default {60} */
  timeoutSeconds?: number;
  /**
   * Files up to this size go up in one request; larger ones through a resumable upload session
   * (`_F_P_WRITE_CHUNK_SIZE`). @default {8388608}
   */
  simpleUploadLimit?: number;
  /**
   * Size of each request of a resumable upload, a multiple of 256 KiB; by default the whole file
   * goes in one streamed request (resumed where it stopped after a failure).
   */
  chunkSize?: number;
  /** Objects per listing page (GCS allows at most 1000). @default {1000} */
  listPageSize?: number;
}

/**
 * Reads {@linkcode GcsConfig} from environment variables.
 *
 * @example A credentials file
 * ```ts
 * import { gcsConfigFromEnv } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const config = gcsConfigFromEnv({ GOOGLE_APPLICATION_CREDENTIALS: "/var/run/key.json" });
 * assertEquals([config.credentialsFile, config.emulator], ["/var/run/key.json", undefined]);
 * ```
 *
 * @example Settings from the environment
 * ```ts
 * import { type GcsConfig, gcsConfigFromEnv } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const config: GcsConfig = gcsConfigFromEnv({ STORAGE_EMULATOR_HOST: "localhost:9199" });
 * assertEquals(config.endpoint, "http://localhost:9199");
 * assertEquals(config.emulator, true);
 * ```
 */
export function gcsConfigFromEnv(env: Record<string, string | undefined>): GcsConfig {
  const emulator = env.STORAGE_EMULATOR_HOST?.trim();
  const endpoint = emulator || env.FLYTESHIM_GCS_ENDPOINT?.trim();
  const config: GcsConfig = {
    endpoint: endpoint
      ? (/^https?:\/\//.test(endpoint) ? endpoint : `http://${endpoint}`).replace(/\/+$/, "")
      : undefined,
    emulator: emulator ? true : undefined,
    anonymous: flag(env, "FLYTESHIM_GCS_ANONYMOUS") || undefined,
    credentialsFile: env.GOOGLE_APPLICATION_CREDENTIALS?.trim() || undefined,
    metadataHost: env.GCE_METADATA_HOST?.trim() || env.GCE_METADATA_IP?.trim() || undefined,
    retries: integer(env, "FLYTESHIM_GCS_RETRIES", 0),
    simpleUploadLimit: integer(env, "_F_P_WRITE_CHUNK_SIZE", 256 * 1024),
  };
  return withoutUndefined(config);
}

/**
 * Azure Blob Storage settings (`abfs://`, `abfss://`), read as flytekit and adlfs read them.
 * The credential is chosen from what is set, in this order: connection string, account key, SAS
 * token, anonymous, service principal (tenant, client id and secret), workload identity (tenant,
 * client id and federated token file), managed identity.
 */
export interface AzureConfig {
  /**
   * Account for `abfs://<container>/<path>` URIs (`FLYTE_AZURE_STORAGE_ACCOUNT_NAME`,
   * `AZURE_STORAGE_ACCOUNT_NAME`); `abfs://<container>@<account>.dfs.core.windows.net/` names its
   * own.
   */
  accountName?: string;
  /** Shared key (`FLYTE_AZURE_STORAGE_ACCOUNT_KEY`, `AZURE_STORAGE_ACCOUNT_KEY`). */
  accountKey?: string;
  /** Connection string (`AZURE_STORAGE_CONNECTION_STRING`); its account and endpoint win. */
  connectionString?: string;
  /** SAS token, with or without the leading `?` (`AZURE_STORAGE_SAS_TOKEN`). */
  sasToken?: string;
  /** Send no credentials, for public containers (`AZURE_STORAGE_ANON`). @default {false} */
  anonymous?: boolean;
  /** Entra ID tenant (`FLYTE_AZURE_TENANT_ID`, `AZURE_STORAGE_TENANT_ID`, `AZURE_TENANT_ID`). */
  tenantId?: string;
  /**
   * Application (client) id (`FLYTE_AZURE_CLIENT_ID`, `AZURE_STORAGE_CLIENT_ID`,
   * `AZURE_CLIENT_ID`).
   */
  clientId?: string;
  /**
   * Client secret (`FLYTE_AZURE_CLIENT_SECRET`, `AZURE_STORAGE_CLIENT_SECRET`,
   * `AZURE_CLIENT_SECRET`).
   */
  clientSecret?: string;
  /** Federated token file of workload identity (`AZURE_FEDERATED_TOKEN_FILE`). */
  federatedTokenFile?: string;
  /** Entra ID authority (`AZURE_AUTHORITY_HOST`). @default {"https://login.microsoftonline.com"} */
  authorityHost?: string;
  /**
   * Blob endpoint in place of `https://<account>.blob.core.windows.net`, `{account}` replaced by
   * the account (`FLYTESHIM_AZURE_BLOB_ENDPOINT`; emulators such as
   * `http://127.0.0.1:10000/{account}`).
   */
  endpoint?: string;
  /** Retries after the first attempt of each request (`FLYTESHIM_AZURE_RETRIES`). @default {3} */
  retries?: number;
  /** Base of the exponential backoff, in seconds. @default {0.2} */
  backoffSeconds?: number;
  /** Upper bound of one retry delay, in seconds. @default {20} */
  maxRetryDelaySeconds?: number;
  /** Seconds a request may take before it is abandoned (and retried). @default {60} */
  timeoutSeconds?: number;
  /**
   * Block size and single-request limit of uploads (`_F_P_WRITE_CHUNK_SIZE`). @default {8388608}
   */
  blockSize?: number;
  /**
   * Blocks of one upload in flight at once; memory is about `blockSize * blockConcurrency`.
   * @default {4}
   */
  blockConcurrency?: number;
  /** Blobs per listing page (Azure allows at most 5000). @default {5000} */
  listPageSize?: number;
}

/**
 * Reads {@linkcode AzureConfig} from environment variables: flytekit's `FLYTE_AZURE_*` first, then
 * adlfs' `AZURE_STORAGE_*`, then the Azure SDKs' `AZURE_*`.
 *
 * @example Workload identity on AKS
 * ```ts
 * import { azureConfigFromEnv } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const config = azureConfigFromEnv({
 *   AZURE_TENANT_ID: "t",
 *   AZURE_CLIENT_ID: "c",
 *   AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token",
 * });
 * assertEquals([config.tenantId, config.clientId], ["t", "c"]);
 * ```
 *
 * @example An account key
 * ```ts
 * import { type AzureConfig, azureConfigFromEnv } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const config: AzureConfig = azureConfigFromEnv({
 *   AZURE_STORAGE_ACCOUNT_NAME: "acct",
 *   FLYTE_AZURE_STORAGE_ACCOUNT_KEY: "a2V5",
 * });
 * assertEquals([config.accountName, config.accountKey], ["acct", "a2V5"]);
 * ```
 */
export function azureConfigFromEnv(env: Record<string, string | undefined>): AzureConfig {
  const first = (...names: string[]) => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return value;
    }
    return undefined;
  };
  const config: AzureConfig = {
    accountName: first("FLYTE_AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT_NAME"),
    accountKey: first("FLYTE_AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_ACCOUNT_KEY"),
    connectionString: first("AZURE_STORAGE_CONNECTION_STRING"),
    sasToken: first("AZURE_STORAGE_SAS_TOKEN"),
    anonymous: flag(env, "AZURE_STORAGE_ANON") || undefined,
    tenantId: first("FLYTE_AZURE_TENANT_ID", "AZURE_STORAGE_TENANT_ID", "AZURE_TENANT_ID"),
    clientId: first("FLYTE_AZURE_CLIENT_ID", "AZURE_STORAGE_CLIENT_ID", "AZURE_CLIENT_ID"),
    clientSecret: first(
      "FLYTE_AZURE_CLIENT_SECRET",
      "AZURE_STORAGE_CLIENT_SECRET",
      "AZURE_CLIENT_SECRET",
    ),
    federatedTokenFile: first("AZURE_FEDERATED_TOKEN_FILE"),
    authorityHost: first("AZURE_AUTHORITY_HOST"),
    endpoint: first("FLYTESHIM_AZURE_BLOB_ENDPOINT"),
    retries: integer(env, "FLYTESHIM_AZURE_RETRIES", 0),
    blockSize: integer(env, "_F_P_WRITE_CHUNK_SIZE", 1),
  };
  return withoutUndefined(config);
}

function flag(env: Record<string, string | undefined>, name: string): boolean {
  return ["true", "1", "yes", "on", "t"].includes((env[name] ?? "").trim().toLowerCase());
}

function withoutUndefined<T extends object>(config: T): T {
  for (const key of Object.keys(config) as (keyof T)[]) {
    if (config[key] === undefined) delete config[key];
  }
  return config;
}

/** Who an execution is, as flytekit tags the objects it uploads. */
export interface ExecutionMetadata {
  /** Execution project. */
  project?: string;
  /** Execution domain. */
  domain?: string;
  /** Workflow name. */
  workflow?: string;
  /** Launch plan name. */
  launchplan?: string;
  /** Execution name. */
  name?: string;
}

/**
 * Reads {@linkcode S3Config} from environment variables, as flytekit does.
 *
 * @example Point at a MinIO endpoint
 * ```ts
 * import { s3ConfigFromEnv } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const config = s3ConfigFromEnv({
 *   FLYTE_AWS_ENDPOINT: "http://localhost:9000",
 *   FLYTE_AWS_RETRIES: "5",
 * });
 * assertEquals([config.endpoint, config.retries], ["http://localhost:9000", 5]);
 * ```
 */
export function s3ConfigFromEnv(env: Record<string, string | undefined>): S3Config {
  const config: S3Config = {
    endpoint: env.FLYTE_AWS_ENDPOINT || undefined,
    accessKeyId: env.FLYTE_AWS_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.FLYTE_AWS_SECRET_ACCESS_KEY || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    retries: integer(env, "FLYTE_AWS_RETRIES", 0),
    backoffSeconds: number(env, "FLYTE_AWS_BACKOFF_SECONDS"),
    partSize: integer(env, "_F_P_WRITE_CHUNK_SIZE", 5 * 1024 * 1024),
  };
  if (config.accessKeyId && env.AWS_SESSION_TOKEN) config.sessionToken = env.AWS_SESSION_TOKEN;
  const style = (env.FLYTE_AWS_ADDRESSING_STYLE ?? "").trim().toLowerCase();
  if (style === "path") config.forcePathStyle = true;
  else if (style === "virtual") config.forcePathStyle = false;
  else if (style !== "" && style !== "auto") {
    throw new UserError(
      `Cannot read FLYTE_AWS_ADDRESSING_STYLE "${env.FLYTE_AWS_ADDRESSING_STYLE}": expected path, virtual or auto`,
      { code: "USER:InvalidConfig" },
    );
  }
  return withoutUndefined(config);
}

/**
 * Whether uploads carry `flyte-execution-*` object metadata
 * (`FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA`, default true).
 *
 * @example Switch metadata off as flytekit does
 * ```ts
 * import { attachExecutionMetadataFromEnv } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(attachExecutionMetadataFromEnv({}), true);
 * assertEquals(
 *   attachExecutionMetadataFromEnv({ FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA: "False" }),
 *   false,
 * );
 * ```
 */
export function attachExecutionMetadataFromEnv(env: Record<string, string | undefined>): boolean {
  const value = (env.FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA ?? "").trim().toLowerCase();
  return !["false", "0", "no", "off"].includes(value);
}

/**
 * The object metadata flytekit attaches to uploads:
 * `flyte-execution-{project,domain,launchplan,workflow,name}`, leaving out unknown fields.
 *
 * @example Tag uploads with the execution
 * ```ts
 * import { executionMetadata } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(executionMetadata({ project: "p", domain: "d", name: "n" }), {
 *   "flyte-execution-project": "p",
 *   "flyte-execution-domain": "d",
 *   "flyte-execution-name": "n",
 * });
 * ```
 *
 * @example Object metadata of an execution
 * ```ts
 * import { type ExecutionMetadata, executionMetadata } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const execution: ExecutionMetadata = {
 *   project: "flytesnacks",
 *   domain: "development",
 *   launchplan: "daily",
 * };
 * const metadata = executionMetadata(execution);
 * assertEquals(metadata["flyte-execution-launchplan"], "daily");
 * assertEquals(Object.keys(metadata).length, 3);
 * ```
 */
export function executionMetadata(execution: ExecutionMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ["project", "domain", "launchplan", "workflow", "name"] as const) {
    const value = execution[key];
    if (value) out[`flyte-execution-${key}`] = value;
  }
  return out;
}

function number(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new UserError(`Cannot read ${name} "${raw}": expected a non-negative number`, {
      code: "USER:InvalidConfig",
    });
  }
  return value;
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  min: number,
): number | undefined {
  const value = number(env, name);
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new UserError(
      `Cannot read ${name} "${env[name]}": expected an integer of at least ${min}`,
      {
        code: "USER:InvalidConfig",
      },
    );
  }
  return value;
}
