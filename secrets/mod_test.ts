import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { UserError } from "../errors.ts";
import { createSecrets, secretLocations, secretsOptionsFromEnv } from "./mod.ts";

Deno.test("createSecrets() environment variable wins over files and is trimmed", async () => {
  const dir = await tempDir();
  await Deno.mkdir(`${dir}/db`);
  await Deno.writeTextFile(`${dir}/db/password`, "from-file");
  const secrets = createSecrets({ env: { _FSEC_DB_PASSWORD: "  from-env \n" }, dirs: [dir] });
  assertEquals(await secrets.get({ group: "db", key: "password" }), "from-env");
});

Deno.test("createSecrets() custom env prefix", async () => {
  const secrets = createSecrets({ env: { MY_DB_PASSWORD: "x" }, envPrefix: "MY_", dirs: [] });
  assertEquals(await secrets.get({ group: "db", key: "password" }), "x");
});

Deno.test("createSecrets() file lookup lowercases group and key, first folder wins", async () => {
  const first = await tempDir();
  const second = await tempDir();
  await Deno.mkdir(`${second}/mygroup`);
  await Deno.writeTextFile(`${second}/mygroup/mykey`, "second\n");
  const secrets = createSecrets({ env: {}, dirs: [first, second] });
  assertEquals(await secrets.get({ group: "MyGroup", key: "MyKey" }), "second");
  await Deno.mkdir(`${first}/mygroup`);
  await Deno.writeTextFile(`${first}/mygroup/mykey`, "first");
  assertEquals(await secrets.get({ group: "MyGroup", key: "MyKey" }), "first");
});

Deno.test("createSecrets() file prefix and group version", async () => {
  const dir = await tempDir();
  await Deno.mkdir(`${dir}/g/v1`, { recursive: true });
  await Deno.writeTextFile(`${dir}/g/v1/pre_k`, "versioned");
  const secrets = createSecrets({ env: {}, dirs: [dir], filePrefix: "pre_" });
  assertEquals(await secrets.get({ group: "g", key: "k", groupVersion: "v1" }), "versioned");
  // Flyte's Kubernetes webhook ignores the version: the unversioned name is found too.
  const env = createSecrets({ env: { _FSEC_G_K: "plain" }, dirs: [] });
  assertEquals(await env.get({ group: "g", key: "k", groupVersion: "v1" }), "plain");
});

Deno.test("createSecrets() missing secret names group and key, never a value", async () => {
  const secrets = createSecrets({ env: { _FSEC_OTHER_KEY: "hunter2" }, dirs: ["/nonexistent"] });
  const err = await assertRejects(() => secrets.get({ group: "db", key: "password" }), UserError);
  assertEquals([err.code, err.origin, err.recoverable], ["USER:SecretNotFound", "user", false]);
  assertStringIncludes(err.message, '"password"');
  assertStringIncludes(err.message, '"db"');
  assertStringIncludes(err.message, "_FSEC_DB_PASSWORD");
  assertStringIncludes(err.message, "/nonexistent/db/password");
  assertEquals(err.message.includes("hunter2"), false);
});

Deno.test("createSecrets() onValue sees found values for redaction", async () => {
  const seen: string[] = [];
  const secrets = createSecrets({ env: { _FSEC_A_B: "v" }, onValue: (v) => seen.push(v) });
  await secrets.get({ group: "a", key: "b" });
  assertEquals(seen, ["v"]);
});

Deno.test("secretLocations() a secret without a group is USER:InvalidConfig", () => {
  const error = assertThrows(() => secretLocations({ group: "", key: "k" }), UserError, "group");
  assertEquals(error.code, "USER:InvalidConfig");
});

Deno.test("secretLocations() without a key, the group is the secret (flytekit's names)", async () => {
  assertEquals(secretLocations({ group: "db-pass" }, { dirs: ["/s"], filePrefix: "p-" }), {
    envVars: ["_FSEC_DB-PASS"],
    files: ["/s/p-db-pass"],
  });
  assertEquals(secretLocations({ group: "g", groupVersion: "v1" }, { dirs: ["/s"] }), {
    envVars: ["_FSEC_G_V1", "_FSEC_G"],
    files: ["/s/g/v1", "/s/g"],
  });
  const secrets = createSecrets({ env: { _FSEC_TOKEN: " t0k " }, dirs: [] });
  assertEquals(await secrets.get({ group: "token" }), "t0k");
  await assertRejects(
    () => createSecrets({ env: {}, dirs: [] }).get({ group: "nope" }),
    UserError,
    'Cannot find secret group "nope"',
  );
});

Deno.test("secretsOptionsFromEnv() options from environment", () => {
  assertEquals(secretsOptionsFromEnv({}), {
    envPrefix: "_FSEC_",
    dirs: ["/etc/flyte/secrets", "/etc/secrets"],
    filePrefix: "",
  });
  assertEquals(
    secretsOptionsFromEnv({
      FLYTE_SECRETS_ENV_PREFIX: "P_",
      FLYTE_SECRETS_DEFAULT_DIR: "/etc/secrets",
      FLYTE_SECRETS_FILE_PREFIX: "f",
    }),
    { envPrefix: "P_", dirs: ["/etc/secrets"], filePrefix: "f" },
  );
});
