/**
 * Test harness: throwaway certificate authorities and the certificates they sign, made with the
 * `openssl` command (servers' certificates for 127.0.0.1 and localhost, clients' certificates
 * whose common name is a database user). Keys are unencrypted PEM files, mode 0600.
 *
 * @example A CA, a server certificate and a client certificate
 * ```ts ignore
 * import { createCertificateAuthority, issueCertificate } from "./tls.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const ca = await createCertificateAuthority(dir);
 * const server = await issueCertificate(ca, { name: "server", cn: "localhost", server: true });
 * const client = await issueCertificate(ca, { name: "client", cn: "app_user" });
 * console.log(ca.cert, server.cert, client.key);
 * ```
 *
 * @module
 */

/** A certificate authority whose files live in `dir`. */
export interface CertificateAuthority {
  /** The folder holding the CA's files and the certificates it issues. */
  dir: string;
  /** The CA certificate (PEM file path). */
  cert: string;
  /** The CA key (PEM file path). */
  key: string;
}

/** A certificate and its key. */
export interface IssuedCertificate {
  /** The certificate (PEM file path). */
  cert: string;
  /** The private key (PEM file path, mode 0600). */
  key: string;
}

/** Options of {@linkcode issueCertificate}. */
export interface IssueOptions {
  /** Base name of the files, `<name>.crt` and `<name>.key` in the CA's folder. */
  name: string;
  /** The subject's common name (a client certificate's CN is the database user). */
  cn: string;
  /** A server certificate: subject alternative names IP:127.0.0.1 and DNS:localhost. */
  server?: boolean;
  /** Key algorithm. @default "ec" (P-256: made in milliseconds; RSA takes ~0.1 s) */
  keyType?: "ec" | "rsa";
  /** Folder of the files. @default the CA's folder */
  dir?: string;
}

/** Runs `openssl` in `cwd`; a failure throws with its stderr. */
export async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl failed: ${new TextDecoder().decode(out.stderr)}`);
}

function newKey(type: "ec" | "rsa"): string[] {
  return type === "rsa"
    ? ["-newkey", "rsa:2048", "-nodes"]
    : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
}

/**
 * Creates a self-signed CA (`<prefix>ca.crt`, `<prefix>ca.key`) in `dir`, valid for two days.
 *
 * @param options.prefix File name prefix, for a second CA in the same folder. @default ""
 * @param options.keyType Key algorithm. @default "rsa"
 */
export async function createCertificateAuthority(
  dir: string,
  options: { name?: string; prefix?: string; keyType?: "ec" | "rsa" } = {},
): Promise<CertificateAuthority> {
  const prefix = options.prefix ?? "";
  await openssl([
    "req",
    "-x509",
    ...newKey(options.keyType ?? "rsa"),
    "-keyout",
    `${prefix}ca.key`,
    "-out",
    `${prefix}ca.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${options.name ?? "flyteshim test CA"}`,
  ], dir);
  await Deno.chmod(`${dir}/${prefix}ca.key`, 0o600);
  return { dir, cert: `${dir}/${prefix}ca.crt`, key: `${dir}/${prefix}ca.key` };
}

/** Issues a certificate signed by `ca`, valid for two days. */
export async function issueCertificate(
  ca: CertificateAuthority,
  options: IssueOptions,
): Promise<IssuedCertificate> {
  const dir = options.dir ?? ca.dir;
  const { name } = options;
  await openssl([
    "req",
    ...newKey(options.keyType ?? "ec"),
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${options.cn}`,
  ], dir);
  await Deno.writeTextFile(
    `${dir}/${name}.ext`,
    options.server
      ? "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
      : "extendedKeyUsage=clientAuth\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-set_serial",
    String(Date.now() * 1000 + Math.floor(Math.random() * 1000)),
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ], dir);
  await Deno.chmod(`${dir}/${name}.key`, 0o600);
  return { cert: `${dir}/${name}.crt`, key: `${dir}/${name}.key` };
}
