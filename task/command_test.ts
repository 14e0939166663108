import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertThrows } from "@std/assert";
import { structToJson } from "../idl/mod.ts";
import { commandTask } from "./command.ts";
import { writePackage } from "./package.ts";
import { toTaskTemplate } from "./serialize.ts";
import { Types } from "../types/mod.ts";

Deno.test("commandTask() writes the executor's custom and runs locally in a work folder", async () => {
  const task = commandTask({
    name: "greet",
    image: "debian:12-slim",
    command: [
      "sh",
      "-c",
      'printf "%s %s" "$GREETING" "$1" > "$FLYTESHIM_OUTPUT_DIR/text"',
      "sh",
      "{{.inputs.who}}",
    ],
    commandEnv: { GREETING: "hello" },
    inputs: { who: Types.string },
    outputs: { text: Types.string },
    inputsFormat: "json",
  });
  const template = toTaskTemplate(task);
  assertEquals(template.type, "flyteshim-command");
  assertEquals(template.container?.args?.at(-1), "flyteshim.command");
  assertEquals(structToJson(template.custom), {
    command: [
      "sh",
      "-c",
      'printf "%s %s" "$GREETING" "$1" > "$FLYTESHIM_OUTPUT_DIR/text"',
      "sh",
      "{{.inputs.who}}",
    ],
    shell: false,
    env: { GREETING: "hello" },
    inputs_format: "json",
  });
  assertEquals(await task.run({ who: "a b" }), { text: "hello a b" });
  // The package registers it like any task.
  const path = `${await tempDir()}/flyte-package.tgz`;
  assertEquals(await writePackage([task], path), ["0_greet_1.pb"]);
  await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
});

Deno.test("commandTask() refuses an empty command, unknown placeholders and an unknown stdout", () => {
  assertThrows(() => commandTask({ name: "x", command: [] }), TypeError, "the command is empty");
  assertThrows(
    () => commandTask({ name: "x", command: ["echo", "{{.inputs.nope}}"] }),
    TypeError,
    '"{{.inputs.nope}}" names no input',
  );
  assertThrows(
    () => commandTask({ name: "x", command: ["echo"], stdout: "out" as never }),
    TypeError,
    'stdout names no output "out"',
  );
});
