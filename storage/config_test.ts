import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { StorageError, UserError } from "../errors.ts";
import {
  attachExecutionMetadataFromEnv,
  executionMetadata,
  type HttpConfig,
  type S3Config,
  s3ConfigFromEnv,
} from "./config.ts";
import { createStorage } from "./mod.ts";

Deno.test("s3ConfigFromEnv() reads flytekit's FLYTE_AWS_* variables", () => {
  assertEquals(
    s3ConfigFromEnv({
      FLYTE_AWS_ENDPOINT: "http://minio:9000",
      FLYTE_AWS_ACCESS_KEY_ID: "minio",
      FLYTE_AWS_SECRET_ACCESS_KEY: "miniostorage",
      FLYTE_AWS_RETRIES: "5",
      FLYTE_AWS_BACKOFF_SECONDS: "0.5",
      AWS_DEFAULT_REGION: "eu-west-1",
      _F_P_WRITE_CHUNK_SIZE: String(25 * 1024 * 1024),
    }),
    {
      endpoint: "http://minio:9000",
      accessKeyId: "minio",
      secretAccessKey: "miniostorage",
      region: "eu-west-1",
      retries: 5,
      backoffSeconds: 0.5,
      partSize: 25 * 1024 * 1024,
    },
  );
});

Deno.test("s3ConfigFromEnv() leaves the AWS chain alone when nothing is set", () => {
  assertEquals(s3ConfigFromEnv({}), {});
  // AWS_REGION wins over AWS_DEFAULT_REGION; a session token needs keys of ours to go with.
  assertEquals(s3ConfigFromEnv({ AWS_REGION: "a", AWS_DEFAULT_REGION: "b" }), { region: "a" });
  assertEquals(s3ConfigFromEnv({ AWS_SESSION_TOKEN: "t" }), {});
  assertEquals(
    s3ConfigFromEnv({
      FLYTE_AWS_ACCESS_KEY_ID: "k",
      FLYTE_AWS_SECRET_ACCESS_KEY: "s",
      AWS_SESSION_TOKEN: "t",
    }).sessionToken,
    "t",
  );
});

Deno.test("s3ConfigFromEnv() FLYTE_AWS_ADDRESSING_STYLE selects path or virtual addressing", () => {
  assertEquals(s3ConfigFromEnv({ FLYTE_AWS_ADDRESSING_STYLE: "path" }).forcePathStyle, true);
  assertEquals(s3ConfigFromEnv({ FLYTE_AWS_ADDRESSING_STYLE: "Virtual" }).forcePathStyle, false);
  assertEquals(s3ConfigFromEnv({ FLYTE_AWS_ADDRESSING_STYLE: "auto" }).forcePathStyle, undefined);
  const error = assertThrows(
    () => s3ConfigFromEnv({ FLYTE_AWS_ADDRESSING_STYLE: "sideways" }),
    UserError,
  );
  assertEquals(error.code, "USER:InvalidConfig");
  assertEquals(
    error.message,
    'Cannot read FLYTE_AWS_ADDRESSING_STYLE "sideways": expected path, virtual or auto',
  );
});

Deno.test("s3ConfigFromEnv() bad numbers are USER:InvalidConfig errors naming the variable", () => {
  for (
    const [name, value] of [
      ["FLYTE_AWS_RETRIES", "three"],
      ["FLYTE_AWS_RETRIES", "1.5"],
      ["FLYTE_AWS_BACKOFF_SECONDS", "-1"],
      ["_F_P_WRITE_CHUNK_SIZE", "1024"],
    ]
  ) {
    const error = assertThrows(() => s3ConfigFromEnv({ [name]: value }), UserError);
    assertEquals(error.code, "USER:InvalidConfig");
    assertEquals(error.message.startsWith(`Cannot read ${name} "${value}": expected`), true);
  }
});

Deno.test("executionMetadata() flytekit's keys, unknown fields left out, switchable", () => {
  assertEquals(
    executionMetadata({
      project: "p",
      domain: "d",
      workflow: "w",
      launchplan: "lp",
      name: "n",
    }),
    {
      "flyte-execution-project": "p",
      "flyte-execution-domain": "d",
      "flyte-execution-launchplan": "lp",
      "flyte-execution-workflow": "w",
      "flyte-execution-name": "n",
    },
  );
  assertEquals(executionMetadata({}), {});
  for (const off of ["false", "False", "0", "no", "OFF"]) {
    assertEquals(
      attachExecutionMetadataFromEnv({ FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA: off }),
      false,
    );
  }
  assertEquals(
    attachExecutionMetadataFromEnv({ FLYTE_PERSISTENCE_ATTACH_EXECUTION_METADATA: "true" }),
    true,
  );
});

Deno.test("S3Config: an S3-compatible endpoint, addressed path-style", async () => {
  const requests: string[] = [];
  await using server = Deno.serve({ port: 0, onListen() {} }, (request) => {
    requests.push(`${request.method} ${new URL(request.url).pathname}`);
    return new Response(null, { status: 404 });
  });
  const s3: S3Config = {
    endpoint: `http://localhost:${server.addr.port}`,
    accessKeyId: "a",
    secretAccessKey: "b",
  };
  await assertRejects(
    () => createStorage({ s3 }).read("s3://bucket/key"),
    StorageError,
    "object does not exist",
  );
  assertEquals(requests, ["GET /bucket/key"]);
});

Deno.test("HttpConfig: a retry after a server error", async () => {
  let calls = 0;
  await using server = Deno.serve(
    { port: 0, onListen() {} },
    () => new Response("a,b\n", { status: ++calls === 1 ? 503 : 200 }),
  );
  const http: HttpConfig = { retries: 1, backoffSeconds: 0.01 };
  const bytes = await createStorage({ http }).read(`http://localhost:${server.addr.port}/data.csv`);
  assertEquals([new TextDecoder().decode(bytes), calls], ["a,b\n", 2]);
});
