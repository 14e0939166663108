/**
 * Child-process probe for the private-CA and Entra ID tests: the Node-based SDKs read
 * `NODE_EXTRA_CA_CERTS` only when the process starts, so these cases run in a fresh process.
 *
 * `deno run -A _testing/cloud_probe.ts <prefix URI>` writes, reads, lists and checks one object
 * below the prefix with settings from the environment, and prints `{"ok":true}` or the
 * StorageError's code and message as JSON. With `PROBE_AZURE_CONTAINER` set, it first creates that
 * container on Azurite with the development key (over the same TLS).
 *
 * @module
 */

import { StorageError } from "../errors.ts";
import { createStorage } from "../storage/mod.ts";

const [prefix] = Deno.args;
const container = Deno.env.get("PROBE_AZURE_CONTAINER");
if (container) {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
  const { AZURITE_ACCOUNT } = await import("./azurite.ts");
  await new BlobServiceClient(
    Deno.env.get("PROBE_AZURE_ENDPOINT")!,
    new StorageSharedKeyCredential(AZURITE_ACCOUNT.name, AZURITE_ACCOUNT.key),
  ).getContainerClient(container).createIfNotExists();
}
try {
  const storage = createStorage();
  const data = new TextEncoder().encode("probe");
  await storage.write(`${prefix}/probe.txt`, data);
  const back = new TextDecoder().decode(await storage.read(`${prefix}/probe.txt`));
  const listed = await storage.list(prefix);
  if (back !== "probe" || !listed.includes(`${prefix}/probe.txt`)) {
    throw new Error(`round trip failed: ${back} ${listed}`);
  }
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  if (!(error instanceof StorageError)) throw error;
  console.log(
    JSON.stringify({ code: error.code, message: error.message, cause: String(error.cause) }),
  );
}
