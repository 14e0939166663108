// The http(s) backend over TLS: a Deno.serve https server whose certificate a throwaway CA (made
// with `openssl`, _testing/tls.ts) signed, reached through a TCP relay that counts connections.
// The CAs a Deno process trusts are fixed at start-up, so the reads run in a child process
// (_testing/https_probe.ts) trusting the CA through `--cert`, `DENO_CERT`, or the image's setting
// (`DENO_TLS_CA_STORE=system,mozilla` with the system store at `SSL_CERT_FILE`), or not at all; and a
// SQLite3 task whose `uri` is https runs through the program (_testing/propeller.ts).
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals } from "@std/assert";
import { crossCheck, OPENSSL } from "../_testing/tools.ts";
import { decodeLiteralMap, decodeTaskTemplate, jsonToStruct, structToJson } from "../idl/mod.ts";
import { readParquet } from "../_testing/duckdb.ts";
import type { ProbeOutcome, ProbeReport } from "../_testing/https_probe.ts";
import { runPropeller } from "../_testing/propeller.ts";
import { disposable } from "../_testing/service.ts";
import { assertFailed, userError } from "../_testing/reliability.ts";
import { FIXTURE_DIR, TEMPLATE_DIR } from "../_testing/sqlite3.ts";
import { pattern } from "../_testing/storage_conformance.ts";
import { createCertificateAuthority, issueCertificate } from "../_testing/tls.ts";

const PROBE = new URL("../_testing/https_probe.ts", import.meta.url).pathname;

/** A TCP relay on a free loopback port to `127.0.0.1:<target>`, counting the connections. */
function countingRelay(target: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const pipes = new Set<Promise<void>>();
  let connections = 0;
  const close = (conn: Deno.Conn) => {
    if (!open.delete(conn)) return;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };
  const pump = async (from: Deno.Conn, to: Deno.Conn) => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) return;
        for (let done = 0; done < n;) done += await to.write(buffer.subarray(done, n));
      }
    } catch {
      // Either side went away.
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        connections++;
        open.add(conn);
        const pipe = (async () => {
          try {
            const upstream = await Deno.connect({ hostname: "127.0.0.1", port: target });
            open.add(upstream);
            await Promise.race([pump(conn, upstream), pump(upstream, conn)]);
            close(upstream);
          } finally {
            close(conn);
          }
        })().catch(() => {});
        pipes.add(pipe);
        pipe.finally(() => pipes.delete(pipe));
      }
    } catch {
      // The listener was closed.
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get connections() {
      return connections;
    },
    async stop() {
      listener.close();
      for (const conn of [...open]) close(conn);
      await accepting;
      await Promise.all([...pipes]);
    },
  };
}

/** A throwaway CA, an https server (certificate for localhost) serving `files`, and a relay. */
async function serveTls(files: Record<string, Uint8Array<ArrayBuffer>>) {
  const dir = await tempDir({ prefix: "flyteshim-https-" });
  const ca = await createCertificateAuthority(dir, { keyType: "ec" });
  const cert = await issueCertificate(ca, { name: "server", cn: "localhost", server: true });
  const requests: string[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(cert.cert),
    key: await Deno.readTextFile(cert.key),
    onListen() {},
    // A handshake the client aborts is logged by default: expected here.
    onError: () => new Response("error", { status: 500 }),
  }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(`${req.method} ${path}`);
    const body = files[path];
    if (!body) return new Response("not found", { status: 404 });
    const headers = { "content-length": String(body.length) };
    return new Response(req.method === "HEAD" ? null : body, { headers });
  });
  const relay = countingRelay(server.addr.port);
  return disposable({
    ca: ca.cert,
    base: `https://localhost:${relay.port}`,
    dir,
    requests,
    relay,
    async stop() {
      await relay.stop();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  });
}

