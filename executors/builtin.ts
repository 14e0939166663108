/**
 * The executors flyteshim ships, as lazy entries: a run imports only the executor its template
 * names. Each answers to its flyteshim id and to flytekit's Python executor path, so that
 * templates serialized by flytekit find it.
 *
 * @example A registry of the built-in executors
 * ```ts
 * import { BUILTIN_EXECUTORS } from "@flyteshim/flyteshim/executors/builtin";
 * import { createExecutorRegistry } from "@flyteshim/flyteshim/executors";
 * import { assert } from "@std/assert";
 *
 * const registry = createExecutorRegistry(BUILTIN_EXECUTORS);
 * assert(registry.has("flytekit.extras.sqlite3.task.SQLite3TaskExecutor"));
 * ```
 *
 * @module
 */

import { type ExecutorEntry, lazyExecutor } from "./mod.ts";

/**
 * The Python class path of flytekit's executor for `SQLite3Task`, an alias of
 * {@linkcode SQLITE3_EXECUTOR_ENTRY}.
 */
export const FLYTEKIT_SQLITE3_EXECUTOR_CLASS = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor";

/**
 * The Python class path of flytekit's executor for `SQLAlchemyTask`, an alias of
 * {@linkcode SQL_EXECUTOR_ENTRY}.
 */
export const FLYTEKIT_SQLALCHEMY_EXECUTOR_CLASS =
  "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor";

/**
 * The Python class path of flytekit's executor for the OpenAI plugin's `UploadJSONLFileTask`, an
 * alias of {@linkcode OPENAI_UPLOAD_EXECUTOR_ENTRY}.
 */
export const FLYTEKIT_OPENAI_UPLOAD_EXECUTOR_CLASS =
  "flytekitplugins.openai.batch.task.UploadJSONLFileExecutor";

/**
 * The Python class path of flytekit's executor for the OpenAI plugin's `DownloadJSONFilesTask`,
 * an alias of {@linkcode OPENAI_DOWNLOAD_EXECUTOR_ENTRY}.
 */
export const FLYTEKIT_OPENAI_DOWNLOAD_EXECUTOR_CLASS =
  "flytekitplugins.openai.batch.task.DownloadJSONFilesExecutor";

/**
 * The registry entry of flyteshim's SQLite3 executor (flytekit's `SQLite3Task`, task type
 * `sqlite`), which loads the executor on first use.
 */
export const SQLITE3_EXECUTOR_ENTRY: ExecutorEntry = lazyExecutor(
  {
    id: "flyteshim.sqlite3",
    taskTypes: ["sqlite"],
    aliases: [FLYTEKIT_SQLITE3_EXECUTOR_CLASS],
    description: "Runs a SQL query on a SQLite database file and returns a structured dataset",
  },
  () => import("./sqlite3/mod.ts").then((m) => m.sqlite3Executor),
);

/**
 * The registry entry of flyteshim's SQL executor (flytekit's `SQLAlchemyTask`, task type
 * `sqlalchemy`), which loads the executor on first use.
 */
export const SQL_EXECUTOR_ENTRY: ExecutorEntry = lazyExecutor(
  {
    id: "flyteshim.sql",
    taskTypes: ["sqlalchemy"],
    aliases: [FLYTEKIT_SQLALCHEMY_EXECUTOR_CLASS],
    description: "Runs a SQL query on a database server and returns a structured dataset",
  },
  () => import("./sql/mod.ts").then((m) => m.sqlExecutor),
);

/**
 * The registry entry of flyteshim's OpenAI batch upload executor (flytekit's `UploadJSONLFileTask`,
 * task type `openai-batch-upload-file`), which loads the executor on first use.
 */
export const OPENAI_UPLOAD_EXECUTOR_ENTRY: ExecutorEntry = lazyExecutor(
  {
    id: "flyteshim.openai.upload_jsonl_file",
    taskTypes: ["openai-batch-upload-file"],
    aliases: [FLYTEKIT_OPENAI_UPLOAD_EXECUTOR_CLASS],
    description: "Uploads a JSONL file to the OpenAI Files API for a batch and returns its id",
  },
  () => import("./openai/mod.ts").then((m) => m.uploadJsonlFileExecutor),
);

/**
 * The registry entry of flyteshim's OpenAI batch download executor (flytekit's
 * `DownloadJSONFilesTask`, task type `openai-batch-download-files`), which loads the executor on
 * first use.
 */
export const OPENAI_DOWNLOAD_EXECUTOR_ENTRY: ExecutorEntry = lazyExecutor(
  {
    id: "flyteshim.openai.download_batch_files",
    taskTypes: ["openai-batch-download-files"],
    aliases: [FLYTEKIT_OPENAI_DOWNLOAD_EXECUTOR_CLASS],
    description: "Downloads an OpenAI batch's output and error files into the raw output prefix",
  },
  () => import("./openai/mod.ts").then((m) => m.downloadBatchFilesExecutor),
);

/**
 * The registry entry of flyteshim's command executor (task type `flyteshim-command`), which loads
 * the executor on first use: it runs a program of the image with inputs and outputs as files, and
 * needs `--allow-run`, which only the `flyteshim-command` build has.
 */
export const COMMAND_EXECUTOR_ENTRY: ExecutorEntry = lazyExecutor(
  {
    id: "flyteshim.command",
    taskTypes: ["flyteshim-command"],
    description: "Runs a program of the image, inputs and outputs as files (copilot's layout)",
  },
  () => import("./command/mod.ts").then((m) => m.commandExecutor),
);

/**
 * Every built-in executor, in registration order.
 */
export const BUILTIN_EXECUTORS: readonly ExecutorEntry[] = [
  SQLITE3_EXECUTOR_ENTRY,
  SQL_EXECUTOR_ENTRY,
  OPENAI_UPLOAD_EXECUTOR_ENTRY,
  OPENAI_DOWNLOAD_EXECUTOR_ENTRY,
  COMMAND_EXECUTOR_ENTRY,
];
