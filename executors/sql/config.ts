/**
 * The SQL executor's configuration, read from `TaskTemplate.custom` as flytekit's
 * `SQLAlchemyTask.get_custom` writes it.
 *
 * @module
 */

import type { UserError } from "../../errors.ts";
import { configError } from "../_config.ts";
import type { JsonValue } from "../../idl/mod.ts";
import type { SecretRef } from "../../secrets/mod.ts";
import { parseSqlUrl, type SqlUrl } from "./url.ts";

/** What the executor needs from `custom`. */
export interface SqlConfig {
  /** The query template (`custom.query_template`). */
  queryTemplate: string;
  /** The SQLAlchemy URL as written (`custom.uri`); holds a password at most in its user info. */
  uri: string;
  /** The parsed URL. */
  url: SqlUrl;
  /** `custom.connect_args` (numbers arrive as doubles). */
  connectArgs: Record<string, JsonValue>;
  /** `custom.secret_connect_args`: connection option name to the secret that holds its value. */
  secretConnectArgs: Record<string, SecretRef>;
}

function invalid(detail: string): UserError {
  return configError("the SQL task configuration", detail);
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses `custom`: `query_template` and `uri` are required strings; `connect_args` an object or
 * null; `secret_connect_args` null or
 * `{ arg: { group, key, group_version?, mount_requirement? } }`.
 *
 * @throws {UserError} With code `USER:InvalidConfig` naming the key at fault.
 * @example A PostgreSQL config
 * ```ts
 * import { parseSqlConfig } from "./config.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const config = parseSqlConfig({
 *   query_template: "select 1",
 *   uri: "postgresql://app@db/app",
 *   connect_args: {},
 *   secret_connect_args: { password: { group: "db", key: "password", mount_requirement: 1 } },
 * });
 * assertEquals(config.secretConnectArgs.password, { group: "db", key: "password" });
 * ```
 */
export function parseSqlConfig(custom: { [key: string]: JsonValue }): SqlConfig {
  const queryTemplate = custom.query_template;
  if (typeof queryTemplate !== "string" || queryTemplate.trim() === "") {
    throw invalid(`"query_template" must be a non-empty string`);
  }
  const uri = custom.uri;
  if (typeof uri !== "string" || uri === "") throw invalid(`"uri" must be a non-empty string`);
  const connectArgs = custom.connect_args ?? {};
  if (!isObject(connectArgs)) throw invalid(`"connect_args" must be an object`);
  const secretConnectArgs: Record<string, SecretRef> = {};
  const secrets = custom.secret_connect_args ?? {};
  if (!isObject(secrets)) throw invalid(`"secret_connect_args" must be an object or null`);
  for (const [arg, spec] of Object.entries(secrets)) {
    // flytekit's Secret: the group is required, the key optional (the secret is then the group).
    if (!isObject(spec) || typeof spec.group !== "string" || spec.group === "") {
      throw invalid(`"secret_connect_args.${arg}" must be an object with a non-empty "group"`);
    }
    if (spec.key !== undefined && spec.key !== null && typeof spec.key !== "string") {
      throw invalid(`"secret_connect_args.${arg}.key" must be a string or null`);
    }
    // flytekit's executor passes group and key only; group_version is not used
    // (docs/flyte-contract.md#secrets).
    secretConnectArgs[arg] = spec.key
      ? { group: spec.group, key: spec.key }
      : { group: spec.group };
  }
  return { queryTemplate, uri, url: parseSqlUrl(uri), connectArgs, secretConnectArgs };
}
