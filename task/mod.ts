/**
 * Task authoring: define a prebuilt container task (image, task type, executor, typed
 * interface, config, resources, secrets, retries, cache), serialize it to a `TaskTemplate` or a
 * registration package, and run it locally through the same code path as in the container.
 *
 * @example Define, serialize and package a SQLite3 task
 * ```ts
 * import { sqlite3Task, toTaskTemplate, writePackage } from "@flyteshim/flyteshim/task";
 * import { Types } from "@flyteshim/flyteshim/types";
 * import { assertEquals } from "@std/assert";
 *
 * const tracks = sqlite3Task({
 *   name: "sql.tracks",
 *   image: "ghcr.io/acme/flyteshim:0.1.0",
 *   queryTemplate: "select TrackId, Name from tracks limit {{ .inputs.limit }}",
 *   uri: "https://example.org/chinook.zip",
 *   compressed: true,
 *   inputs: { limit: Types.integer },
 * });
 * assertEquals(toTaskTemplate(tracks).container?.args?.at(-1), "flyteshim.sqlite3");
 * const dir = await Deno.makeTempDir();
 * assertEquals(await writePackage([tracks], `${dir}/flyte-package.tgz`), ["0_sql.tracks_1.pb"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { defineTask } from "./define.ts";
export {
  type CacheSettings,
  type ConfigOf,
  type ExecutorFits,
  type ExecutorRef,
  type Misfits,
  type PrebuiltTask,
  type ResourceSpec,
  type RunArgs,
  type RunOptions,
  type SecretMount,
  type SecretRequest,
  type SerializeOptions,
  type TaskOptions,
  type TaskTypeOf,
  type VariableDescriptors,
} from "./types.ts";
export {
  containerArgs,
  type ContainerArgsOptions,
  RUNTIME_FLAVOR,
  toTaskSpec,
  toTaskTemplate,
  VERSION,
} from "./serialize.ts";
export {
  type DefaultSqlOutputs,
  type IsUnion,
  sqlite3Task,
  type Sqlite3TaskOptions,
  type SqlOutputsFit,
  sqlTask,
  type SqlTaskBaseOptions,
  type SqlTaskOptions,
} from "./sql.ts";
export {
  BATCH_RESULT_TYPE,
  type BatchResult,
  type BatchResultFile,
  type DownloadBatchFilesInputs,
  type DownloadBatchFilesOutputs,
  openaiDownloadBatchFilesTask,
  type OpenAIFileTaskOptions,
  openaiUploadJsonlFileTask,
  type UploadJsonlFileInputs,
  type UploadJsonlFileOutputs,
} from "./openai_batch.ts";
export { commandTask, type CommandTaskOptions } from "./command.ts";
export {
  LOCAL_IMAGE,
  runTask,
  runTemplate,
  type RunTemplateOptions,
  type TemplateRunResult,
} from "./run.ts";
export { type DatasetRows, readDataset, type ReadDatasetOptions } from "./dataset.ts";
export { packageEntryName, type PackageOptions, writePackage } from "./package.ts";
export { toProto3Json } from "./proto_json.ts";
export {
  flyte2ContainerArgs,
  type Flyte2SerializeOptions,
  toFlyte2Json,
  toFlyte2TaskSpec,
} from "./serialize_flyte2.ts";
