import { assertEquals, assertThrows } from "@std/assert";
import {
  decodeTaskTemplate,
  encodeTaskTemplate,
  structToJson,
  type TaskTemplate,
} from "../idl/mod.ts";
import { toLiteral } from "../types/convert.ts";
import { FlyteFile } from "../types/values.ts";
import {
  BATCH_RESULT_TYPE,
  openaiDownloadBatchFilesTask,
  type OpenAIFileTaskOptions,
  openaiUploadJsonlFileTask,
} from "./openai_batch.ts";
import { toTaskTemplate } from "./serialize.ts";

const FIXTURES = new URL("../testdata/idl/flytekit-openai/", import.meta.url);

const OPTIONS: OpenAIFileTaskOptions = {
  name: "openai-file-upload-gpt",
  image: "ghcr.io/acme/flyteshim:0.1.0",
  secret: { group: "openai", key: "api_key" },
  organization: "org-test",
};

async function fixture(name: string): Promise<TaskTemplate> {
  return decodeTaskTemplate(await Deno.readFile(new URL(`${name}_template.pb`, FIXTURES)));
}

/** What the issue asks to equal flytekit's: task type, interface, custom, secrets, args. */
function contract(template: TaskTemplate) {
  return {
    type: template.type,
    interface: template.interface,
    custom: structToJson(template.custom),
    secrets: template.securityContext?.secrets,
    args: template.container?.args,
  };
}

for (
  const [name, define] of [
    ["upload", openaiUploadJsonlFileTask],
    ["download", openaiDownloadBatchFilesTask],
  ] as const
) {
  Deno.test(`the ${name} task's flytekit-compatible template equals flytekit's, plus the checkpoint flags`, async () => {
    const expected = await fixture(name);
    const template = toTaskTemplate(define({ ...OPTIONS, name: expected.id!.name! }), {
      flytekitCompatible: true,
    });
    // flytekit's args plus the checkpoint flags flyteshim's templates always carry.
    const args = [...expected.container?.args ?? []];
    args.splice(
      args.indexOf("--resolver"),
      0,
      "--checkpoint-path",
      "{{.checkpointOutputPrefix}}",
      "--prev-checkpoint",
      "{{.prevCheckpointPrefix}}",
    );
    // Compared as decoded from the wire, as propeller reads them.
    assertEquals(
      contract(decodeTaskTemplate(encodeTaskTemplate(template))),
      { ...contract(expected), args },
    );
  });
}

Deno.test("openaiUploadJsonlFileTask() without an organization, custom holds null as flytekit writes None", () => {
  const task = openaiUploadJsonlFileTask({ ...OPTIONS, organization: undefined });
  const custom = structToJson(toTaskTemplate(task).custom);
  assertEquals(custom.openai_organization, null);
  assertEquals(toTaskTemplate(task).container?.args?.at(-1), "flyteshim.openai.upload_jsonl_file");
});

Deno.test("openaiDownloadBatchFilesTask() a secret request is not repeated when it is also listed in secrets", () => {
  const task = openaiDownloadBatchFilesTask({ ...OPTIONS, secrets: [OPTIONS.secret] });
  assertEquals(toTaskTemplate(task).securityContext?.secrets?.length, 1);
});

Deno.test("openaiUploadJsonlFileTask() the API key secret needs a group and a key", () => {
  assertThrows(
    () => openaiUploadJsonlFileTask({ ...OPTIONS, secret: { group: "openai", key: "" } }),
    TypeError,
    "needs a group and a key",
  );
});

Deno.test("a BatchResult literal is byte for byte what flytekit writes", async () => {
  const uri = "s3://bucket/raw/0123456789abcdef0123456789abcdef/output_file.jsonl";
  const literal = await toLiteral(
    { output_file: new FlyteFile({ uri, format: "jsonl" }), error_file: null },
    BATCH_RESULT_TYPE,
  );
  // msgpack.dumps({"output_file": {"path": uri}, "error_file": None}) by Python msgpack 1.0.3,
  // which flytekit's dataclass transformer writes for BatchResult.to_json().
  const python = "82ab6f75747075745f66696c6581a470617468d94273333a2f2f6275636b65742f7261772f3031" +
    "3233343536373839616263646566303132333435363738396162636465662f6f75747075745f66696c652e6a73" +
    "6f6e6caa6572726f725f66696c65c0";
  assertEquals(literal.scalar?.binary?.tag, "msgpack");
  assertEquals(
    Array.from(literal.scalar!.binary!.value!, (b) => b.toString(16).padStart(2, "0")).join(""),
    python,
  );
});
