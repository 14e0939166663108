/**
 * flyteshim's OpenAI batch file executors, drop-ins for flytekit's `UploadJSONLFileTask` (task
 * type `openai-batch-upload-file`) and `DownloadJSONFilesTask` (`openai-batch-download-files`):
 * the first streams a JSONL file from storage to the Files API (`purpose=batch`) and returns the
 * new file's id; the second downloads a finished batch's output and error files into the raw
 * output prefix and returns them as flytekit's `BatchResult`. The API key is the Flyte secret
 * named in `custom.secret_arg`; the base URL comes from `OPENAI_BASE_URL`.
 *
 * @example Read a template's custom as flytekit writes it
 * ```ts
 * import { uploadJsonlFileExecutor } from "./mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const config = uploadJsonlFileExecutor.parseConfig({
 *   openai_organization: null,
 *   secret_arg: { group: "openai", key: "api_key", group_version: null, mount_requirement: 0 },
 * }, { type: "openai-batch-upload-file" });
 * assertEquals(config, { secret: { group: "openai", key: "api_key" } });
 * ```
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import { joinUri, schemeOf } from "../../storage/storage.ts";
import { redactUri } from "../../storage/redact.ts";
import { FlyteFile } from "../../types/values.ts";
import { defineExecutor, type Executor, type ExecutorContext } from "../mod.ts";
import { type OpenAIFileConfig, parseOpenAIFileConfig } from "./config.ts";
import { createFilesApi, DEFAULT_OPENAI_BASE_URL, type FilesApi } from "./files_api.ts";

export type { OpenAIFileConfig } from "./config.ts";
export { DEFAULT_OPENAI_BASE_URL } from "./files_api.ts";

/** The largest file the Files API takes for a batch (512 MB at the time of writing). */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** Options of {@linkcode createOpenAIFileExecutors}. */
export interface OpenAIFileExecutorOptions {
  /** The API base URL; when absent, `OPENAI_BASE_URL` from the run's environment, else OpenAI's. */
  baseUrl?: string;
  /** Files larger than this are refused before any upload. @default {536870912} */
  maxUploadBytes?: number;
  /** Retries after a 429, a 5xx or a lost connection. @default {4} */
  retries?: number;
  /** First backoff when the API gives no `Retry-After`, in seconds. @default {1} */
  backoffSeconds?: number;
  /**
   * Idle time after which a request is abandoned and retried, in milliseconds. @default {600000}
   */
  timeoutMs?: number;
}

function describeSecret(config: OpenAIFileConfig): string {
  const { group, key } = config.secret;
  return key ? `secret "${key}" of group "${group}"` : `secret group "${group}"`;
}

async function filesApi(
  config: OpenAIFileConfig,
  ctx: ExecutorContext,
  options: OpenAIFileExecutorOptions,
): Promise<FilesApi> {
  const apiKey = await ctx.secrets.get(config.secret);
  if (!apiKey) {
    throw new UserError(`Cannot use the OpenAI API key in ${describeSecret(config)}: it is empty`, {
      code: "USER:SecretNotFound",
    });
  }
  const baseUrl = options.baseUrl || ctx.env?.OPENAI_BASE_URL?.trim() || DEFAULT_OPENAI_BASE_URL;
  // fetch (downloads) trusts DENO_CERT by itself; uploads go through node:https, which does not.
  const certFile = ctx.env?.DENO_CERT?.trim();
  let caCertificates: string[] | undefined;
  if (certFile && baseUrl.startsWith("https:")) {
    try {
      caCertificates = [await Deno.readTextFile(certFile)];
    } catch (cause) {
      throw new UserError(
        `Cannot read the CA certificates in DENO_CERT "${certFile}": ${(cause as Error).message}`,
        { code: "USER:InvalidConfig", cause },
      );
    }
  }
  return createFilesApi({
    caCertificates,
    baseUrl,
    apiKey,
    organization: config.organization,
    keySource: describeSecret(config),
    retries: options.retries,
    backoffSeconds: options.backoffSeconds,
    timeoutMs: options.timeoutMs,
    signal: ctx.signal,
    logger: ctx.logger,
  });
}

