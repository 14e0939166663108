import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../../errors.ts";
import { parseOpenAIFileConfig } from "./config.ts";

const SECRET_ARG = { group: "openai", key: "api_key", group_version: null, mount_requirement: 0 };

Deno.test("parseOpenAIFileConfig() custom as flytekit's get_custom writes it", () => {
  assertEquals(
    parseOpenAIFileConfig({ openai_organization: "org-1", secret_arg: SECRET_ARG }),
    { organization: "org-1", secret: { group: "openai", key: "api_key" } },
  );
});

Deno.test("parseOpenAIFileConfig() a null organization and a key-less, versioned secret", () => {
  assertEquals(
    parseOpenAIFileConfig({
      openai_organization: null,
      secret_arg: { group: "openai", key: null, group_version: "v2", mount_requirement: 1 },
    }),
    { secret: { group: "openai", groupVersion: "v2" } },
  );
});

for (
  const [custom, detail] of [
    [{ openai_organization: null }, '"secret_arg" must be an object, found missing'],
    [{ secret_arg: { key: "k" } }, '"secret_arg.group" must be a non-empty string, found missing'],
    [{ secret_arg: { ...SECRET_ARG, key: 3 } }, '"secret_arg.key" must be a string or null'],
    [{ secret_arg: SECRET_ARG, openai_organization: true }, '"openai_organization" must be a'],
    [{ secret_arg: { ...SECRET_ARG, mount_requirement: "any" } }, "mount_requirement"],
  ] as const
) {
  Deno.test(`parseOpenAIFileConfig() an invalid config is USER:InvalidConfig: ${detail}`, () => {
    // deno-lint-ignore no-explicit-any
    const error = assertThrows(() => parseOpenAIFileConfig(custom as any), UserError);
    assertEquals(error.code, "USER:InvalidConfig");
    assertEquals(error.message.includes(detail), true, error.message);
  });
}
