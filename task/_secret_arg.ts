// A secret request as flytekit's prebuilt tasks write it into `custom` (SQLAlchemyTask's
// `secret_connect_args`, the OpenAI file tasks' `secret_arg`): Secret's fields by their Python
// names, the mount requirement as its enum number.
import type { JsonValue } from "../idl/mod.ts";
import type { SecretRequest } from "./types.ts";

const MOUNT_NUMBER = { any: 0, env_var: 1, file: 2 } as const;

/** `{group, key, group_version, mount_requirement}`, with `null` for what is not set. */
export function secretArgOf(secret: SecretRequest): { [key: string]: JsonValue } {
  return {
    group: secret.group,
    key: secret.key ?? null,
    group_version: secret.groupVersion ?? null,
    mount_requirement: MOUNT_NUMBER[secret.mount ?? "any"],
  };
}
