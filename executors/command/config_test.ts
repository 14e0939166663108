import { assertEquals, assertThrows } from "@std/assert";
import { UserError } from "../../errors.ts";
import { DEFAULT_GRACE_MS, parseCommandConfig } from "./config.ts";

Deno.test("parseCommandConfig() reads every key and defaults the rest", () => {
  assertEquals(parseCommandConfig({ command: ["true"] }), {
    command: ["true"],
    shell: false,
    workingDir: undefined,
    env: {},
    inputDir: undefined,
    outputDir: undefined,
    inputsFormat: undefined,
    stdout: undefined,
    graceMs: DEFAULT_GRACE_MS,
  });
  const full = parseCommandConfig({
    command: ["echo hi"],
    shell: true,
    working_dir: "/work",
    env: { A: "1" },
    input_dir: "/var/inputs",
    output_dir: "/var/outputs",
    inputs_format: "YAML",
    stdout: "out",
    grace_period_seconds: 10,
  });
  assertEquals([full.shell, full.inputsFormat, full.graceMs, full.env], [true, "yaml", 10_000, {
    A: "1",
  }]);
});

Deno.test("parseCommandConfig() names the key that is wrong", () => {
  const cases: [Record<string, never>, string][] = [
    [{} as never, '"command" must be a non-empty list of strings, found missing'],
    [{ command: [] } as never, '"command" must be a non-empty list'],
    [{ command: ["a", 1] } as never, '"command[1]" must be a string, found a number'],
    [{ command: ["a"], shell: "yes" } as never, '"shell" must be a boolean'],
    [{ command: ["a"], env: { A: 1 } } as never, '"env.A" must be a string'],
    [
      { command: ["a"], inputs_format: "xml" } as never,
      '"inputs_format" must be "json", "yaml" or "proto"',
    ],
    [
      { command: ["a"], grace_period_seconds: -1 } as never,
      '"grace_period_seconds" must be a number',
    ],
  ];
  for (const [custom, message] of cases) {
    const error = assertThrows(() => parseCommandConfig(custom), UserError, message);
    assertEquals(error.code, "USER:InvalidConfig");
  }
});
