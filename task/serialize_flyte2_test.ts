// Flyte 2 serialization, checked against protobuf's own implementations built from
// @flyteorg/flyteidl2's descriptors (protoc's text format, python3-protobuf's json_format).
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { crossCheck, PROTOC, PYTHON_PROTOBUF } from "../_testing/tools.ts";
import { protocDecode, pythonJson } from "../_testing/flyte2_descriptors.ts";
import { decodeFlyte2TaskSpec, encodeFlyte2TaskSpec } from "../idl/flyte2.ts";
import { decodeInlineTemplate } from "../resolver/flyte2.ts";
import { Types } from "../types/descriptors.ts";
import { Duration } from "../types/values.ts";
import { sqlite3Task, sqlTask } from "./sql.ts";
import { defineTask } from "./define.ts";
import { toFlyte2Json, toFlyte2TaskSpec } from "./serialize_flyte2.ts";

function rich() {
  return sqlTask({
    name: "sql.users_by_day",
    image: "ghcr.io/acme/flyteshim:0.1.0",
    queryTemplate: "select * from users where day = {{ .inputs.day }} limit {{ .inputs.limit }}",
    uri: "postgresql://app@db:5432/app",
    inputs: { day: Types.datetime, limit: Types.integer, tags: Types.list(Types.string) },
    outputs: {
      results: Types.structuredDataset({ columns: { id: Types.integer, name: Types.string } }),
    },
    secretConnectArgs: { password: { group: "db", key: "password", mount: "env_var" } },
    secrets: [{ group: "g", key: "k", mount: "file" }],
    requests: { cpu: "500m", memory: "1Gi" },
    limits: { cpu: 2, ephemeralStorage: "10Gi" },
    environment: { A: "1" },
    retries: 4,
    timeout: new Duration(61n, 250_000_000),
    cache: { version: "3", serialize: true, ignoreInputs: ["limit"] },
    description: "Users by day",
  });
}

Deno.test(
  crossCheck(
    "a Flyte 2 TaskSpec's proto3 JSON is protobuf's json_format",
    ...PROTOC,
    PYTHON_PROTOBUF,
  ),
  async () => {
    const spec = await toFlyte2TaskSpec(rich(), { version: "v7", environment: "sql" });
    const bytes = encodeFlyte2TaskSpec(spec);
    const ours = JSON.parse(JSON.stringify(toFlyte2Json(decodeFlyte2TaskSpec(bytes))));
    assertEquals(ours, await pythonJson("flyteidl2.task.TaskSpec", bytes) as typeof ours);
    // What Flyte 2's SDKs write, field by field.
    const template = ours.taskTemplate;
    assertEquals(template.type, "sqlalchemy");
    assertEquals(template.container.image, "ghcr.io/acme/flyteshim:0.1.0");
    assertEquals(template.container.command, undefined);
    assertEquals(template.container.args.slice(0, 7), [
      "a0",
      "--inputs",
      "{{.input}}",
      "--outputs-path",
      "{{.outputPrefix}}",
      "--version",
      "v7",
    ]);
    assertEquals(template.container.resources, {
      requests: [{ name: "CPU", value: "500m" }, { name: "MEMORY", value: "1Gi" }],
      limits: [{ name: "CPU", value: "2" }, { name: "EPHEMERAL_STORAGE", value: "10Gi" }],
    });
    assertEquals(template.container.env, [{ key: "A", value: "1" }]);
    assertEquals(template.securityContext.secrets, [
      { group: "g", key: "k", mountRequirement: "FILE" },
      { group: "db", key: "password", mountRequirement: "ENV_VAR" },
    ]);
    assertEquals(template.interface.inputs.variables.map((v: { key: string }) => v.key), [
      "day",
      "limit",
      "tags",
    ]);
    assertEquals(template.metadata.retries, { retries: 4 });
    assertEquals(template.metadata.runtime, {
      type: "FLYTE_SDK",
      version: template.metadata.runtime.version,
      flavor: "flyteshim",
    });
    assertEquals([ours.shortName, ours.environment, ours.documentation], [
      "sql.users_by_day",
      { name: "sql" },
      { shortDescription: "Users by day" },
    ]);
  },
);

Deno.test(
  crossCheck("protoc reads the binary TaskSpec", ...PROTOC),
  async () => {
    const spec = await toFlyte2TaskSpec(sqlite3Task({
      name: "tracks",
      image: "x:1",
      queryTemplate: "select 1",
      uri: "db.sqlite",
    }));
    const text = await protocDecode("flyteidl2.task.TaskSpec", encodeFlyte2TaskSpec(spec));
    assertStringIncludes(text, 'type: "sqlite"');
    assertStringIncludes(text, 'args: "a0"');
    assertStringIncludes(text, 'args: "--resolver"');
    assertStringIncludes(text, 'short_name: "tracks"');
  },
);

Deno.test("toFlyte2TaskSpec() the args carry the template's executor part, and nothing of the container", async () => {
  const spec = await toFlyte2TaskSpec(rich());
  const args = spec.taskTemplate?.container?.args ?? [];
  assertEquals(args.slice(-6, -1), [
    "--resolver",
    "flyteshim.resolver",
    "executor",
    "flyteshim.sql",
    "template",
  ]);
  const inline = await decodeInlineTemplate(args.at(-1)!);
  assertEquals(inline.type, "sqlalchemy");
  assertEquals(
    inline.custom?.fields?.query_template.stringValue,
    rich().options.config?.query_template,
  );
  assertEquals(Object.keys(inline.interface?.inputs?.variables ?? {}), ["day", "limit", "tags"]);
  assertEquals(inline.securityContext?.secrets?.length, 2);
  assertEquals([inline.container, inline.metadata], [null, null]);
  // Every placeholder is one the backend renders or one the runtime treats as absent.
  for (const arg of args.filter((a) => a.startsWith("{{"))) {
    assertEquals(
      [
        "{{.input}}",
        "{{.outputPrefix}}",
        "{{.rawOutputDataPrefix}}",
        "{{.checkpointOutputPrefix}}",
        "{{.prevCheckpointPrefix}}",
        "{{.runName}}",
        "{{.actionName}}",
        "{{.runStartTime}}",
      ].includes(arg),
      true,
      arg,
    );
  }
});

Deno.test("toFlyte2TaskSpec() task types the backend runs otherwise, and oversized tasks, are refused", async () => {
  for (const taskType of ["python", "raw-container"]) {
    const task = defineTask({ name: "t", taskType, executor: "example.noop", image: "x:1" });
    await assertRejects(() => toFlyte2TaskSpec(task), TypeError, `task type "${taskType}"`);
  }
  const noise = Array.from({ length: 200_000 }, () => Math.random().toString(36)[2]).join("");
  const big = sqlite3Task({ name: "big", image: "x:1", queryTemplate: noise, uri: "db.sqlite" });
  await assertRejects(() => toFlyte2TaskSpec(big), RangeError, "one container argument");
});
