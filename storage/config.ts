// S3 settings as flytekit reads them in task pods (FLYTE_AWS_*), then the standard AWS chain.

/** S3 settings; unset fields fall back to the AWS SDK's own chain (`AWS_*`, web identity, instance profile). */
export interface S3Config {
  /** Custom endpoint such as MinIO's `http://minio:9000` (`FLYTE_AWS_ENDPOINT`); implies path-style. */
  endpoint?: string;
  /** Access key (`FLYTE_AWS_ACCESS_KEY_ID`). */
  accessKeyId?: string;
  /** Secret key (`FLYTE_AWS_SECRET_ACCESS_KEY`). */
  secretAccessKey?: string;
  /** Region (`AWS_REGION` / `AWS_DEFAULT_REGION`). @default {"us-east-1"} */
  region?: string;
  /** Force path-style (`true`) or virtual-hosted (`false`) addressing. */
  forcePathStyle?: boolean;
  /** Attempts per request, retries included (`FLYTE_AWS_RETRIES`). */
  retries?: number;
  /** Base backoff in seconds between retries (`FLYTE_AWS_BACKOFF_SECONDS`). */
  backoffSeconds?: number;
}

/**
 * Reads {@linkcode S3Config} from environment variables, as flytekit does.
 *
 * @example
 * ```ts
 * import { s3ConfigFromEnv } from "@flyteshim/flyteshim/storage";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(s3ConfigFromEnv({ FLYTE_AWS_ENDPOINT: "http://localhost:9000" }).endpoint, "http://localhost:9000");
 * ```
 */
export function s3ConfigFromEnv(env: Record<string, string | undefined>): S3Config {
  const num = (v: string | undefined) => (v === undefined || v === "" ? undefined : Number(v));
  const config: S3Config = {
    endpoint: env.FLYTE_AWS_ENDPOINT || undefined,
    accessKeyId: env.FLYTE_AWS_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.FLYTE_AWS_SECRET_ACCESS_KEY || undefined,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    retries: num(env.FLYTE_AWS_RETRIES),
    backoffSeconds: num(env.FLYTE_AWS_BACKOFF_SECONDS),
  };
  if (env.FLYTE_AWS_ADDRESSING_STYLE) {
    config.forcePathStyle = env.FLYTE_AWS_ADDRESSING_STYLE === "path";
  }
  return config;
}
