/**
 * flyteshim: Flyte's prebuilt container tasks in TypeScript, on Deno.
 *
 * This is the SDK surface: the errors that reach `error.pb`, the literal type descriptors and
 * values, task authoring (`defineTask`, `sqlite3Task`, `sqlTask`), serialization to
 * `TaskTemplate` and registration packages, and local runs (`task.run(inputs)`).
 *
 * @example Classify a failure
 * ```ts
 * import { UserError } from "@flyteshim/flyteshim";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new UserError("Bad limit").recoverable, false);
 * ```
 *
 * @example Author a SQLite3 task and serialize it
 * ```ts
 * import { sqlite3Task, toTaskTemplate, Types } from "@flyteshim/flyteshim";
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
 * assertEquals(toTaskTemplate(tracks).type, "sqlite");
 * ```
 *
 * @module
 */

export {
  type ErrorOrigin,
  ExecutorNotFoundError,
  FlyteshimError,
  type FlyteshimErrorOptions,
  StorageError,
  type StorageErrorOptions,
  type StorageOperation,
  SystemError,
  UserError,
} from "./errors.ts";

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
  type Literal,
  type LiteralMap,
  literalMapToValues,
  type LiteralStorage,
  type LiteralStorageCallOptions,
  type LiteralType,
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
  type Variable,
  type VariableTypes,
} from "./types/mod.ts";

export {
  type CacheSettings,
  containerArgs,
  type ContainerArgsOptions,
  type DatasetRows,
  type DefaultSqlOutputs,
  defineTask,
  type ExecutorRef,
  type PackageOptions,
  type PrebuiltTask,
  readDataset,
  type ReadDatasetOptions,
  type ResourceSpec,
  type RunOptions,
  type SecretMount,
  type SecretRequest,
  type SerializeOptions,
  sqlite3Task,
  type Sqlite3TaskOptions,
  sqlTask,
  type SqlTaskBaseOptions,
  type SqlTaskOptions,
  type TaskOptions,
  toTaskSpec,
  toTaskTemplate,
  type VariableDescriptors,
  writePackage,
} from "./task/mod.ts";
