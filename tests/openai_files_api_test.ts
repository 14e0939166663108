// The OpenAI executors' Files API client and size limit on their own, against the local Files API
// server and a real S3 server: what the propeller suite (openai_batch_test.ts) cannot reach
// cheaply, such as a dead server, HTTP-date Retry-After and the limit on a remote input.
import { removing } from "../_testing/temp.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { SystemError, UserError } from "../errors.ts";
import { retryAfterMs } from "../executors/openai/answers.ts";
import { createFilesApi } from "../executors/openai/files_api.ts";
import {
  createOpenAIFileExecutors,
  type OpenAIFileExecutorOptions,
} from "../executors/openai/mod.ts";
import { createStorage } from "../storage/mod.ts";
import { defineTask } from "../task/define.ts";
import { Types } from "../types/descriptors.ts";
import { startFilesApi } from "../_testing/openai_files.ts";
import { startS3rver } from "../_testing/s3rver.ts";
import { createCertificateAuthority, issueCertificate } from "../_testing/tls.ts";

Deno.test("openai files: Retry-After as an HTTP date is honoured; unreadable or too long ones are not", () => {
  const now = Date.parse("2026-12-06T12:00:00Z");
  assertEquals(retryAfterMs({ "retry-after": "Sun, 06 Dec 2026 12:00:03 GMT" }, 60_000, now), 3000);
  assertEquals(retryAfterMs({ "retry-after": "soon" }, 60_000, now), undefined);
  assertEquals(retryAfterMs({ "retry-after-ms": "90000" }, 60_000, now), undefined);
  assertEquals(retryAfterMs({}, 60_000, now), undefined);
});

Deno.test("openai files: a server that refuses connections is retried, then a recoverable SYSTEM error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there any more
  const api = createFilesApi({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey: "sk-x",
    retries: 2,
    backoffSeconds: 0.01,
  });
  const error = await assertRejects(() => api.download("file-1", "/dev/null"), SystemError);
  assertEquals([error.code, error.recoverable], ["SYSTEM:ApiUnavailable", true]);
  assertStringIncludes(error.message, "gave up after 3 attempts");
});

Deno.test("openai files: an account out of quota is a USER error, not retried", async () => {
  await using server = await startFilesApi({ apiKey: "sk-q" });
  server.fail({ status: 429, code: "insufficient_quota", message: "You exceeded your quota" });
  const api = createFilesApi({ baseUrl: server.baseUrl, apiKey: "sk-q", backoffSeconds: 0.01 });
  const error = await assertRejects(() => api.download("file-1", "/dev/null"), UserError);
  assertEquals(error.code, "USER:QuotaExceeded");
  assertEquals(server.requests.length, 1);
});