/** The few host variables a Deno child needs; no CA settings leak in from this process. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { DENO_NO_UPDATE_CHECK: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function probe(
  uri: string,
  missing: string,
  options: { flags?: string[]; env?: Record<string, string> },
): Promise<{ report: ProbeReport; out: string }> {
  const out = await tempDir({ prefix: "flyteshim-https-probe-" });
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", ...options.flags ?? [], PROBE, uri, missing, out],
    env: { ...baseEnv(), ...options.env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(run.stdout);
  assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
  return { report: JSON.parse(stdout) as ProbeReport, out };
}

function ok(outcome: ProbeOutcome): unknown {
  assert("ok" in outcome, JSON.stringify(outcome));
  return outcome.ok;
}

Deno.test({
  ...crossCheck(
    "https storage: read and download through a trusted CA; an untrusted certificate is USER:InvalidConfig at once",
    OPENSSL,
  ),
}, async (t) => {
  const data = pattern(300_000);
  await using site = await serveTls({ "/db/a.bin": data });
  const uri = `${site.base}/db/a.bin`;
  const missing = `${site.base}/db/missing.bin`;
  const trusted: [string, { flags?: string[]; env?: Record<string, string> }][] = [
    ["deno run --cert <ca>", { flags: ["--cert", site.ca] }],
    ["DENO_CERT=<ca>", { env: { DENO_CERT: site.ca } }],
    ["DENO_TLS_CA_STORE=system,mozilla and SSL_CERT_FILE=<ca> (the image's setting)", {
      env: { DENO_TLS_CA_STORE: "system,mozilla", SSL_CERT_FILE: site.ca },
    }],
  ];
  for (const [name, options] of trusted) {
    await t.step(`trusted through ${name}: the bytes arrive; 404 is USER:NotFound`, async () => {
      const before = site.requests.length;
      const { report, out } = await probe(uri, missing, options);
      try {
        assertEquals(ok(report.read), data.length);
        assertEquals(await Deno.readFile(`${out}/read.bin`), data);
        assertEquals(ok(report.download), true);
        assertEquals(await Deno.readFile(`${out}/download.bin`), data);
        assertEquals([ok(report.exists), ok(report.existsMissing)], [true, false]);
        assertEquals("error" in report.readMissing && report.readMissing.error, {
          name: "StorageError",
          code: "USER:NotFound",
          origin: "user",
          recoverable: false,
          operation: "read",
          uri: missing,
          message: `Cannot read "${missing}": object does not exist (HTTP 404 Not Found)`,
        });
        assertEquals(site.requests.slice(before), [
          "GET /db/a.bin",
          "GET /db/a.bin",
          "HEAD /db/a.bin",
          "HEAD /db/missing.bin",
          "GET /db/missing.bin",
        ]);
      } finally {
        await Deno.remove(out, { recursive: true });
      }
    });
  }

  await t.step(
    "untrusted: USER:InvalidConfig naming the verdict, one connection per call (not retried)",
    async () => {
      const before = { requests: site.requests.length, connections: site.relay.connections };
      const { report, out } = await probe(uri, missing, {});
      try {
        const outcomes: [ProbeOutcome, string, string][] = [
          [report.read, "read", uri],
          [report.download, "download", uri],
          [report.exists, "exists", uri],
          [report.existsMissing, "exists", missing],
          [report.readMissing, "read", missing],
        ];
        for (const [outcome, operation, uri] of outcomes) {
          assertEquals("error" in outcome && outcome.error, {
            name: "StorageError",
            code: "USER:InvalidConfig",
            origin: "user",
            recoverable: false,
            operation,
            uri,
            message:
              `Cannot ${operation} "${uri}": the server's TLS certificate was not accepted: invalid peer certificate: UnknownIssuer`,
          });
        }
        // The client gave up in the handshake: no request reached the server, and each call
        // opened one connection although the probe allows two retries.
        assertEquals(site.requests.length - before.requests, 0);
        assertEquals(site.relay.connections - before.connections, 5);
        // Nothing was written for the failed download.
        assertEquals([...Deno.readDirSync(out)], []);
      } finally {
        await Deno.remove(out, { recursive: true });
      }
    },
  );
});

Deno.test({
  ...crossCheck(
    "https storage: a SQLite3 task whose uri is https runs through the program",
    OPENSSL,
  ),
}, async (t) => {
  await using site = await serveTls({
    "/db/chinook-mini.db": await Deno.readFile(`${FIXTURE_DIR}chinook-mini.db`),
  });
  const template = decodeTaskTemplate(await Deno.readFile(`${TEMPLATE_DIR}template.pb`));
  const custom = structToJson(template.custom!) as Record<string, unknown>;
  const uri = `${site.base}/db/chinook-mini.db`;
  template.custom = jsonToStruct({ ...custom, uri } as never);
  const inputs = decodeLiteralMap(await Deno.readFile(`${TEMPLATE_DIR}inputs.pb`));

  await t.step("DENO_CERT trusts the CA: flytekit's expected rows", async () => {
    const run = await runPropeller({
      template,
      inputs,
      env: { DENO_CERT: site.ca },
      timeoutMs: 30_000,
    });
    assertEquals([run.code, run.files], [0, ["outputs.pb"]], run.error?.message ?? run.stderr);
    const dataset = run.outputs!.literals!.results.scalar!.structuredDataset!;
    const local = `${site.dir}/00000`;
    await run.storage.download(`${dataset.uri}/00000`, local);
    const table = await readParquet(local);
    const expected = await readParquet(`${FIXTURE_DIR}expected-results.parquet`);
    assertEquals(table.columns, expected.columns);
    assertEquals(table.rows, expected.rows);
    assert(table.rows.length > 0);
  });

  await t.step("no CA trusted: error.pb USER:InvalidConfig, non-recoverable", async () => {
    const run = await runPropeller({ template, inputs, timeoutMs: 30_000 });
    assertFailed(run, userError("USER:InvalidConfig"), 0);
    assertEquals(
      run.error!.message,
      `Cannot download "${uri}": the server's TLS certificate was not accepted: invalid peer certificate: UnknownIssuer`,
    );
  });
});
