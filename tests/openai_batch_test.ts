// flytekit's OpenAI batch file tasks (UploadJSONLFileTask, DownloadJSONFilesTask), with templates
// shaped exactly as flytekit 1.16.10 serializes them, run as propeller runs them (the real
// program as a subprocess) against a local Files API server, every prefix on local folders and
// on a real S3 server.
import { removing } from "../_testing/temp.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertStringIncludes,
} from "@std/assert";
import { decode } from "@msgpack/msgpack";
import { createHash } from "node:crypto";
import {
  decodeLiteralMap,
  decodeTaskTemplate,
  flyteidl,
  jsonToStruct,
  type LiteralMap,
  type TaskTemplate,
} from "../idl/mod.ts";
import { createStorage, type Storage } from "../storage/mod.ts";
import { type FilesApiServer, startFilesApi } from "../_testing/openai_files.ts";
import { DEFAULT_PROGRAM, type PropellerRunOptions, runPropeller } from "../_testing/propeller.ts";
import { startS3rver } from "../_testing/s3rver.ts";

const FIXTURES = new URL("../testdata/idl/flytekit-openai/", import.meta.url).pathname;
const KEY = "sk-test-0123456789abcdefSECRET";
const SECRET_ENV = { _FSEC_OPENAI_API_KEY: KEY };
const Kind = flyteidl.core.ContainerError.Kind;
const Origin = flyteidl.core.ExecutionError.ErrorKind;

async function template(name: "upload" | "download"): Promise<TaskTemplate> {
  return decodeTaskTemplate(await Deno.readFile(`${FIXTURES}${name}_template.pb`));
}

function jsonlInputs(uri: string): LiteralMap {
  return {
    literals: {
      jsonl_in: { scalar: { blob: { metadata: { type: { format: "jsonl" } }, uri } } },
    },
  };
}

async function downloadInputs(): Promise<LiteralMap> {
  return decodeLiteralMap(await Deno.readFile(`${FIXTURES}download_inputs.pb`));
}