Deno.test("openai files: another 4xx is USER:ApiError; a 2xx without a file id is SYSTEM:ApiError", async () => {
  await using server = await startFilesApi({ apiKey: "sk-a" });
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    await Deno.writeTextFile(path, '{"a":1}\n');
    const api = createFilesApi({ baseUrl: server.baseUrl, apiKey: "sk-a", backoffSeconds: 0.01 });
    const request = { path, size: 8, filename: "in.jsonl" };
    server.fail({ method: "POST", status: 409, message: "Conflict here" });
    const user = await assertRejects(() => api.upload(request), UserError);
    assertEquals(user.code, "USER:ApiError");
    assertStringIncludes(user.message, "HTTP 409): Conflict here");
    server.fail({ method: "POST", status: 200 });
    const system = await assertRejects(() => api.upload(request), SystemError);
    assertEquals([system.code, system.recoverable], ["SYSTEM:ApiError", true]);
    assertEquals(server.requests.length, 2);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("openai files: a base URL that is not http(s) is a USER config error", () => {
  const error = (() => {
    try {
      createFilesApi({ baseUrl: "ftp://example.org/v1", apiKey: "k" });
    } catch (e) {
      return e as UserError;
    }
  })();
  assertEquals(error?.code, "USER:InvalidConfig");
});

/** flytekit's upload task, run by an upload executor with these options. */
function uploadTask(options: OpenAIFileExecutorOptions) {
  return defineTask({
    name: "upload",
    taskType: "openai-batch-upload-file",
    executor: createOpenAIFileExecutors(options).upload,
    inputs: { jsonl_in: Types.file("jsonl") },
    outputs: { result: Types.string },
    config: { openai_organization: null, secret_arg: { group: "openai", key: "api_key" } },
  });
}

Deno.test("openai files: a remote input over the limit stops downloading and is never uploaded", async () => {
  await using s3 = await startS3rver({ buckets: ["flyte"] });
  await using server = await startFilesApi({ apiKey: "sk-l" });
  const storage = createStorage({ s3: s3.config });
  const uri = "s3://flyte/inputs/big.jsonl";
  await storage.write(uri, new TextEncoder().encode('{"a":1}\n'.repeat(50_000)));
  const task = uploadTask({ maxUploadBytes: 100_000 });
  const error = await assertRejects(
    () =>
      task.run({ jsonl_in: uri }, {
        storage,
        env: { OPENAI_BASE_URL: server.baseUrl, _FSEC_OPENAI_API_KEY: "sk-l" },
      }),
    UserError,
  );
  assertEquals(error.code, "USER:InvalidInput");
  assert(/more than the 100000 bytes the API takes/.test(error.message), error.message);
  assertEquals(server.requests.length, 0);
});

Deno.test("openai files: over HTTPS with a private CA: DENO_CERT is trusted by uploads and downloads alike", async () => {
  const dir = await Deno.makeTempDir({ prefix: "openai-tls-" });
  await using _dir = removing(dir);
  const ca = await createCertificateAuthority(dir);
  const cert = await issueCertificate(ca, { name: "server", cn: "localhost", server: true });
  await using server = await startFilesApi({ apiKey: "sk-t", tls: cert });
  server.addFile("file-out", new TextEncoder().encode('{"ok":true}\n'));
  const input = `${dir}/in.jsonl`;
  await Deno.writeTextFile(input, '{"a":1}\n');
  const upload = uploadTask({ backoffSeconds: 0.01 });
  const env = { OPENAI_BASE_URL: server.baseUrl, _FSEC_OPENAI_API_KEY: "sk-t" };
  // Without the CA: not trusted, and not retried.
  const refused = await assertRejects(
    () => upload.run({ jsonl_in: input }, { env }),
    SystemError,
  );
  assertEquals([refused.code, refused.recoverable], ["SYSTEM:TlsError", false]);
  assertEquals(server.requests.length, 0);
  // Uploads (node:https) take DENO_CERT from the run's environment.
  const { result } = await upload.run({ jsonl_in: input }, {
    env: { ...env, DENO_CERT: ca.cert },
  });
  assertEquals(result, server.uploaded[0]);
  // Downloads (fetch) trust DENO_CERT as Deno reads it at start-up: run one in a child process.
  const script = `
    import { openaiDownloadBatchFilesTask } from "${
    new URL("../task/openai_batch.ts", import.meta.url).href
  }";
    const task = openaiDownloadBatchFilesTask({ name: "d", secret: { group: "openai", key: "api_key" } });
    const { result } = await task.run({ batch_endpoint_result: { output_file_id: "file-out" } });
    console.log(await Deno.readTextFile(result.output_file.path));
    console.log(result.output_file.path);
  `;
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    cwd: new URL("..", import.meta.url).pathname,
    // The run folder the result's file keeps lands in this test's folder, removed with it.
    env: { ...env, DENO_CERT: ca.cert, TMPDIR: dir },
  }).output();
  const stderr = new TextDecoder().decode(child.stderr);
  const [content, path] = new TextDecoder().decode(child.stdout).split("\n").filter(Boolean);
  assertEquals(content, '{"ok":true}', stderr);
  // The file lives in the run folder, kept because the dataclass output names it.
  assert(path.startsWith(`${dir}/flyteshim-run-`), path);
});
