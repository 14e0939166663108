/**
 * TLS files of a SQL connection: the CA certificate (`sslrootcert` / `ssl_ca`), the client
 * certificate (`sslcert` / `ssl_cert`) and its key (`sslkey` / `ssl_key`).
 *
 * Each option holds a PEM file path, as for libpq and PyMySQL, or the PEM text itself: flytekit
 * puts a secret's value (not its file path) into `connect_args`, so a key kept in a Flyte secret
 * arrives as text. The files are read and checked before connecting, so that a wrong setting is
 * `USER:InvalidConfig` naming the option rather than a TLS failure the server reports as something
 * else (a key that does not match its certificate fails the handshake as "unsupported protocol").
 * Messages name file paths, never PEM text.
 *
 * @module
 */

import { UserError } from "../../errors.ts";
import type { ConnectOptions } from "./connect_options.ts";

/** PEM text for the TLS client options of `node:tls`. */
export interface TlsFiles {
  /** CA certificates that verify the server (`sslrootcert`). */
  ca?: string;
  /** The client certificate (`sslcert`). */
  cert?: string;
  /** The client certificate's private key (`sslkey`). */
  key?: string;
}

type Role = keyof TlsFiles;

const OPTION_NAMES: Record<ConnectOptions["dialect"], Record<Role, string>> = {
  postgresql: { ca: "sslrootcert", cert: "sslcert", key: "sslkey" },
  mysql: { ca: "ssl_ca", cert: "ssl_cert", key: "ssl_key" },
};

const CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const CERTIFICATE_BLOCKS = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----[^-]+-----END \1-----/;
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;

function isPemText(value: string): boolean {
  // PEM text may come after a preamble (openssl's "Bag Attributes" lines); a path has no newline.
  return /-----BEGIN [A-Z0-9 ]+-----/.test(value) && value.includes("\n");
}

async function readPem(name: string, value: string): Promise<{ text: string; shown: string }> {
  if (isPemText(value)) return { text: value, shown: "the PEM text given" };
  const shown = `file "${value}"`;
  try {
    return { text: await Deno.readTextFile(value), shown };
  } catch (error) {
    const detail = error instanceof Deno.errors.NotFound
      ? "does not exist"
      : `cannot be read: ${(error as Error).message}`;
    throw invalid(name, `${shown} ${detail}`, error);
  }
}

function invalid(name: string, detail: string, cause?: unknown): UserError {
  return new UserError(`Cannot use connection option "${name}": ${detail}`, {
    code: "USER:InvalidConfig",
    cause,
  });
}

/**
 * Reads and checks the TLS files of a connection: every given file exists and holds PEM of the
 * right kind, a client certificate comes with its key (in `sslkey`, or in the certificate's own
 * file), the key is not encrypted (libpq's `sslpassword` is not supported) and matches the
 * certificate.
 *
 * @throws {UserError} `USER:InvalidConfig` naming the option.
 * @example PEM text as a secret's value, and a missing file
 * ```ts
 * import { readTlsFiles } from "./tls.ts";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const base = { dialect: "postgresql", host: "db", port: 5432, sslmode: "verify-full" } as const;
 * const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
 * assertEquals(await readTlsFiles({ ...base, sslrootcert: ca }), { ca });
 * const error = await assertRejects(() => readTlsFiles({ ...base, sslcert: "/nope/client.crt" }));
 * assertEquals(
 *   (error as Error).message,
 *   'Cannot use connection option "sslcert": file "/nope/client.crt" does not exist',
 * );
 * ```
 */
export async function readTlsFiles(options: ConnectOptions): Promise<TlsFiles> {
  const names = OPTION_NAMES[options.dialect];
  const out: TlsFiles = {};
  // libpq's sslrootcert=system: the default trust store (no CA of our own).
  const systemRoots = options.dialect === "postgresql" && options.sslrootcert === "system";
  if (options.sslrootcert && !systemRoots) {
    const { text, shown } = await readPem(names.ca, options.sslrootcert);
    if (!CERTIFICATE.test(text)) throw invalid(names.ca, `${shown} holds no PEM certificate`);
    out.ca = text;
  }
  if (options.sslkey && !options.sslcert) {
    throw invalid(names.key, `a key needs its certificate: set "${names.cert}" too`);
  }
  if (!options.sslcert) return out;
  const cert = await readPem(names.cert, options.sslcert);
  if (!CERTIFICATE.test(cert.text)) {
    throw invalid(names.cert, `${cert.shown} holds no PEM certificate`);
  }
  // Without a key option the key may sit in the certificate's file (as Python's load_cert_chain).
  const key = options.sslkey ? await readPem(names.key, options.sslkey) : cert;
  const keyName = options.sslkey ? names.key : names.cert;
  if (ENCRYPTED_KEY.test(key.text)) {
    throw invalid(
      keyName,
      `${key.shown} holds an encrypted private key: only unencrypted keys are supported` +
        " (decrypt it with `openssl pkey`)",
    );
  }
  const keyBlock = key.text.match(PRIVATE_KEY_BLOCK)?.[0];
  if (!keyBlock) {
    throw invalid(
      keyName,
      options.sslkey
        ? `${key.shown} holds no PEM private key`
        : `a certificate needs its private key: set "${names.key}"`,
    );
  }
  // The certificate (and any chain after it) without a key that shares its file.
  const certBlocks = cert.text.match(CERTIFICATE_BLOCKS)?.join("\n") ?? "";
  const { X509Certificate, createPrivateKey } = await import("node:crypto");
  let certificate;
  try {
    certificate = new X509Certificate(certBlocks);
  } catch (error) {
    throw invalid(names.cert, `${cert.shown} holds no valid certificate`, error);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(keyBlock);
  } catch (error) {
    throw invalid(keyName, `${key.shown} holds no valid private key`, error);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw invalid(
      keyName,
      `the private key in ${key.shown} does not belong to the certificate in ${cert.shown}`,
    );
  }
  out.cert = certBlocks + "\n";
  out.key = keyBlock + "\n";
  return out;
}
