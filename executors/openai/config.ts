// The OpenAI batch file tasks' `TaskTemplate.custom`, as flytekit's UploadJSONLFileTask and
// DownloadJSONFilesTask `get_custom` write it: the organization (or null) and the Flyte secret
// that holds the API key.
import type { UserError } from "../../errors.ts";
import { configError, jsonKind as kind } from "../_config.ts";
import type { JsonValue } from "../../idl/mod.ts";
import type { SecretRef } from "../../secrets/mod.ts";

/** What the OpenAI file executors read from `custom`. */
export interface OpenAIFileConfig {
  /** The `OpenAI-Organization` header, when the task names one. */
  organization?: string;
  /** The Flyte secret holding the API key. */
  secret: SecretRef;
}

function invalid(detail: string): UserError {
  return configError("the OpenAI file task config", detail);
}

function optionalString(
  object: { [key: string]: JsonValue },
  key: string,
  where: string,
): string | undefined {
  const value = object[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") {
    throw invalid(`"${where}${key}" must be a string or null, found ${kind(value)}`);
  }
  return value;
}

/**
 * Parses `custom`: `openai_organization` (a string or null) and `secret_arg` (`group`, and
 * optionally `key`, `group_version`, `mount_requirement`, as flytekit's `_secret_to_dict`).
 *
 * @throws {UserError} Code `USER:InvalidConfig`, naming the key and what was found.
 */
export function parseOpenAIFileConfig(custom: { [key: string]: JsonValue }): OpenAIFileConfig {
  const organization = optionalString(custom, "openai_organization", "");
  const arg = custom.secret_arg;
  if (arg === null || typeof arg !== "object" || Array.isArray(arg)) {
    throw invalid(`"secret_arg" must be an object, found ${kind(arg)}`);
  }
  const group = arg.group;
  if (typeof group !== "string" || group === "") {
    throw invalid(`"secret_arg.group" must be a non-empty string, found ${kind(group)}`);
  }
  const mount = arg.mount_requirement;
  if (mount !== undefined && mount !== null && typeof mount !== "number") {
    throw invalid(`"secret_arg.mount_requirement" must be a number, found ${kind(mount)}`);
  }
  const secret: SecretRef = { group };
  const key = optionalString(arg, "key", "secret_arg.");
  if (key !== undefined) secret.key = key;
  const version = optionalString(arg, "group_version", "secret_arg.");
  if (version !== undefined) secret.groupVersion = version;
  return organization === undefined ? { secret } : { organization, secret };
}
