/**
 * Secret lookup as Flyte mounts secrets into task pods: an environment variable
 * `<prefix><GROUP>_<KEY>` (uppercased, prefix `_FSEC_` by default), then a file
 * `<dir>/<group lowercased>/<key lowercased>` in the configured folders (`/etc/flyte/secrets`,
 * where Flyte's webhook mounts them, then flytekit's own default `/etc/secrets`). Values are
 * trimmed. Configuration is passed explicitly; this module never reads `Deno.env` by itself.
 *
 * @example Look up a secret from an environment map
 * ```ts
 * import { createSecrets } from "@flyteshim/flyteshim/secrets";
 * import { assertEquals } from "@std/assert";
 *
 * const secrets = createSecrets({ env: { _FSEC_DB_PASSWORD: " s3cret\n" } });
 * assertEquals(await secrets.get({ group: "db", key: "password" }), "s3cret");
 * ```
 *
 * @module
 */

import { SystemError, UserError } from "../errors.ts";

/** Where a secret is looked up, as in `flyteidl.core.Secret`. */
export interface SecretRef {
  /** Secret group (Kubernetes secret name). */
  group: string;
  /**
   * Key inside the group. Without one, as flytekit allows, the secret is the group itself:
   * environment variable `_FSEC_<GROUP>`, file `<dir>/<group>`.
   */
  key?: string;
  /** Group version, for the secret managers that use it. */
  groupVersion?: string;
}

/** Secret lookup, as Flyte mounts secrets (environment variables, then files). */
export interface Secrets {
  /**
   * Returns the trimmed value of a secret.
   *
   * @throws {UserError} With code `USER:SecretNotFound`, naming the group and key, never a value.
   */
  get(ref: SecretRef): Promise<string>;
}

/** The environment variable prefix Flyte's webhook uses (`FLYTE_SECRETS_ENV_PREFIX`). */
export const DEFAULT_SECRETS_ENV_PREFIX = "_FSEC_";
/** Where Flyte's webhook mounts secret files (`FLYTE_SECRETS_DEFAULT_DIR`). */
export const DEFAULT_SECRETS_DIR = "/etc/flyte/secrets";
/** flytekit's own default secrets folder, searched after the configured one. */
export const FLYTEKIT_SECRETS_DIR = "/etc/secrets";

/** Options of {@linkcode createSecrets}. */
export interface SecretsOptions {
  /** The environment to look in (for example `Deno.env.toObject()`). @default {{}} */
  env?: Record<string, string | undefined>;
  /** Prefix of secret environment variables. @default {"_FSEC_"} */
  envPrefix?: string;
  /**
   * Folders searched for secret files, in order. @default {["/etc/flyte/secrets", "/etc/secrets"]}
   */
  dirs?: readonly string[];
  /** Prefix of secret file names (`FLYTE_SECRETS_FILE_PREFIX`). @default {""} */
  filePrefix?: string;
  /** Called with every value found, so that loggers can redact it. */
  onValue?: (value: string) => void;
}

/**
 * The settings of {@linkcode createSecrets} from environment variables, as flytekit reads them
 * (`FLYTE_SECRETS_ENV_PREFIX`, `FLYTE_SECRETS_DEFAULT_DIR`, `FLYTE_SECRETS_FILE_PREFIX`).
 *
 * @example Default settings
 * ```ts
 * import { secretsOptionsFromEnv } from "@flyteshim/flyteshim/secrets";
 * import { assertEquals } from "@std/assert";
 *
 * const options = secretsOptionsFromEnv({ FLYTE_SECRETS_DEFAULT_DIR: "/mnt/secrets" });
 * assertEquals(options.dirs, ["/mnt/secrets", "/etc/secrets"]);
 * ```
 */
export function secretsOptionsFromEnv(
  env: Record<string, string | undefined>,
): Required<Pick<SecretsOptions, "envPrefix" | "dirs" | "filePrefix">> {
  const dir = env.FLYTE_SECRETS_DEFAULT_DIR || DEFAULT_SECRETS_DIR;
  return {
    envPrefix: env.FLYTE_SECRETS_ENV_PREFIX ?? DEFAULT_SECRETS_ENV_PREFIX,
    dirs: dir === FLYTEKIT_SECRETS_DIR ? [dir] : [dir, FLYTEKIT_SECRETS_DIR],
    filePrefix: env.FLYTE_SECRETS_FILE_PREFIX ?? "",
  };
}

/**
 * The names a secret is looked up under, in order: environment variable names and file paths.
 *
 * With a group version, the versioned names (flytekit's) come first, then the unversioned ones
 * Flyte's Kubernetes webhook actually creates.
 *
 * @example Where a secret is looked for
 * ```ts
 * import { secretLocations } from "@flyteshim/flyteshim/secrets";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(secretLocations({ group: "db", key: "Pass" }, { dirs: ["/s"] }), {
 *   envVars: ["_FSEC_DB_PASS"],
 *   files: ["/s/db/pass"],
 * });
 * ```
 */
