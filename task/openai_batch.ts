// Ready-made definitions of the OpenAI batch file tasks (flytekit's `UploadJSONLFileTask` and
// `DownloadJSONFilesTask`), with the interface, `custom` and secret request flytekit 1.16 writes.
import {
  FLYTEKIT_OPENAI_DOWNLOAD_EXECUTOR_CLASS,
  FLYTEKIT_OPENAI_UPLOAD_EXECUTOR_CLASS,
  OPENAI_DOWNLOAD_EXECUTOR_ENTRY,
  OPENAI_UPLOAD_EXECUTOR_ENTRY,
} from "../executors/builtin.ts";
import { jsonToStruct, type JsonValue, SimpleType } from "../idl/core.ts";
import { type TypeDescriptor, Types } from "../types/descriptors.ts";
import { MSGPACK_ANNOTATION } from "../types/struct.ts";
import type { FlyteFile } from "../types/values.ts";
import { defineTask } from "./define.ts";
import type { PrebuiltTask, SecretRequest, TaskOptions } from "./types.ts";
import { secretArgOf } from "./_secret_arg.ts";

/** A file of the batch result as read back from its literal: flytekit's `{"path": uri}`. */
export interface BatchResultFile {
  /** Where the JSONL file is. */
  path: string;
}

/**
 * The download task's output, flytekit's `BatchResult` dataclass: the batch's output and error
 * files (`null` when the batch has none).
 */
export interface BatchResult {
  /** The batch's output file. */
  output_file: BatchResultFile | null;
  /** The batch's error file. */
  error_file: BatchResultFile | null;
}

// What flytekit's dataclass transformer declares for `BatchResult`: the JSON schema mashumaro
// builds (an optional JSONLFile is a path-like string or null, default null), the fields' literal
// types for attribute access, and the msgpack annotation.
const OPTIONAL_PATH: JsonValue = {
  anyOf: [{ type: "string", format: "path" }, { type: "null" }],
  default: null,
};
const BATCH_RESULT_SCHEMA: { [key: string]: JsonValue } = {
  type: "object",
  title: "BatchResult",
  properties: { output_file: OPTIONAL_PATH, error_file: OPTIONAL_PATH },
  additionalProperties: false,
};
const OPTIONAL_JSONL = Types.optional(Types.file("jsonl")).literalType;

/** The literal type of flytekit's `BatchResult` (a msgpack STRUCT dataclass). */
export const BATCH_RESULT_TYPE: TypeDescriptor<
  BatchResult,
  BatchResult | { output_file: FlyteFile | null; error_file: FlyteFile | null }
> = {
  literalType: {
    simple: SimpleType.STRUCT,
    metadata: jsonToStruct(BATCH_RESULT_SCHEMA),
    structure: { dataclassType: { output_file: OPTIONAL_JSONL, error_file: OPTIONAL_JSONL } },
    annotation: { annotations: jsonToStruct(MSGPACK_ANNOTATION as { [key: string]: JsonValue }) },
  },
};

/** The upload task's interface: a JSONL file in, the uploaded file's id out. */
export type UploadJsonlFileInputs = { jsonl_in: TypeDescriptor<FlyteFile, FlyteFile | string> };
/** The upload task's output: the file id. */
export type UploadJsonlFileOutputs = { result: TypeDescriptor<string> };
/** The download task's input: the batch object (a dict with `output_file_id`, `error_file_id`). */
export type DownloadBatchFilesInputs = {
  batch_endpoint_result: TypeDescriptor<Record<string, unknown>>;
};
/** The download task's output: the batch's files. */
export type DownloadBatchFilesOutputs = { result: typeof BATCH_RESULT_TYPE };

/**
 * Options of {@linkcode openaiUploadJsonlFileTask} and {@linkcode openaiDownloadBatchFilesTask}.
 */
export interface OpenAIFileTaskOptions extends
  Omit<
    TaskOptions<never, never>,
    "taskType" | "executor" | "flytekitExecutor" | "config" | "inputs" | "outputs"
  > {
  /** The Flyte secret holding the OpenAI API key; it is also requested for the pod. */
  secret: SecretRequest;
  /** The OpenAI organization (`OpenAI-Organization` header). */
  organization?: string;
}

function openaiFileTask<
  I extends Record<string, TypeDescriptor>,
  O extends Record<string, TypeDescriptor>,
