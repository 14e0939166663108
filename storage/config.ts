// Storage settings as flytekit reads them in task pods (FLYTE_AWS_*, FLYTE_PERSISTENCE_*), then the
// standard AWS chain. Pure functions of an env record: the caller decides where the env comes from.
import { UserError } from "../errors.ts";

/**
 * S3 settings; unset fields fall back to the AWS SDK's own chain (`AWS_*`, web identity, instance profile).
 *
 * @example An S3-compatible endpoint, addressed path-style
 * ```ts
 * import { createStorage, type S3Config } from "@flyteshim/flyteshim/storage";
 * import { StorageError } from "@flyteshim/flyteshim";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const requests: string[] = [];
 * await using server = Deno.serve({ port: 0, onListen() {} }, (request) => {
 *   requests.push(`${request.method} ${new URL(request.url).pathname}`);
 *   return new Response(null, { status: 404 });
 * });
 * const s3: S3Config = { endpoint: `http://localhost:${server.addr.port}`, accessKeyId: "a", secretAccessKey: "b" };
 * await assertRejects(() => createStorage({ s3 }).read("s3://bucket/key"), StorageError, "object does not exist");
 * assertEquals(requests, ["GET /bucket/key"]);
 * ```
 */
export interface S3Config {
  /** Custom endpoint such as MinIO's `http://minio:9000` (`FLYTE_AWS_ENDPOINT`); implies path-style. */
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
  /** Base of the jittered exponential backoff, in seconds (`FLYTE_AWS_BACKOFF_SECONDS`). @default {0.2} */
  backoffSeconds?: number;
  /** Upper bound of the time spent retrying one request, in seconds. @default {60} */
  maxRetrySeconds?: number;
  /** Seconds without progress after which a request is abandoned (and retried). @default {60} */
  timeoutSeconds?: number;
  /** Multipart part size and threshold in bytes (`_F_P_WRITE_CHUNK_SIZE`). @default {8388608} */
  partSize?: number;
  /** Parts of one multipart upload in flight at once; memory is about `partSize * partConcurrency`. @default {4} */
  partConcurrency?: number;
  /** Keys per listing page (S3 allows at most 1000). @default {1000} */
  listPageSize?: number;
}

/**
 * Settings of the read-only `http(s)://` backend.
 *
 * @example A retry after a server error
 * ```ts
 * import { createStorage, type HttpConfig } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * let calls = 0;
 * await using server = Deno.serve({ port: 0, onListen() {} }, () =>
 *   new Response("a,b\n", { status: ++calls === 1 ? 503 : 200 }));
 * const http: HttpConfig = { retries: 1, backoffSeconds: 0.01 };
 * const bytes = await createStorage({ http }).read(`http://localhost:${server.addr.port}/data.csv`);
 * assertEquals([new TextDecoder().decode(bytes), calls], ["a,b\n", 2]);
 * ```
 */
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
 * Who an execution is, as flytekit tags the objects it uploads.
 *
 * @example Object metadata of an execution
 * ```ts
 * import { type ExecutionMetadata, executionMetadata } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * const execution: ExecutionMetadata = { project: "flytesnacks", domain: "development", launchplan: "daily" };
 * const metadata = executionMetadata(execution);
 * assertEquals(metadata["flyte-execution-launchplan"], "daily");
 * assertEquals(Object.keys(metadata).length, 3);
 * ```
 */
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
 * const config = s3ConfigFromEnv({ FLYTE_AWS_ENDPOINT: "http://localhost:9000", FLYTE_AWS_RETRIES: "5" });
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
  for (const key of Object.keys(config) as (keyof S3Config)[]) {
    if (config[key] === undefined) delete config[key];
  }
  return config;
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
 * assertEquals(attachExecutionMetadataFromEnv({ FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA: "False" }), false);
 * ```
 */
export function attachExecutionMetadataFromEnv(env: Record<string, string | undefined>): boolean {
  const value = (env.FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA ?? "").trim().toLowerCase();
  return !["false", "0", "no", "off"].includes(value);
}

/**
 * The object metadata flytekit attaches to uploads: `flyte-execution-{project,domain,launchplan,workflow,name}`,
 * leaving out unknown fields.
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