const REQUESTS = [
  { custom_id: "r1", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini" } },
  { custom_id: "r2", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini" } },
].map((r) => JSON.stringify(r)).join("\n") + "\n";
const OUTPUT = new TextEncoder().encode('{"id":"batch_req_1","custom_id":"r1"}\n'.repeat(3));
const ERRORS = new TextEncoder().encode('{"id":"batch_req_2","custom_id":"r2","error":{}}\n');

/** Runs a node with the server's base URL and (unless told not to) the key secret. */
function run(api: FilesApiServer, options: PropellerRunOptions & { noSecret?: boolean }) {
  const secret = options.noSecret ? {} : SECRET_ENV;
  return runPropeller({
    ...options,
    env: { OPENAI_BASE_URL: api.baseUrl, ...secret, ...options.env },
  });
}

/** The BatchResult in `outputs.pb`, decoded from its msgpack bytes. */
function batchResult(outputs: LiteralMap | undefined) {
  const binary = outputs?.literals?.result?.scalar?.binary;
  assertEquals(binary?.tag, "msgpack");
  return decode(binary!.value!) as Record<string, { path: string } | null>;
}

function assertUploadHeaders(api: FilesApiServer) {
  const post = api.requests.find((r) => r.method === "POST")!;
  assertEquals(post.headers.authorization, `Bearer ${KEY}`);
  assertEquals(post.headers["openai-organization"], "org-test");
  assertEquals(post.headers["transfer-encoding"], undefined);
  assert(Number(post.headers["content-length"]) > post.fileSize!);
}

async function uploadCase(storage: Storage, root: string, env: Record<string, string> = {}) {
  await using api = await startFilesApi({ apiKey: KEY });
  const input = `${root}/inputs/requests.jsonl`;
  await storage.write(input, new TextEncoder().encode(REQUESTS));
  const result = await run(api, {
    template: await template("upload"),
    inputs: jsonlInputs(input),
    root,
    storage,
    env,
  });
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.files, ["outputs.pb"], result.error?.message ?? "");
  assertEquals(api.uploaded.length, 1);
  assertEquals(result.outputs?.literals?.result?.scalar?.primitive?.stringValue, api.uploaded[0]);
  const post = api.requests[0];
  assertEquals([post.method, post.path, post.purpose, post.filename], [
    "POST",
    "/v1/files",
    "batch",
    "requests.jsonl",
  ]);
  assertEquals(new TextDecoder().decode(post.fileBytes), REQUESTS);
  assertUploadHeaders(api);
}

async function downloadCase(storage: Storage, root: string, env: Record<string, string> = {}) {
  await using api = await startFilesApi({ apiKey: KEY });
  api.addFile("file-cvaTdG", OUTPUT);
  api.addFile("file-HOWS94", ERRORS);
  const result = await run(api, {
    template: await template("download"),
    inputs: await downloadInputs(),
    root,
    storage,
    env,
  });
  assertEquals(result.code, 0, result.stderr);
  assertEquals(result.files, ["outputs.pb"], result.error?.message ?? "");
  const value = batchResult(result.outputs);
  assertEquals(Object.keys(value), ["output_file", "error_file"]);
  const raw = result.paths.rawOutputPrefix;
  assertMatch(value.output_file!.path, new RegExp(`^${raw}/[0-9a-f]{32}/output_file\\.jsonl$`));
  assertMatch(value.error_file!.path, new RegExp(`^${raw}/[0-9a-f]{32}/error_file\\.jsonl$`));
  assertEquals(await storage.read(value.output_file!.path), OUTPUT);
  assertEquals(await storage.read(value.error_file!.path), ERRORS);
  assertEquals(api.requests.map((r) => [r.method, r.path]), [
    ["GET", "/v1/files/file-cvaTdG/content"],
    ["GET", "/v1/files/file-HOWS94/content"],
  ]);
  for (const r of api.requests) {
    assertEquals(r.headers.authorization, `Bearer ${KEY}`);
    assertEquals(r.headers["openai-organization"], "org-test");
  }
}

/** A local node with a temp root, removed afterwards. */
async function withRoot<T>(fn: (root: string) => Promise<T>): Promise<T> {
  const root = await Deno.makeTempDir({ prefix: "openai-" });
  await using _root = removing(root);
  return await fn(root);
}

Deno.test("openai batch: flytekit's upload task streams a local JSONL file to the Files API", async () => {
  await withRoot((root) => uploadCase(createStorage(), root));
});

Deno.test("openai batch: flytekit's download task writes the batch files and a msgpack BatchResult locally", async () => {
  await withRoot((root) => downloadCase(createStorage(), root));
});

Deno.test("openai batch: both tasks run with every prefix on S3", async () => {
  await using s3 = await startS3rver({ buckets: ["flyte"] });
  const storage = createStorage({ s3: s3.config });
  await uploadCase(storage, "s3://flyte/upload", s3.env);
  await downloadCase(storage, "s3://flyte/download", s3.env);
});

Deno.test("openai batch: the download task reads the older JSON (generic struct) input and skips an absent file", async () => {
  await withRoot(async (root) => {
    await using api = await startFilesApi({ apiKey: KEY });
    api.addFile("file-out", OUTPUT);
    const generic = jsonToStruct({
      id: "batch_1",
      status: "completed",
      output_file_id: "file-out",
      error_file_id: null,
    });
    const result = await run(api, {
      template: await template("download"),
      inputs: { literals: { batch_endpoint_result: { scalar: { generic } } } },
      root,
    });
    assertEquals(result.files, ["outputs.pb"], result.error?.message ?? "");
    const value = batchResult(result.outputs);
    assertEquals(value.error_file, null);
    assertEquals(await createStorage().read(value.output_file!.path), OUTPUT);
    assertEquals(api.requests.length, 1);
  });
});

/** Runs the upload task on a small local file with scripted server behaviour. */
async function uploadWith(
  setup: (api: FilesApiServer) => void,
  options: {
    body?: string;
    env?: Record<string, string>;
    key?: string;
    noSecret?: boolean;
    interrupt?: RegExp;
  } = {},
) {
  return await withRoot(async (root) => {
    await using api = await startFilesApi({ apiKey: options.key ?? KEY });
    setup(api);
    const input = `${root}/requests.jsonl`;
    await Deno.writeTextFile(input, options.body ?? REQUESTS);
    const result = await run(api, {
      template: await template("upload"),
      inputs: jsonlInputs(input),
      root,
      env: options.env,
      noSecret: options.noSecret,
      interrupt: options.interrupt && { when: options.interrupt },
    });
    assertEquals(result.code, 0, result.stderr);
    return { result, api };
  });
}

Deno.test("openai batch: a refused key is USER:AuthenticationFailed and the key appears nowhere", async () => {
  const { result } = await uploadWith(() => {}, { key: "sk-other-key" });
  assertEquals(result.files, ["error.pb"]);
  assertEquals(result.error?.code, "USER:AuthenticationFailed");
  assertEquals(result.error?.kind, Kind.NON_RECOVERABLE);
  assertEquals(result.error?.origin, Origin.USER);
  assertStringIncludes(result.error?.message ?? "", 'secret "api_key" of group "openai"');
  for (const text of [result.error?.message ?? "", result.stdout, result.stderr]) {
    assertNotMatch(text, /sk-test|SECRET|\*\*\*/);
  }
});

Deno.test("openai batch: a 403 is USER:AuthenticationFailed with the API's code, not retried", async () => {
  const { result, api } = await uploadWith((api) =>
    api.fail({ status: 403, code: "unsupported_country_region_territory", message: "Not here" })
  );
  assertEquals(result.error?.code, "USER:AuthenticationFailed");
  assertEquals(result.error?.kind, Kind.NON_RECOVERABLE);
  assertStringIncludes(
    result.error?.message ?? "",
    "HTTP 403, unsupported_country_region_territory",
  );
  assertEquals(api.requests.length, 1);
});

Deno.test("openai batch: SIGTERM while the API has not answered ends the run as SYSTEM:Aborted, no outputs.pb", async () => {
  const { result } = await uploadWith((api) => api.fail({ hang: true }), {
    interrupt: /Uploading a JSONL file/,
  });
  assertEquals(result.files, ["error.pb"]);
  assertEquals(result.error?.code, "SYSTEM:Aborted");
  assertEquals(result.error?.kind, Kind.RECOVERABLE);
  assert((result.msAfterInterrupt ?? Infinity) < 5000, `${result.msAfterInterrupt} ms`);
});

Deno.test("openai batch: a missing key secret is USER:SecretNotFound naming group and key", async () => {
  const { result, api } = await uploadWith(() => {}, { noSecret: true });
  assertEquals(result.error?.code, "USER:SecretNotFound");
  assertEquals(result.error?.origin, Origin.USER);
  assertStringIncludes(result.error?.message ?? "", '"api_key" of group "openai"');
  assertEquals(api.requests.length, 0);
});

Deno.test("openai batch: a malformed JSONL file is USER:InvalidInput with the API's message", async () => {
  const { result } = await uploadWith(() => {}, { body: '{"custom_id": "r1"}\nnot json\n' });
  assertEquals(result.error?.code, "USER:InvalidInput");
  assertEquals(result.error?.kind, Kind.NON_RECOVERABLE);
  assertStringIncludes(result.error?.message ?? "", "line 2 is not valid JSON");
});

Deno.test("openai batch: 429 and 503 are retried honouring Retry-After, then the upload succeeds", async () => {
  const started = performance.now();
  const { result, api } = await uploadWith((api) =>
    api.fail(
      { status: 429, headers: { "retry-after": "1" }, message: "Rate limit reached" },
      { status: 503, headers: { "retry-after-ms": "50" } },
    )
  );
  assertEquals(result.files, ["outputs.pb"], result.error?.message ?? "");
  assertEquals(api.requests.map((r) => r.status), [429, 503, 200]);
  assert(performance.now() - started >= 1000, "Retry-After: 1 was not waited");
  assertEquals(result.outputs?.literals?.result?.scalar?.primitive?.stringValue, api.uploaded[0]);
  assertStringIncludes(result.stderr + result.stdout, "Retrying an OpenAI Files API call");
});

Deno.test("openai batch: 5xx answers that never end become a recoverable SYSTEM error", async () => {
  const busy = { status: 502, headers: { "retry-after": "0" }, message: "Bad gateway" };
  const { result, api } = await uploadWith((api) => api.fail(busy, busy, busy, busy, busy));
  assertEquals(result.files, ["error.pb"]);
  assertEquals(result.error?.code, "SYSTEM:ApiUnavailable");
  assertEquals(result.error?.kind, Kind.RECOVERABLE);
  assertEquals(result.error?.origin, Origin.SYSTEM);
  assertStringIncludes(result.error?.message ?? "", "gave up after 5 attempts");
  assertEquals(api.requests.length, 5);
});

Deno.test("openai batch: rate limits that never end become a recoverable SYSTEM error", async () => {
  const limited = { status: 429, headers: { "retry-after": "0" } };
  const { result } = await uploadWith((api) => api.fail(...Array(5).fill(limited)));
  assertEquals(result.error?.code, "SYSTEM:RateLimited");
  assertEquals(result.error?.kind, Kind.RECOVERABLE);
});

Deno.test("openai batch: a file over the API's limit is refused before anything is uploaded", async () => {
  await withRoot(async (root) => {
    await using api = await startFilesApi({ apiKey: KEY });
    const input = `${root}/huge.jsonl`;
    // Sparse: 512 MiB + 1 byte without writing them.
    using file = await Deno.open(input, { write: true, create: true });
    await file.truncate(512 * 1024 * 1024 + 1);
    const result = await run(api, {
      template: await template("upload"),
      inputs: jsonlInputs(input),
      root,
    });
    assertEquals(result.error?.code, "USER:InvalidInput");
    assertEquals(result.error?.origin, Origin.USER);
    assertStringIncludes(result.error?.message ?? "", "536870913 bytes");
    assertEquals(api.requests.length, 0);
  });
});

Deno.test("openai batch: an unknown file id is USER:NotFound; a dropped download is retried", async () => {
  await withRoot(async (root) => {
    await using api = await startFilesApi({ apiKey: KEY });
    api.addFile("file-cvaTdG", OUTPUT);
    api.fail({ method: "GET", status: 200, truncateAt: 10 });
    const result = await run(api, {
      template: await template("download"),
      inputs: await downloadInputs(), // its error file, file-HOWS94, is unknown to the server
      root,
    });
    assertEquals(result.files, ["error.pb"]);
    assertEquals(result.error?.code, "USER:NotFound");
    assertEquals(result.error?.kind, Kind.NON_RECOVERABLE);
    assertStringIncludes(result.error?.message ?? "", '"file-HOWS94"');
    assertEquals(api.requests.map((r) => [r.path.split("/")[3], r.status]), [
      ["file-cvaTdG", 200],
      ["file-cvaTdG", 200],
      ["file-HOWS94", 404],
    ]);
  });
});

Deno.test("openai batch: a 100 MB JSONL upload streams with bounded memory", async () => {
  await withRoot(async (root) => {
    await using api = await startFilesApi({ apiKey: KEY });
    const input = `${root}/big.jsonl`;
    const line = new TextEncoder().encode(
      `${JSON.stringify({ custom_id: "r", method: "POST", body: { text: "x".repeat(980) } })}\n`,
    );
    const lines = Math.ceil(100_000_000 / line.length);
    const hash = createHash("sha256");
    {
      using file = await Deno.open(input, { write: true, create: true });
      const block = new Uint8Array(line.length * 1000);
      for (let i = 0; i < 1000; i++) block.set(line, i * line.length);
      for (let written = 0; written < lines; written += 1000) {
        const part = block.subarray(0, Math.min(1000, lines - written) * line.length);
        hash.update(part);
        for (let at = 0; at < part.length;) at += await file.write(part.subarray(at));
      }
    }
    const size = (await Deno.stat(input)).size;
    const timeFile = `${root}/time.txt`;
    const result = await run(api, {
      template: await template("upload"),
      inputs: jsonlInputs(input),
      root,
      program: ["/usr/bin/time", "-f", "%M", "-o", timeFile, ...DEFAULT_PROGRAM],
      timeoutMs: 120_000,
    });
    assertEquals(result.files, ["outputs.pb"], result.error?.message ?? result.stderr);
    const post = api.requests[0];
    assertEquals([post.fileSize, post.fileSha256], [size, hash.digest("hex")]);
    const peakMiB = Number((await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)) / 1024;
    console.log(`100 MB upload: ${size} bytes, peak RSS ${peakMiB.toFixed(1)} MiB`);
    assert(peakMiB < 128, `peak RSS ${peakMiB.toFixed(1)} MiB`);
  });
});

Deno.test("openai batch: a 100 MB batch file downloads with bounded memory", async () => {
  await withRoot(async (root) => {
    await using api = await startFilesApi({ apiKey: KEY });
    const content = new Uint8Array(100_000_000).fill(0x78);
    for (let i = 999; i < content.length; i += 1000) content[i] = 0x0a;
    api.addFile("file-big", content);
    const timeFile = `${root}/time.txt`;
    const generic = jsonToStruct({ output_file_id: "file-big", error_file_id: "" });
    const result = await run(api, {
      template: await template("download"),
      inputs: { literals: { batch_endpoint_result: { scalar: { generic } } } },
      root,
      program: ["/usr/bin/time", "-f", "%M", "-o", timeFile, ...DEFAULT_PROGRAM],
      timeoutMs: 120_000,
    });
    assertEquals(result.files, ["outputs.pb"], result.error?.message ?? result.stderr);
    const path = batchResult(result.outputs).output_file!.path;
    const stored = await Deno.readFile(path);
    assertEquals(
      createHash("sha256").update(stored).digest("hex"),
      createHash("sha256").update(content).digest("hex"),
    );
    const peakMiB = Number((await Deno.readTextFile(timeFile)).trim().split("\n").at(-1)) / 1024;
    console.log(`100 MB download: peak RSS ${peakMiB.toFixed(1)} MiB`);
    assert(peakMiB < 128, `peak RSS ${peakMiB.toFixed(1)} MiB`);
  });
});
