// The OpenAI batch file tasks authored with the TypeScript SDK: a local run of the upload and the
// download against the local Files API server, and a registration package (the CLI's
// `package --flytekit-compatible`) whose task specs carry flytekit's templates.
import { removing } from "../_testing/temp.ts";
import { assert, assertEquals } from "@std/assert";
import { decodeTaskSpec } from "../idl/admin.ts";
import { decodeTaskTemplate, encodeTaskTemplate, structToJson } from "../idl/mod.ts";
import { runCli } from "../cli/run_cli.ts";
import { openaiDownloadBatchFilesTask, openaiUploadJsonlFileTask } from "../task/mod.ts";
import { FlyteFile } from "../types/values.ts";
import { startFilesApi } from "../_testing/openai_files.ts";

const KEY = "sk-sdk-key";
const MOD = new URL("../mod.ts", import.meta.url).href;
const FIXTURES = new URL("../testdata/idl/flytekit-openai/", import.meta.url);

Deno.test("openai sdk: SDK-authored upload and download tasks run locally against the Files API", async () => {
  await using api = await startFilesApi({ apiKey: KEY });
  const dir = await Deno.makeTempDir({ prefix: "openai-sdk-" });
  await using _dir = removing(dir);
  const secret = { group: "openai", key: "api_key" };
  const env = { OPENAI_BASE_URL: api.baseUrl, _FSEC_OPENAI_API_KEY: KEY };
  const upload = openaiUploadJsonlFileTask({ name: "batch.upload", secret });
  const download = openaiDownloadBatchFilesTask({ name: "batch.download", secret });
  const body = '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{}}\n';
  await Deno.writeTextFile(`${dir}/in.jsonl`, body);
  const { result: id } = await upload.run({ jsonl_in: `${dir}/in.jsonl` }, { env, dir });
  assertEquals(id, api.uploaded[0]);
  assertEquals(new TextDecoder().decode(api.requests[0].fileBytes), body);
  assertEquals(api.requests[0].headers["openai-organization"], undefined);

  api.addFile("file-out", new TextEncoder().encode('{"custom_id":"a"}\n'));
  const { result } = await download.run({
    batch_endpoint_result: { id: "batch_1", output_file_id: "file-out", error_file_id: null },
  }, { env, dir });
  assertEquals(result.error_file, null);
  assert(result.output_file?.path.endsWith("/output_file.jsonl"));
  assertEquals(await Deno.readTextFile(result.output_file!.path), '{"custom_id":"a"}\n');
  // A FlyteFile is accepted where the interface takes a file.
  const again = await upload.run({ jsonl_in: new FlyteFile({ uri: `${dir}/in.jsonl` }) }, {
    env,
    dir,
  });
  assertEquals(again.result, api.uploaded[1]);
});

Deno.test("openai sdk: a flytekit-compatible registration package carries both tasks as flytekit writes them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "openai-package-" });
  try {
    await Deno.writeTextFile(
      `${dir}/tasks.ts`,
      `import { openaiDownloadBatchFilesTask, openaiUploadJsonlFileTask } from "${MOD}";
const config = { image: "ghcr.io/acme/flyteshim:0.1.0", secret: { group: "openai", key: "api_key" }, organization: "org-test" };
export const upload = openaiUploadJsonlFileTask({ name: "openai-file-upload-gpt", ...config });
export const download = openaiDownloadBatchFilesTask({ name: "openai-download-files-gpt", ...config });
`,
    );
    let out = "";
    // The temporary folder has no deno.json for `deno check` to resolve the SDK's imports with.
    const args = [
      "package",
      "tasks.ts",
      "--output",
      "pkg.tgz",
      "--flytekit-compatible",
      "--no-check",
    ];
    const code = await runCli(args, {
      cwd: dir,
      stdout: (t) => out += t,
      stderr: (t) => out += t,
      tty: false,
    });
    assertEquals(code, 0, out);
    await Deno.mkdir(`${dir}/pkg`);
    const tar = ["-xzf", `${dir}/pkg.tgz`, "-C", `${dir}/pkg`];
    assert((await new Deno.Command("tar", { args: tar }).output()).success);
    const files = [...Deno.readDirSync(`${dir}/pkg`)].map((e) => e.name).sort();
    assertEquals(files, ["0_openai-download-files-gpt_1.pb", "1_openai-file-upload-gpt_1.pb"]);
    for (const [file, fixture] of [[files[0], "download"], [files[1], "upload"]]) {
      const spec = decodeTaskSpec(await Deno.readFile(`${dir}/pkg/${file}`));
      const template = decodeTaskTemplate(encodeTaskTemplate(spec.template!));
      const expected = decodeTaskTemplate(
        await Deno.readFile(new URL(`${fixture}_template.pb`, FIXTURES)),
      );
      assertEquals(template.type, expected.type);
      assertEquals(template.interface, expected.interface);
      assertEquals(structToJson(template.custom), structToJson(expected.custom));
      assertEquals(template.securityContext, expected.securityContext);
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
      assertEquals(template.container?.args, args);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