export function secretLocations(
  ref: SecretRef,
  options: Pick<SecretsOptions, "envPrefix" | "dirs" | "filePrefix"> = {},
): { envVars: string[]; files: string[] } {
  if (!ref.group) {
    throw new UserError("Cannot look up a secret without a group (flytekit requires one too)", {
      code: "USER:InvalidConfig",
    });
  }
  const prefix = options.envPrefix ?? DEFAULT_SECRETS_ENV_PREFIX;
  const dirs = options.dirs ?? [DEFAULT_SECRETS_DIR, FLYTEKIT_SECRETS_DIR];
  const filePrefix = options.filePrefix ?? "";
  const versions = ref.groupVersion ? [ref.groupVersion, ""] : [""];
  const envVars: string[] = [];
  const files: string[] = [];
  // flytekit's names: group, version and key that are set, joined (the key is optional).
  const parts = (version: string) => [ref.group, version, ref.key ?? ""].filter((p) => p !== "");
  for (const version of versions) {
    envVars.push(`${prefix}${parts(version).map((p) => p.toUpperCase()).join("_")}`);
  }
  for (const dir of dirs) {
    for (const version of versions) {
      const names = parts(version).map((p) => p.toLowerCase());
      names[names.length - 1] = `${filePrefix}${names[names.length - 1]}`;
      files.push(`${dir.replace(/\/+$/, "")}/${names.join("/")}`);
    }
  }
  return { envVars, files };
}

function describeSecret(ref: SecretRef): string {
  return ref.key ? `secret "${ref.key}" of group "${ref.group}"` : `secret group "${ref.group}"`;
}

/**
 * Creates a secret lookup over an environment map and secret folders.
 *
 * A missing secret is a `UserError` with code `USER:SecretNotFound` that names the group and
 * key (never a value); an unreadable secret file is `USER:AccessDenied`.
 *
 * @example A missing secret
 * ```ts
 * import { createSecrets } from "@flyteshim/flyteshim/secrets";
 * import { assertRejects } from "@std/assert";
 *
 * const secrets = createSecrets({ env: {}, dirs: [] });
 * await assertRejects(
 *   () => secrets.get({ group: "db", key: "password" }),
 *   Error,
 *   'Cannot find secret "password" of group "db"',
 * );
 * ```
 *
 * @example A custom prefix, and a hook for redaction
 * ```ts
 * import { createSecrets, type SecretsOptions } from "@flyteshim/flyteshim/secrets";
 * import { assertEquals } from "@std/assert";
 *
 * const seen: string[] = [];
 * const options: SecretsOptions = {
 *   env: { _S_DB_PASSWORD: "pw" },
 *   envPrefix: "_S_",
 *   dirs: [],
 *   onValue: (v) => seen.push(v),
 * };
 * assertEquals(await createSecrets(options).get({ group: "db", key: "password" }), "pw");
 * assertEquals(seen, ["pw"]);
 * ```
 *
 * @example A secret without a key is its group
 * ```ts
 * import { createSecrets } from "@flyteshim/flyteshim/secrets";
 * import { assertEquals } from "@std/assert";
 *
 * const ref = { group: "token" };
 * const secrets = createSecrets({ env: { _FSEC_TOKEN: "t0k3n" } });
 * assertEquals(await secrets.get(ref), "t0k3n");
 * ```
 */
export function createSecrets(options: SecretsOptions = {}): Secrets {
  const env = options.env ?? {};
  return {
    async get(ref: SecretRef): Promise<string> {
      const { envVars, files } = secretLocations(ref, options);
      for (const name of envVars) {
        const value = env[name];
        if (value !== undefined) return found(value.trim());
      }
      for (const path of files) {
        let text: string;
        try {
          text = await Deno.readTextFile(path);
        } catch (cause) {
          if (cause instanceof Deno.errors.NotFound) continue;
          if (
            cause instanceof Deno.errors.PermissionDenied || cause instanceof Deno.errors.NotCapable
          ) {
            throw new UserError(
              `Cannot read ${describeSecret(ref)} from "${path}": permission denied`,
              { code: "USER:AccessDenied", cause },
            );
          }
          throw new SystemError(
            `Cannot read ${describeSecret(ref)} from "${path}": ${
              cause instanceof Error ? cause.message : String(cause)
            }`,
            { code: "SYSTEM:SecretUnreadable", cause },
          );
        }
        return found(text.trim());
      }
      throw new UserError(
        `Cannot find ${describeSecret(ref)}: looked in environment variable ${
          envVars.map((n) => `"${n}"`).join(", ")
        } and files ${files.map((f) => `"${f}"`).join(", ") || "(no folders configured)"}`,
        { code: "USER:SecretNotFound" },
      );
    },
  };

  function found(value: string): string {
    if (value) options.onValue?.(value);
    return value;
  }
}
