// The SQLite3 task's `TaskTemplate.custom`, as flytekit's SQLite3Task.get_custom writes it.
import type { UserError } from "../../errors.ts";
import { configError, jsonKind as kind } from "../_config.ts";
import type { JsonValue } from "../../idl/mod.ts";

/**
 * What the SQLite3 executor reads from `custom`
 * (docs/flyte-contract.md#what-flytekits-sql-tasks-write).
 */
export interface Sqlite3Config {
  /** The query template, with `{{ .inputs.name }}` placeholders. */
  queryTemplate: string;
  /** Where the database (or its archive) is: a path, `file://`, `s3://` or `http(s)://` URI. */
  uri: string;
  /** Whether `uri` points to a zip, tar or tar.gz archive holding the database. */
  compressed: boolean;
}

function invalid(detail: string): UserError {
  return configError("the SQLite3 task config", detail);
}

/**
 * Parses `custom` (`query_template`, `uri`, `compressed`); every key is required and typed.
 *
 * @throws {UserError} Code `USER:InvalidConfig`, naming the key and what was found.
 */
export function parseSqlite3Config(custom: { [key: string]: JsonValue }): Sqlite3Config {
  const { query_template: query, uri, compressed } = custom;
  if (typeof query !== "string" || query.trim() === "") {
    throw invalid(`"query_template" must be a non-empty string, found ${kind(query)}`);
  }
  if (typeof uri !== "string" || uri === "") {
    throw invalid(`"uri" must be a non-empty string, found ${kind(uri)}`);
  }
  if (typeof compressed !== "boolean") {
    throw invalid(`"compressed" must be a boolean, found ${kind(compressed)}`);
  }
  return { queryTemplate: query, uri, compressed };
}