/** The single output's name (flytekit's tasks call it `result`). */
function outputName(ctx: ExecutorContext): string {
  const names = Object.keys(ctx.template.interface?.outputs?.variables ?? {});
  return names.length === 1 ? names[0] : "result";
}

function localPathOf(uri: string): string | undefined {
  if (schemeOf(uri) !== "file") return undefined;
  return uri.startsWith("file://") ? decodeURIComponent(new URL(uri).pathname) : uri;
}

function fileName(uri: string): string {
  const path = uri.replace(/[?#].*$/, "").replace(/\/+$/, "");
  let name = path.slice(path.lastIndexOf("/") + 1);
  try {
    name = decodeURIComponent(name);
  } catch { /* keep it encoded */ }
  return name || "input.jsonl";
}

function tooLarge(label: string, size: number, max: number): UserError {
  return new UserError(
    `Cannot upload "${label}" to the OpenAI Files API: the file is ${size} bytes, more than the ${max} bytes the API takes`,
    { code: "USER:InvalidInput" },
  );
}

/**
 * The input file as a local path and size: a local file is read where it is, anything else is
 * streamed into the work folder first, stopping as soon as it is known to be too large.
 */
async function localInput(
  file: FlyteFile,
  ctx: ExecutorContext,
  max: number,
): Promise<{ path: string; size: number }> {
  const label = redactUri(file.uri);
  const local = localPathOf(file.uri);
  if (local !== undefined) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(local);
    } catch (cause) {
      throw new UserError(`Cannot upload "${label}" to the OpenAI Files API: no such file`, {
        code: "USER:NotFound",
        cause,
      });
    }
    if (!info.isFile) {
      throw new UserError(`Cannot upload "${label}" to the OpenAI Files API: not a file`, {
        code: "USER:InvalidInput",
      });
    }
    if (info.size > max) throw tooLarge(label, info.size, max);
    return { path: local, size: info.size };
  }
  const path = `${Deno.makeTempDirSync({ dir: ctx.workDir, prefix: "openai-" })}/input.jsonl`;
  const stop = new AbortController();
  let seen = 0;
  try {
    await ctx.storage.download(file.uri, path, {
      signal: AbortSignal.any([ctx.signal, stop.signal]),
      onProgress: (received, total) => {
        seen = Math.max(received, total ?? 0);
        if (seen > max && !stop.signal.aborted) stop.abort(tooLarge(label, seen, max));
      },
    });
  } catch (error) {
    if (stop.signal.aborted && !ctx.signal.aborted) throw stop.signal.reason;
    throw error;
  }
  const size = (await Deno.stat(path)).size;
  if (size > max) throw tooLarge(label, size, max);
  return { path, size };
}

async function uploadJsonl(
  config: OpenAIFileConfig,
  inputs: Record<string, unknown>,
  ctx: ExecutorContext,
  options: OpenAIFileExecutorOptions,
): Promise<Record<string, unknown>> {
  const file = inputs.jsonl_in;
  if (!(file instanceof FlyteFile)) {
    throw new UserError(
      'Cannot upload a JSONL file to the OpenAI Files API: input "jsonl_in" must be a file',
      { code: "USER:InvalidInput" },
    );
  }
  const api = await filesApi(config, ctx, options);
  const { path, size } = await localInput(file, ctx, options.maxUploadBytes ?? MAX_UPLOAD_BYTES);
  ctx.logger.info("Uploading a JSONL file to the OpenAI Files API", {
    uri: redactUri(file.uri),
    bytes: size,
  });
  const id = await api.upload({
    path,
    size,
    filename: fileName(file.uri),
    purpose: "batch",
    label: redactUri(file.uri),
  });
  ctx.logger.info("Uploaded", { fileId: id });
  return { [outputName(ctx)]: id };
}

const BATCH_FILES = [["output_file", "output_file_id"], ["error_file", "error_file_id"]] as const;

