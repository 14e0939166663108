// The read-only http(s):// backend against a local web server (Deno.serve on 127.0.0.1): the
// read-only part of the conformance suite, retries through the faulty proxy, and classified errors.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { dirname } from "node:path";
import { errorMessage } from "../entrypoint/error_document.ts";
import { createStorage } from "../storage/mod.ts";
import { type Fault, startFaultyProxy } from "../_testing/faulty_proxy.ts";
import { disposable } from "../_testing/service.ts";
import {
  assertStorageError,
  pattern,
  storageConformance,
} from "../_testing/storage_conformance.ts";

interface FileServer extends AsyncDisposable {
  base: string;
  port: number;
  dir: string;
  requests: string[];
  stop(): Promise<void>;
}

/**
 * Serves a folder: GET and HEAD, 404 for missing files, 403 below /private/, 405 HEAD below
 * /nohead/.
 */
async function serveFolder(): Promise<FileServer> {
  const dir = await tempDir({ prefix: "http-storage-" });
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const path = decodeURIComponent(url.pathname);
    if (path.startsWith("/private/")) return new Response("no", { status: 403 });
    if (path.startsWith("/nohead/") && req.method === "HEAD") {
      return new Response(null, { status: 405 });
    }
    try {
      const file = await Deno.open(`${dir}${path}`);
      const { size, isFile } = await file.stat();
      if (!isFile) {
        file.close();
        return new Response("not found", { status: 404 });
      }
      const headers = { "content-length": String(size) };
      if (req.method === "HEAD") {
        file.close();
        return new Response(null, { headers });
      }
      return new Response(file.readable, { headers });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  const port = server.addr.port;
  return disposable({
    base: `http://127.0.0.1:${port}`,
    port,
    dir,
    requests,
    async stop() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  });
}

async function put(server: FileServer, path: string, data: Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(`${server.dir}${path}`), { recursive: true });
  await Deno.writeFile(`${server.dir}${path}`, data);
}

Deno.test("http: http storage conforms (read-only part)", async (t) => {
  await using server = await serveFolder();
  let n = 0;
  await storageConformance(t, {
    storage: createStorage(),
    prefix: () => `${server.base}/case${n++}`,
    readOnly: true,
    seed: (uri, data) => put(server, decodeURIComponent(new URL(uri).pathname), data),
  });
});

