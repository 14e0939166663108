/**
 * Child-process probe for the https storage test: the CAs a Deno process trusts are fixed when it
 * starts (`--cert`, `DENO_CERT`, `DENO_TLS_CA_STORE`), so reads through a throwaway CA run here.
 *
 * `deno run -A [--cert ca.pem] _testing/https_probe.ts URI MISSING_URI OUT_DIR` reads URI into
 * `OUT_DIR/read.bin`, downloads it to `OUT_DIR/download.bin`, asks whether URI and MISSING_URI
 * exist and reads MISSING_URI, with two quick retries; it prints one JSON object holding each
 * operation's result or its error (code, origin, recoverable, operation, uri, message).
 *
 * @module
 */

import { StorageError } from "../errors.ts";
import { createStorage } from "../storage/mod.ts";

/** One operation's outcome as the probe prints it. */
export type ProbeOutcome =
  | { ok: unknown }
  | {
    error: {
      name: string;
      code?: string;
      origin?: string;
      recoverable?: boolean;
      operation?: string;
      uri?: string;
      message: string;
    };
  };

/** What the probe prints: one outcome per operation. */
export interface ProbeReport {
  read: ProbeOutcome;
  download: ProbeOutcome;
  exists: ProbeOutcome;
  existsMissing: ProbeOutcome;
  readMissing: ProbeOutcome;
}

async function outcome(work: () => Promise<unknown>): Promise<ProbeOutcome> {
  try {
    return { ok: await work() };
  } catch (error) {
    if (error instanceof StorageError) {
      const { name, code, origin, recoverable, operation, uri, message } = error;
      return { error: { name, code, origin, recoverable, operation, uri, message } };
    }
    return { error: { name: String((error as Error)?.name), message: String(error) } };
  }
}

if (import.meta.main) {
  const [uri, missing, out] = Deno.args;
  const storage = createStorage({ http: { retries: 2, backoffSeconds: 0.05 } });
  const report: ProbeReport = {
    read: await outcome(async () => {
      const bytes = await storage.read(uri);
      await Deno.writeFile(`${out}/read.bin`, bytes);
      return bytes.length;
    }),
    download: await outcome(async () => {
      await storage.download(uri, `${out}/download.bin`);
      return true;
    }),
    exists: await outcome(() => storage.exists(uri)),
    existsMissing: await outcome(() => storage.exists(missing)),
    readMissing: await outcome(() => storage.read(missing)),
  };
  console.log(JSON.stringify(report));
}