async function downloadBatchFiles(
  config: OpenAIFileConfig,
  inputs: Record<string, unknown>,
  ctx: ExecutorContext,
  options: OpenAIFileExecutorOptions,
): Promise<Record<string, unknown>> {
  const batch = inputs.batch_endpoint_result;
  if (batch === null || typeof batch !== "object" || Array.isArray(batch)) {
    throw new UserError(
      'Cannot download the batch files: input "batch_endpoint_result" must be a dict',
      { code: "USER:InvalidInput" },
    );
  }
  const ids = BATCH_FILES.map(([field, key]) => {
    const id = (batch as Record<string, unknown>)[key];
    if (id !== undefined && id !== null && typeof id !== "string") {
      throw new UserError(
        `Cannot download the batch files: "${key}" must be a string or null, found ${typeof id}`,
        { code: "USER:InvalidInput" },
      );
    }
    return [field, id || undefined] as const;
  });
  if (ids.every(([, id]) => id === undefined)) {
    ctx.logger.warn("The batch result names no output or error file");
  }
  const api = await filesApi(config, ctx, options);
  const result: Record<string, FlyteFile | null> = {};
  const dir = Deno.makeTempDirSync({ dir: ctx.workDir, prefix: "openai-" });
  for (const [field, id] of ids) {
    if (id === undefined) {
      result[field] = null;
      continue;
    }
    const local = `${dir}/${field}.jsonl`;
    ctx.logger.info("Downloading a batch file", { file: field, fileId: id });
    const bytes = await api.download(id, local);
    // As flytekit: <raw output prefix>/<32 hex>/output_file.jsonl
    const uri = joinUri(ctx.newRawOutputUri(), `${field}.jsonl`);
    await ctx.storage.upload(local, uri, { signal: ctx.signal, move: true });
    await Deno.remove(local).catch(() => {});
    ctx.logger.info("Stored", { file: field, uri: redactUri(uri), bytes });
    result[field] = new FlyteFile({ uri, format: "jsonl" });
  }
  return { [outputName(ctx)]: result };
}

/**
 * Creates the two executors with their options.
 *
 * @example Executors against a compatible server, with fewer retries
 * ```ts
 * import { createOpenAIFileExecutors } from "./mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const { upload, download } = createOpenAIFileExecutors({
 *   baseUrl: "http://127.0.0.1:8080/v1",
 *   retries: 1,
 * });
 * assertEquals([upload.taskTypes, download.taskTypes], [["openai-batch-upload-file"], [
 *   "openai-batch-download-files",
 * ]]);
 * ```
 */
export function createOpenAIFileExecutors(options: OpenAIFileExecutorOptions = {}): {
  upload: Executor<OpenAIFileConfig>;
  download: Executor<OpenAIFileConfig>;
} {
  return {
    upload: defineExecutor<OpenAIFileConfig>({
      id: "flyteshim.openai.upload_jsonl_file",
      taskTypes: ["openai-batch-upload-file"],
      aliases: ["flytekitplugins.openai.batch.task.UploadJSONLFileExecutor"],
      description: "Uploads a JSONL file to the OpenAI Files API for a batch and returns its id",
      parseConfig: (custom) => parseOpenAIFileConfig(custom),
      execute: (config, inputs, ctx) => uploadJsonl(config, inputs, ctx, options),
    }),
    download: defineExecutor<OpenAIFileConfig>({
      id: "flyteshim.openai.download_batch_files",
      taskTypes: ["openai-batch-download-files"],
      aliases: ["flytekitplugins.openai.batch.task.DownloadJSONFilesExecutor"],
      description: "Downloads an OpenAI batch's output and error files into the raw output prefix",
      parseConfig: (custom) => parseOpenAIFileConfig(custom),
      execute: (config, inputs, ctx) => downloadBatchFiles(config, inputs, ctx, options),
    }),
  };
}

const DEFAULT = createOpenAIFileExecutors();

/** The upload executor with default options (what `executors/builtin.ts` loads). */
export const uploadJsonlFileExecutor: Executor<OpenAIFileConfig> = DEFAULT.upload;
/** The download executor with default options (what `executors/builtin.ts` loads). */
export const downloadBatchFilesExecutor: Executor<OpenAIFileConfig> = DEFAULT.download;