Deno.test("http: 5xx, resets and cut bodies are retried, then succeed", async () => {
  await using server = await serveFolder();
  await using proxy = startFaultyProxy(server.port);
  await put(server, "/db/chinook.db", pattern(200_000));
  const storage = createStorage({ http: { retries: 3, backoffSeconds: 0.01 } });
  const dir = await tempDir();
  for (const fault of ["503", "500", "reset", "truncate"] as Fault[]) {
    const before = proxy.requests;
    proxy.fail(2, fault);
    assertEquals(await storage.read(`${proxy.endpoint}/db/chinook.db`), pattern(200_000));
    assertEquals([proxy.pending, proxy.requests - before], [0, 3], fault);
    proxy.fail(2, fault);
    await storage.download(`${proxy.endpoint}/db/chinook.db`, `${dir}/${fault}.db`);
    assertEquals(await Deno.readFile(`${dir}/${fault}.db`), pattern(200_000), fault);
  }
  proxy.fail(1, "503");
  assertEquals(await storage.exists(`${proxy.endpoint}/db/chinook.db`), true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("http: failures that outlast the retries are recoverable SYSTEM errors", async () => {
  await using server = await serveFolder();
  await using proxy = startFaultyProxy(server.port);
  await put(server, "/a.db", pattern(10));
  const storage = createStorage({ http: { retries: 2, backoffSeconds: 0.01 } });
  proxy.fail(5, "503");
  const uri = `${proxy.endpoint}/a.db`;
  const error = await assertStorageError(storage.read(uri), {
    code: "SYSTEM:StorageError",
    operation: "read",
    uri,
    recoverable: true,
  });
  assertStringIncludes(error.message, "HTTP 503");
  assertStringIncludes(error.message, "after 3 attempts");
  await proxy.stop();
  // Nothing listens any more: connection refused, retried, then SYSTEM.
  await assertStorageError(storage.download(uri, "/tmp/never-written"), {
    code: "SYSTEM:StorageError",
    operation: "download",
    recoverable: true,
  });
});

Deno.test("http: a stalled answer times out and is retried", async () => {
  await using server = await serveFolder();
  await using proxy = startFaultyProxy(server.port);
  await put(server, "/a.db", pattern(10));
  const storage = createStorage({ http: { timeoutSeconds: 0.3, backoffSeconds: 0.01 } });
  proxy.fail(1, "stall");
  assertEquals(await storage.read(`${proxy.endpoint}/a.db`), pattern(10));
  assertEquals(proxy.requests, 2);
});

Deno.test("http: stalled attempts count in the message of the failure", async () => {
  await using server = await serveFolder();
  await using proxy = startFaultyProxy(server.port);
  await put(server, "/a.db", pattern(10));
  const storage = createStorage({
    http: { timeoutSeconds: 0.2, retries: 1, backoffSeconds: 0.01 },
  });
  proxy.fail(2, "stall");
  const error = await assertStorageError(storage.read(`${proxy.endpoint}/a.db`), {
    code: "SYSTEM:StorageError",
    operation: "read",
    recoverable: true,
  });
  assertStringIncludes(error.message, "no progress for 0.2 s (after 2 attempts)");
  assertEquals(proxy.requests, 2);
});

Deno.test("http: 404 and 403 are USER errors at once; URLs are redacted in errors", async () => {
  await using server = await serveFolder();
  const storage = createStorage();
  const before = server.requests.length;
  const missing = `${server.base}/missing.db`;
  const notFound = await assertStorageError(storage.read(missing), {
    code: "USER:NotFound",
    operation: "read",
    uri: missing,
    recoverable: false,
  });
  assertEquals(
    notFound.message,
    `Cannot read "${missing}": object does not exist (HTTP 404 Not Found)`,
  );
  assertEquals(server.requests.length - before, 1, "a 404 is not retried");

  // A signed URL: its signature never reaches a message.
  const signed = `${server.base}/private/db.sqlite?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA`;
  const denied = await assertStorageError(storage.download(signed, "/tmp/never-written"), {
    code: "USER:AccessDenied",
    operation: "download",
    recoverable: false,
  });
  assert(
    !denied.message.includes("deadbeef") && !denied.message.includes("AKIA"),
    denied.message,
  );
  assertStringIncludes(denied.message, `${server.base}/private/db.sqlite?***`);
  assertEquals(server.requests.length - before, 2);
});

Deno.test("http: exists falls back to a one-byte GET when HEAD is refused", async () => {
  await using server = await serveFolder();
  await put(server, "/nohead/a.db", pattern(10));
  const storage = createStorage();
  assertEquals(await storage.exists(`${server.base}/nohead/a.db`), true);
  assertEquals(await storage.exists(`${server.base}/nohead/b.db`), false);
  assertEquals(server.requests.slice(-2), ["HEAD /nohead/b.db", "GET /nohead/b.db"]);
});

Deno.test("http: a refused connection names its reason; no cause carries a signed URL's query", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there any more
  const storage = createStorage({ http: { retries: 1, backoffSeconds: 0.01 } });
  const signed = `http://127.0.0.1:${port}/db.sqlite?X-Amz-Signature=deadbeef`;
  const error = await assertStorageError(storage.read(signed), {
    code: "SYSTEM:StorageError",
    operation: "read",
    uri: `http://127.0.0.1:${port}/db.sqlite?***`,
    recoverable: true,
  });
  assertStringIncludes(error.message, "Connection refused");
  assertStringIncludes(error.message, "(after 2 attempts)");
  // What error.pb and the log get: the message and every cause below it.
  const document = errorMessage(error);
  assert(!document.includes("deadbeef"), document);
  assert(!document.includes("fetch failed"), document);
});
