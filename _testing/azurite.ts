/**
 * Test harness: Microsoft's Azure Storage emulator (`azurite-blob` from npm, run by Node.js) in a
 * child process on a free loopback port, with its own temporary data folder, waited on until it
 * answers. Its account is Azurite's well-known development account.
 *
 * ```ts ignore
 * await using azurite = await startAzurite({ containers: ["flyte"] });
 * // azurite.env: AZURE_STORAGE_* and FLYTESHIM_AZURE_BLOB_ENDPOINT for a child process
 * ```
 *
 * @module
 */

import type { AzureConfig } from "../storage/config.ts";
import { disposable, ensureInstalled, freePort, stopChild } from "./service.ts";

/** Azurite's development account and its published key. */
export const AZURITE_ACCOUNT = {
  name: "devstoreaccount1",
  key: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
} as const;

/** Options of {@linkcode startAzurite}. */
export interface AzuriteOptions {
  /** Containers created once it listens. */
  containers?: string[];
  /** Extra command-line arguments (`--oauth basic`, `--cert`, ...). */
  args?: string[];
}

/** A running Azurite. */
export interface AzuriteHandle extends AsyncDisposable {
  /** The blob endpoint of the account, `http://127.0.0.1:<port>/devstoreaccount1`. */
  endpoint: string;
  /** The bound port. */
  port: number;
  /** Settings for a flyteshim process (account name, key, endpoint override). */
  env: Record<string, string>;
  /** The same settings as an AzureConfig, with quick retries for tests. */
  config: AzureConfig;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts azurite-blob and waits until it answers HTTP. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const directory = await Deno.makeTempDir({ prefix: "azurite-" });
  const main = await ensureInstalled("node_modules/azurite/dist/src/blob/main.js");
  const port = freePort();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("node", {
      args: [
        main,
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        String(port),
        "--location",
        directory,
        // The SDK speaks a newer API version than Azurite announces.
        "--skipApiVersionCheck",
        "--silent",
        "--disableTelemetry",
        ...(options.args ?? []),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (cause) {
    await Deno.remove(directory, { recursive: true }).catch(() => {});
    throw new Error("Cannot start azurite: Node.js (`node`) is not on PATH", { cause });
  }
  const stderr = new Response(child.stderr).text();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Azurite sometimes ignores SIGTERM for seconds: a kill after a short grace.
    await stopChild(child, { killAfterMs: 1_500 });
    await stderr.catch(() => {});
    await Deno.remove(directory, { recursive: true }).catch(() => {});
  };
  const scheme = options.args?.includes("--cert") ? "https" : "http";
  const endpoint = `${scheme}://127.0.0.1:${port}/${AZURITE_ACCOUNT.name}`;
  try {
    const deadline = Date.now() + 30_000;
    while (true) {
      const exited = await Promise.race([child.status, delay(100).then(() => undefined)]);
      if (exited) throw new Error(`azurite exited before listening: ${await stderr}`);
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        conn.close();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error("azurite did not listen within 30 s");
      }
    }
    const config: AzureConfig = {
      accountName: AZURITE_ACCOUNT.name,
      accountKey: AZURITE_ACCOUNT.key,
      endpoint: `${scheme}://127.0.0.1:${port}/{account}`,
      retries: 2,
      backoffSeconds: 0.05,
      maxRetryDelaySeconds: 0.2,
    };
    if (options.containers?.length) {
      const { BlobServiceClient, StorageSharedKeyCredential } = await import(
        "@azure/storage-blob"
      );
      const client = new BlobServiceClient(
        endpoint,
        new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key),
      );
      for (const name of options.containers) await client.getContainerClient(name).create();
    }
    return disposable<Omit<AzuriteHandle, typeof Symbol.asyncDispose>>({
      endpoint,
      port,
      env: {
        AZURE_STORAGE_ACCOUNT_NAME: AZURITE_ACCOUNT.name,
        AZURE_STORAGE_ACCOUNT_KEY: AZURITE_ACCOUNT.key,
        FLYTESHIM_AZURE_BLOB_ENDPOINT: config.endpoint!,
        FLYTESHIM_AZURE_RETRIES: "2",
      },
      config,
      stop,
    });
  } catch (error) {
    await stop();
    throw error;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
