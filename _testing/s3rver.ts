/**
 * Test harness: a real S3-compatible server (`s3rver` from npm, run by Node.js) in a child process
 * on a free loopback port, with its own temporary data folder. Other suites reuse it:
 *
 * ```ts ignore
 * await using s3 = await startS3rver({ buckets: ["flyte"] });
 * // s3.env holds FLYTE_AWS_* for a child process, s3.config an S3Config for createStorage
 * ```
 *
 * @module
 */

import { tempDir } from "./temp.ts";
import type { S3Config } from "../storage/config.ts";
import { disposable, ensureInstalled, stopChild } from "./service.ts";

/** Options of {@linkcode startS3rver}. */
export interface S3rverOptions {
  /** Buckets created at start-up. */
  buckets?: string[];
  /** Data folder to reuse (a restarted server keeps its objects); a new temp folder by default. */
  directory?: string;
  /** Port to bind; a free one by default. */
  port?: number;
}

/** A running s3rver. */
export interface S3rverHandle extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** The bound port. */
  port: number;
  /** The data folder (kept across restarts with the same `directory`). */
  directory: string;
  /** `FLYTE_AWS_*` variables pointing a flyteshim process at this server. */
  env: Record<string, string>;
  /** The same settings as an S3Config, with quick retries for tests. */
  config: S3Config;
  /** Stops the server; removes the data folder unless it was given. */
  stop(): Promise<void>;
}

/** The access key and secret s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

// Runs under Node: s3rver's continuation tokens use DES, which Deno's node:crypto lacks and Node 17+
// only offers with the legacy OpenSSL provider.
const SERVER_SCRIPT = `
const [dir, port, buckets] = process.argv.slice(1);
const S3rver = require(process.env.S3RVER_MODULE);
new S3rver({ address: "127.0.0.1", port: Number(port), directory: dir, silent: true,
  configureBuckets: JSON.parse(buckets).map((name) => ({ name, configs: [] })) })
  .run().then(({ port }) => console.log(JSON.stringify({ port })));
process.stdin.on("data", () => {}).on("end", () => process.exit(0));
`;

/** Starts s3rver in a child process (Node.js) and waits until it listens. */
export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverHandle> {
  const ownDir = options.directory === undefined;
  const directory = options.directory ?? await tempDir({ prefix: "flyteshim-s3rver-" });
  const module = await ensureInstalled("node_modules/s3rver");
  const command = new Deno.Command("node", {
    args: [
      "--openssl-legacy-provider",
      "-e",
      SERVER_SCRIPT,
      directory,
      String(options.port ?? 0),
      JSON.stringify(options.buckets ?? []),
    ],
    env: { S3RVER_MODULE: module },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  });
  let child: Deno.ChildProcess;
  try {
    child = command.spawn();
  } catch (cause) {
    throw new Error("Cannot start s3rver: Node.js (`node`) is not on PATH", { cause });
  }
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let port = 0;
  while (!port) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      if (ownDir) await Deno.remove(directory, { recursive: true }).catch(() => {});
      throw new Error(`s3rver exited before listening: ${buffered}`);
    }
    buffered += value;
    const line = /\{"port":(\d+)\}/.exec(buffered);
    if (line) port = Number(line[1]);
  }
  reader.releaseLock();
  const drained = child.stdout.cancel().catch(() => {});
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver prints its port once run() has created the buckets and listens; an answered request
  // (any status: this one is unsigned) confirms the HTTP server serves, not just the port.
  for (let attempt = 0;; attempt++) {
    try {
      await (await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2_000) })).body?.cancel();
      break;
    } catch (error) {
      if (attempt >= 50) {
        await stopChild(child, { closeStdin: true, signal: "SIGKILL" });
        if (ownDir) await Deno.remove(directory, { recursive: true }).catch(() => {});
        throw new Error(`s3rver listens on ${port} but does not answer`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let stopped = false;
  return disposable<Omit<S3rverHandle, typeof Symbol.asyncDispose>>({
    endpoint,
    port,
    directory,
    env: {
      FLYTE_AWS_ENDPOINT: endpoint,
      FLYTE_AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      FLYTE_AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: "us-east-1",
    },
    config: {
      endpoint,
      ...S3RVER_CREDENTIALS,
      region: "us-east-1",
      retries: 2,
      backoffSeconds: 0.05,
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child, { closeStdin: true });
      await drained;
      if (ownDir) await Deno.remove(directory, { recursive: true }).catch(() => {});
    },
  });
}
