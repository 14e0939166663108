import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { UserError } from "../errors.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";
import { parseCommand } from "./args.ts";
import { main } from "./mod.ts";

Deno.test("main() describe lists the built-in executors with their task types and flytekit aliases", async () => {
  const printed: string[] = [];
  const code = await main(["describe", "--json"], {
    registry: createExecutorRegistry(BUILTIN_EXECUTORS),
    env: {},
    print: (text) => printed.push(text),
  });
  assertEquals(code, 0);
  const d = JSON.parse(printed[0]);
  assertEquals(
    d.version,
    JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).version,
  );
  assertEquals(
    d.executors.map((
      e: { id: string; taskTypes: string[]; aliases: string[] },
    ) => [e.id, e.taskTypes, e.aliases]),
    [
      ["flyteshim.sqlite3", ["sqlite"], ["flytekit.extras.sqlite3.task.SQLite3TaskExecutor"]],
      ["flyteshim.sql", ["sqlalchemy"], ["flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor"]],
      [
        "flyteshim.openai.upload_jsonl_file",
        ["openai-batch-upload-file"],
        ["flytekitplugins.openai.batch.task.UploadJSONLFileExecutor"],
      ],
      [
        "flyteshim.openai.download_batch_files",
        ["openai-batch-download-files"],
        ["flytekitplugins.openai.batch.task.DownloadJSONFilesExecutor"],
      ],
      ["flyteshim.command", ["flyteshim-command"], []],
    ],
  );
  assertStringIncludes(d.resolvers.join(" "), "default_task_template_resolver");
});

Deno.test("main() describe prints text by default and refuses other options", async () => {
  const printed: string[] = [];
  await main(["describe"], {
    registry: createExecutorRegistry(BUILTIN_EXECUTORS),
    env: {},
    print: (text) => printed.push(text),
  });
  assertStringIncludes(printed[0], "aliases:    flytekit.extras.sqlite3.task.SQLite3TaskExecutor");
  assertThrows(() => parseCommand(["describe", "--yaml"]), UserError, '"--yaml"');
});

Deno.test("parseCommand() takes an option first as execute (pyflyte-execute under a name the platform hides)", () => {
  const command = parseCommand(["--inputs", "i.pb", "--output-prefix", "out", "--", "t.pb", "x"]);
  assertEquals(command.command, "execute");
  assertEquals(parseCommand(["--help"]).command, "help");
  assertEquals(parseCommand(["--version"]).command, "version");
});
