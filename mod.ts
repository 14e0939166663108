/**
 * flyteshim: Flyte's prebuilt container tasks in TypeScript, on Deno.
 *
 * Define a task, run it locally exactly as the flyteshim image runs it on Flyte, then package it
 * for `flytectl register files`. Tasks come as SQL queries (`sqlite3Task`, `sqlTask`), any
 * program of any image (`commandTask`), flytekit's OpenAI batch file tasks
 * (`openaiUploadJsonlFileTask`, `openaiDownloadBatchFilesTask`) and tasks on an executor of one's
 * own (`defineExecutor`, `defineTask`).
 *
 * @example Define a SQLite3 task and run it
 * ```ts
 * import { readDataset, sqlite3Task, Types } from "@flyteshim/flyteshim";
 * import { DatabaseSync } from "node:sqlite";
 * import { assertEquals } from "@std/assert";
 *
 * // A database to query: a local path, or an s3:// or https:// URI on the cluster.
 * const dir = await Deno.makeTempDir();
 * const db = new DatabaseSync(`${dir}/shop.db`);
 * db.exec("create table items (name text, price real)");
 * db.exec("insert into items values ('tea', 1.5), ('cake', 3)");
 * db.close();
 *
 * const items = sqlite3Task({
 *   name: "shop.items",
 *   queryTemplate: "select name from items where price > {{ .inputs.min }}",
 *   uri: `${dir}/shop.db`,
 *   inputs: { min: Types.float },
 *   outputs: { results: Types.structuredDataset({ columns: { name: Types.string } }) },
 * });
 * const { results } = await items.run({ min: 2 }, { dir: `${dir}/run` });
 * const { rows } = await readDataset(results); // rows: { name: string | null }[]
 * assertEquals(rows, [{ name: "cake" }]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * The same from the command line, with the task exported from `tasks.ts`:
 * `deno run -A jsr:@flyteshim/flyteshim/cli run tasks.ts items --min 2`, and
 * `... package tasks.ts --image <image>` for a registration package (see
 * `@flyteshim/flyteshim/cli`).
 *
 * @example A task on an executor of one's own
 * ```ts
 * import { defineExecutor, defineTask, Types } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * const inputs = { text: Types.string };
 * const outputs = { out: Types.string };
 * const shout = defineExecutor({
 *   id: "example.shout",
 *   taskTypes: ["shout"],
 *   inputs,
 *   outputs,
 *   parseConfig: (custom: { times: number }) => custom,
 *   execute: (config, given) =>
 *     Promise.resolve({ out: given.text.toUpperCase().repeat(config.times) }),
 * });
 * const task = defineTask({
 *   name: "shout",
 *   taskType: "shout",
 *   executor: shout,
 *   inputs,
 *   outputs,
 *   config: { times: 2 },
 * });
 * assertEquals(await task.run({ text: "hi" }), { out: "HIHI" });
 * ```
 *
 * @example Classify a failure
 * ```ts
 * import { UserError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new UserError("Bad limit").recoverable, false);
 * ```
 *
 * @module
 */

// Authoring a task: definitions, local runs, serialization and packaging.
export {
  type CacheSettings,
  commandTask,
  type CommandTaskOptions,
  containerArgs,
  type ContainerArgsOptions,
  type DatasetRows,
  type DefaultSqlOutputs,
  defineTask,
  type ExecutorRef,
  openaiDownloadBatchFilesTask,
  type OpenAIFileTaskOptions,
  openaiUploadJsonlFileTask,
  type PackageOptions,
  type PrebuiltTask,
  readDataset,
  type ReadDatasetOptions,
  type ResourceSpec,
  type RunArgs,
  type RunOptions,
  runTask,
  runTemplate,
  type RunTemplateOptions,
  type SecretMount,
  type SecretRequest,
  type SerializeOptions,
  sqlite3Task,
  type Sqlite3TaskOptions,
  sqlTask,
  type SqlTaskBaseOptions,
  type SqlTaskOptions,
  type TaskOptions,
  type TemplateRunResult,
  toTaskSpec,
  toTaskTemplate,
  type VariableDescriptors,
  writePackage,
} from "./task/mod.ts";

// The types of a task's inputs and outputs, and their values.
export {
  type BlobInit,
  type ColumnType,
  type ColumnValue,
  type ConvertOptions,
  type DatasetColumn,
  type DatasetRow,
  type DeclaredType,
  Duration,
  FlyteDirectory,
  FlyteFile,
  fromLiteral,
  type FromLocalOptions,
  type InferInput,
  type InferInputs,
  type InferValue,
  type InferValues,
  literalMapToValues,
  type LiteralStorage,
  type LiteralStorageCallOptions,
  type StructTypeOptions,
  StructuredDataset,
  type StructuredDatasetInit,
  type StructuredDatasetTypeOptions,
  Timestamp,
  toLiteral,
  type TypeDescriptor,
  Types,
  type TypesBuilder,
  valuesToLiteralMap,
  type VariableTypes,
} from "./types/mod.ts";

// Executors of one's own.
export {
  createExecutorRegistry,
  defineExecutor,
  type Executor,
  type ExecutorContext,
  type ExecutorRegistry,
  type ExecutorSpec,
  literalOutputs,
} from "./executors/mod.ts";

// The errors a task run reports.
export {
  type ClassifiedErrorOptions,
  type CustomErrorCode,
  customErrorCode,
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeInfo,
  type ErrorCodePrefix,
  type ErrorOrigin,
  ExecutorNotFoundError,
  FlyteshimError,
  type FlyteshimErrorOptions,
  StorageError,
  type StorageErrorOptions,
  type StorageOperation,
  SystemError,
  type SystemErrorCode,
  UserError,
  type UserErrorCode,
} from "./errors.ts";
