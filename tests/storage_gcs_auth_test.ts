// gs:// against the project-owned server (_testing/gcs_server.ts) for what the emulator cannot do:
// chunked resumable uploads and their resumption after a failure, and the token plumbing of
// Application Default Credentials (metadata server, service-account key, external account), with
// refused and missing credentials classified and no token in any message.
import { removing } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { createStorage } from "../storage/mod.ts";
import { startGcsServer } from "../_testing/gcs_server.ts";
import { assertStorageError, pattern } from "../_testing/storage_conformance.ts";

const KIB = 1024;

async function tempFile(data: Uint8Array): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "gcs-auth-" });
  await Deno.writeFile(path, data);
  return path;
}

Deno.test("gcs: chunked resumable uploads with metadata-server tokens, resumed after a cut", async () => {
  await using server = startGcsServer({ token: "md-token-1" });
  const env = {
    FLYTESHIM_GCS_ENDPOINT: server.endpoint,
    GCE_METADATA_HOST: server.host,
    _F_P_WRITE_CHUNK_SIZE: String(256 * KIB),
  };
  const data = pattern(1024 * KIB + 1000, 3);
  const path = await tempFile(data);
  try {
    // In 256 KiB chunks: 308 after each, the last one finishes the object.
    const chunked = createStorage({
      gcs: {
        endpoint: server.endpoint,
        metadataHost: server.host,
        simpleUploadLimit: 256 * KIB,
        chunkSize: 256 * KIB,
      },
    });
    await chunked.upload(path, "gs://b/chunked.bin", { contentType: "application/x-test" });
    assertEquals(server.objects.get("b/chunked.bin")?.data, data);
    assertEquals(server.objects.get("b/chunked.bin")?.resource.contentType, "application/x-test");
    const puts = server.requests.filter((r) => r.method === "PUT");
    assertEquals(puts.map((r) => r.contentRange), [
      "bytes 0-262143/*",
      "bytes 262144-524287/*",
      "bytes 524288-786431/*",
      "bytes 786432-1048575/*",
      `bytes 1048576-1049575/${data.length}`,
    ]);
    // Every storage request carried the metadata server's token, fetched once.
    const storageRequests = server.requests.filter((r) => !r.path.startsWith("/computeMetadata"));
    assert(storageRequests.every((r) => r.authorization === "Bearer md-token-1"));
    assertEquals(server.requests.filter((r) => r.path.startsWith("/computeMetadata")).length, 1);

    // One streamed request (settings from the environment), cut after 300 KiB: the session is
    // asked what it kept and the rest follows.
    server.requests.length = 0;
    server.cutNextPut(300 * KIB);
    const streamed = createStorage({ env });
    await streamed.upload(path, "gs://b/streamed.bin");
    assertEquals(server.objects.get("b/streamed.bin")?.data, data);
    assertEquals(
      server.requests.filter((r) => r.method === "PUT").map((r) => r.contentRange),
      [
        `bytes 0-${data.length - 1}/${data.length}`,
        `bytes */${data.length}`,
        `bytes ${300 * KIB}-${data.length - 1}/${data.length}`,
      ],
    );

    // A session lost after a cut (expired, 404) is replaced by a new one from the first byte.
    server.requests.length = 0;
    server.cutNextPut(300 * KIB, { forget: true });
    await streamed.upload(path, "gs://b/restarted.bin");
    assertEquals(server.objects.get("b/restarted.bin")?.data, data);
    assertEquals(
      server.requests.filter((r) => r.method === "POST").length,
      2,
      "a second session was opened",
    );

    // A chunked upload cut inside its second chunk goes on from the byte the session kept.
    server.requests.length = 0;
    server.cutNextPut(100 * KIB);
    await chunked.upload(path, "gs://b/chunked-cut.bin");
    assertEquals(server.objects.get("b/chunked-cut.bin")?.data, data);
    assertEquals(await streamed.read("gs://b/chunked-cut.bin"), data);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("gcs: a service-account key signs its own JWT for the storage endpoint", async () => {
  await using server = startGcsServer();
  const dir = await Deno.makeTempDir({ prefix: "gcs-key-" });
  await using _dir = removing(dir);
  const keys = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  const pem = `-----BEGIN PRIVATE KEY-----\n${
    btoa(String.fromCharCode(...pkcs8)).replace(/(.{64})/g, "$1\n")
  }\n-----END PRIVATE KEY-----\n`;
  await Deno.writeTextFile(
    `${dir}/key.json`,
    JSON.stringify({
      type: "service_account",
      project_id: "demo",
      private_key_id: "kid-1",
      private_key: pem,
      client_email: "runner@demo.iam.gserviceaccount.com",
      client_id: "1",
      token_uri: `${server.endpoint}/token`,
    }),
  );
  await createStorage({
    env: {
      GOOGLE_APPLICATION_CREDENTIALS: `${dir}/key.json`,
      FLYTESHIM_GCS_ENDPOINT: server.endpoint,
    },
  }).exists("gs://b/none");
  const bearer = server.requests[0].authorization!.replace(/^Bearer /, "");
  const [head, body, signature] = bearer.split(".");
  const decode = (part: string) =>
    Uint8Array.from(atob(part.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  assert(
    await crypto.subtle.verify(
      "RSASSA-PKCS1-v1_5",
      keys.publicKey,
      decode(signature),
      new TextEncoder().encode(`${head}.${body}`),
    ),
    "the JWT is not signed by the key",
  );
  const claims = JSON.parse(new TextDecoder().decode(decode(body)));
  assertEquals(claims.iss, "runner@demo.iam.gserviceaccount.com");
  assertEquals(claims.aud, `${server.endpoint}/`);
  assertEquals(JSON.parse(new TextDecoder().decode(decode(head))).kid, "kid-1");
});

Deno.test("gcs: an external account exchanges its subject token at STS", async () => {
  await using server = startGcsServer({ token: "sts-token-7", subjectToken: "oidc-subject" });
  const dir = await Deno.makeTempDir({ prefix: "gcs-ext-" });
  await using _dir = removing(dir);
  const account = (subject: string) =>
    JSON.stringify({
      type: "external_account",
      audience:
        "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: `${server.endpoint}/v1/token`,
      credential_source: { file: `${dir}/${subject}` },
    });
  await Deno.writeTextFile(`${dir}/good`, "oidc-subject");
  await Deno.writeTextFile(`${dir}/bad`, "someone-else");
  await Deno.writeTextFile(`${dir}/good.json`, account("good"));
  await Deno.writeTextFile(`${dir}/bad.json`, account("bad"));
  const storage = (file: string) =>
    createStorage({
      env: { GOOGLE_APPLICATION_CREDENTIALS: file, FLYTESHIM_GCS_ENDPOINT: server.endpoint },
    });
  assertEquals(await storage(`${dir}/good.json`).exists("gs://b/none"), false);
  assertEquals(server.requests.at(-1)?.authorization, "Bearer sts-token-7");
  const error = await assertStorageError(storage(`${dir}/bad.json`).read("gs://b/k"), {
    code: "USER:AccessDenied",
    operation: "read",
    uri: "gs://b/k",
  });
  assertStringIncludes(error.message, "Google refused the credentials");
  assert(!error.message.includes("someone-else"), error.message);
});

Deno.test("gcs: missing, refused and unusable credentials and buckets are classified", async () => {
  await using server = startGcsServer({ token: "right-token" });
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const base = { endpoint: server.endpoint, retries: 1, backoffSeconds: 0.01 };

  // No metadata server answers: not recoverable, and says what to set.
  const missing = await assertStorageError(
    createStorage({ gcs: { ...base, metadataHost: `127.0.0.1:${closedPort}` } }).read("gs://b/k"),
    { code: "SYSTEM:StorageError", operation: "read", uri: "gs://b/k", recoverable: false },
  );
  assertStringIncludes(missing.message, "no Google credentials found");

  // A token the bucket refuses.
  await using wrong = startGcsServer({ token: "other-token" });
  const denied = await assertStorageError(
    createStorage({ gcs: { ...base, metadataHost: wrong.host } }).read("gs://b/k"),
    { code: "USER:AccessDenied", operation: "read", uri: "gs://b/k" },
  );
  assert(!denied.message.includes("other-token"), denied.message);

  // A metadata server without a service account for the pod.
  await using bare = startGcsServer();
  await assertStorageError(
    createStorage({ gcs: { ...base, metadataHost: bare.host } }).read("gs://b/k"),
    { code: "USER:AccessDenied", operation: "read", uri: "gs://b/k" },
  );

  // A credentials file that is not one.
  const notJson = await tempFile(new TextEncoder().encode("not json"));
  try {
    await assertStorageError(
      createStorage({ gcs: { ...base, credentialsFile: notJson } }).read("gs://b/k"),
      { code: "USER:InvalidConfig", operation: "read", uri: "gs://b/k" },
    );
  } finally {
    await Deno.remove(notJson);
  }

  // A missing bucket names it.
  const storage = createStorage({ gcs: { ...base, metadataHost: server.host } });
  const error = await assertStorageError(storage.read("gs://missing-bucket/k"), {
    code: "USER:NotFound",
    operation: "read",
    uri: "gs://missing-bucket/k",
  });
  assertStringIncludes(error.message, `bucket "missing-bucket" does not exist`);
  assertEquals(await storage.exists("gs://b/nothing"), false);
});

Deno.test("gcs: anonymous access sends no credentials and asks no token source", async () => {
  await using server = startGcsServer();
  const storage = createStorage({
    env: { FLYTESHIM_GCS_ENDPOINT: server.endpoint, FLYTESHIM_GCS_ANONYMOUS: "true" },
  });
  await storage.write("gs://public/a.txt", pattern(4));
  assertEquals(await storage.read("gs://public/a.txt"), pattern(4));
  assertEquals(server.requests.map((r) => r.authorization), [null, null]);
});