>(
  options: OpenAIFileTaskOptions,
  kind: { taskType: string; executor: string; flytekitExecutor: string; inputs: I; outputs: O },
): PrebuiltTask<I, O> {
  const { secret, organization, ...rest } = options;
  if (!secret?.group || !secret.key) {
    throw new TypeError(
      `Cannot define task "${options.name}": the API key secret needs a group and a key`,
    );
  }
  const secrets = [...(rest.secrets ?? [])];
  if (!secrets.some((s) => s.group === secret.group && s.key === secret.key)) {
    secrets.unshift(secret);
  }
  return defineTask<I, O>({
    ...rest,
    ...kind,
    secrets,
    // The shape flytekit's OpenAIFileConfig writes through get_custom.
    config: { openai_organization: organization ?? null, secret_arg: secretArgOf(secret) },
  });
}

/**
 * An upload task (flytekit's `UploadJSONLFileTask`, task type `openai-batch-upload-file`,
 * executor `flyteshim.openai.upload_jsonl_file`): streams the JSONL file `jsonl_in` to the OpenAI
 * Files API with `purpose=batch` and returns the new file's id as `result`.
 *
 * @example The first task of a batch
 * ```ts
 * import { openaiUploadJsonlFileTask, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { structToJson } from "@flyteshim/flyteshim/idl";
 * import { assertEquals } from "@std/assert";
 *
 * const upload = openaiUploadJsonlFileTask({
 *   name: "openai-file-upload-gpt",
 *   image: "ghcr.io/acme/flyteshim:0.1.0",
 *   secret: { group: "openai", key: "api_key" },
 * });
 * const template = toTaskTemplate(upload);
 * assertEquals(template.type, "openai-batch-upload-file");
 * assertEquals(structToJson(template.custom).secret_arg, {
 *   group: "openai", key: "api_key", group_version: null, mount_requirement: 0,
 * });
 * ```
 *
 * @example The key from a secret, for an organization
 * ```ts
 * import {
 *   type OpenAIFileTaskOptions,
 *   openaiUploadJsonlFileTask,
 *   toTaskTemplate,
 * } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const options: OpenAIFileTaskOptions = {
 *   name: "batch.upload",
 *   image: "example:1",
 *   secret: { group: "openai", key: "api_key" },
 *   organization: "org-1",
 * };
 * assertEquals(
 *   toTaskTemplate(openaiUploadJsonlFileTask(options)).securityContext?.secrets?.[0].group,
 *   "openai",
 * );
 * ```
 */
export function openaiUploadJsonlFileTask(
  options: OpenAIFileTaskOptions,
): PrebuiltTask<UploadJsonlFileInputs, UploadJsonlFileOutputs> {
  return openaiFileTask(options, {
    taskType: "openai-batch-upload-file",
    executor: OPENAI_UPLOAD_EXECUTOR_ENTRY.id,
    flytekitExecutor: FLYTEKIT_OPENAI_UPLOAD_EXECUTOR_CLASS,
    inputs: { jsonl_in: Types.file("jsonl") },
    outputs: { result: Types.string },
  });
}

/**
 * A download task (flytekit's `DownloadJSONFilesTask`, task type `openai-batch-download-files`,
 * executor `flyteshim.openai.download_batch_files`): given the finished batch object as
 * `batch_endpoint_result`, streams its output and error files into the raw output prefix and
 * returns them as a {@linkcode BatchResult}.
 *
 * @example The last task of a batch
 * ```ts
 * import { openaiDownloadBatchFilesTask, toTaskTemplate } from "@flyteshim/flyteshim/task";
 * import { assertEquals } from "@std/assert";
 *
 * const download = openaiDownloadBatchFilesTask({
 *   name: "openai-download-files-gpt",
 *   image: "ghcr.io/acme/flyteshim:0.1.0",
 *   secret: { group: "openai", key: "api_key" },
 *   organization: "org-1",
 * });
 * const template = toTaskTemplate(download, { flytekitCompatible: true });
 * assertEquals(
 *   template.container?.args?.at(-1),
 *   "flytekitplugins.openai.batch.task.DownloadJSONFilesExecutor",
 * );
 * ```
 */
export function openaiDownloadBatchFilesTask(
  options: OpenAIFileTaskOptions,
): PrebuiltTask<DownloadBatchFilesInputs, DownloadBatchFilesOutputs> {
  return openaiFileTask(options, {
    taskType: "openai-batch-download-files",
    executor: OPENAI_DOWNLOAD_EXECUTOR_ENTRY.id,
    flytekitExecutor: FLYTEKIT_OPENAI_DOWNLOAD_EXECUTOR_CLASS,
    inputs: { batch_endpoint_result: Types.struct() },
    outputs: { result: BATCH_RESULT_TYPE },
  });
}
