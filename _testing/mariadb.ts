/**
 * Test harness: a throwaway MariaDB server from Debian's `mariadb-server` package (installed by
 * `.ci/setup`), run as `nobody` when the tests run as root, on a free loopback port, with a
 * password user `flyteshim` that may do everything; optionally with TLS and a user that logs in by
 * TLS client certificate (`clientCerts`, certificates from `./tls.ts`).
 *
 * @example Start and stop
 * ```ts ignore
 * import { startMariadb } from "./mariadb.ts";
 *
 * await using db = await startMariadb(); // stopped when the block ends, pass or fail
 * console.log(db.url); // mysql://flyteshim:...@127.0.0.1:PORT/app
 * ```
 *
 * @module
 */

import { tempDir } from "./temp.ts";
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
export interface MariadbServer extends AsyncDisposable {
  /** `mysql://flyteshim:password@127.0.0.1:port/app`. */
  url: string;
  /** Always `127.0.0.1`. */
  host: string;
  /** The TCP port. */
  port: number;
  /** The user name. */
  user: string;
  /** The user's password. */
  password: string;
  /**
   * With `clientCerts`: the CA that signed the server's certificate (SAN 127.0.0.1, localhost)
   * and the client's, the user that must log in with a client certificate, and that user's
   * certificate and key (PEM files).
   */
  clientTls?: {
    ca: CertificateAuthority;
    user: string;
  } & IssuedCertificate;
  /** Runs SQL as root through the socket with the `mariadb` client (for fixtures and checks). */
  sql(query: string): Promise<string>;
  /** Shutdown and removal of the data folder. */
  stop(): Promise<void>;
  /** SIGKILL of the server, then cleanup. */
  kill(): Promise<void>;
}

async function runClient(socket: string, query: string): Promise<string> {
  const out = await new Deno.Command("mariadb", {
    args: [
      "--no-defaults",
      "--default-character-set=utf8mb4",
      "-S",
      socket,
      "-u",
      "root",
      "-N",
      "-B",
      "-e",
      query,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`mariadb client failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Runs a query over TCP as a password user, as the tests connect. */
async function runTcpClient(
  port: number,
  user: string,
  password: string,
  query: string,
): Promise<string> {
  const out = await new Deno.Command("mariadb", {
    args: [
      "--no-defaults",
      "--protocol=TCP",
      "-h",
      "127.0.0.1",
      "-P",
      String(port),
      "-u",
      user,
      "--connect-timeout=2",
      "-N",
      "-B",
      "-e",
      query,
    ],
    env: { MYSQL_PWD: password },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`mariadb client (TCP) failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Options of {@linkcode startMariadb}. */
export interface StartMariadbOptions {
  /** The password of the user `flyteshim`. @default "maria-secret-pw" */
  password?: string;
  /**
   * Serve TLS with a throwaway CA (`--ssl-ca`, `--ssl-cert`, `--ssl-key`) and add a user
   * `tls_user` without password that must present a certificate that CA signed
   * (`REQUIRE X509`). The user `flyteshim` keeps password authentication, with or without TLS.
   */
  clientCerts?: boolean;
}

/** The user that logs in with a client certificate (`clientCerts`). */
const TLS_USER = "tls_user";

/**
 * Initialises a data folder and starts MariaDB on a free loopback port.
 *
 * @example
 * ```ts ignore
 * await using db = await startMariadb({ password: "pw" });
 * ```
 */
export async function startMariadb(options: StartMariadbOptions = {}): Promise<MariadbServer> {
  const password = options.password ?? "maria-secret-pw";
  const user = "flyteshim";
  const root = await tempDir({ prefix: "flyteshim-maria-" });
  const data = `${root}/data`;
  const socket = `${root}/sock`;
  let ca: CertificateAuthority | undefined;
  let client: IssuedCertificate | undefined;
  if (options.clientCerts) {
    ca = await createCertificateAuthority(root, { keyType: "ec" });
    await issueCertificate(ca, { name: "server", cn: "localhost", server: true });
    client = await issueCertificate(ca, { name: "client", cn: TLS_USER });
  }
  await chownToServerUser(root);
  const [initCmd, initArgs] = asServerUser("mariadb-install-db", [
    "--no-defaults",
    `--datadir=${data}`,
    "--auth-root-authentication-method=socket",
    "--skip-test-db",
    "--skip-name-resolve",
  ]);
  const init = await new Deno.Command(initCmd, {
    args: initArgs,
    cwd: "/",
    // Its own temporary tables in its own folder: parallel servers in one TMPDIR collided.
    env: { TMPDIR: root },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!init.success) {
    await Deno.remove(root, { recursive: true });
    throw new Error(`mariadb-install-db failed: ${new TextDecoder().decode(init.stderr)}`);
  }
  const spawnMariadb = (port: number) => {
    const [cmd, args] = asServerUser("/usr/sbin/mariadbd", [
      "--no-defaults",
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--skip-name-resolve",
      `--pid-file=${root}/pid`,
      `--tmpdir=${root}`,
      "--skip-log-bin",
      "--innodb-buffer-pool-size=16M",
      "--innodb-log-file-size=8M",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_general_ci",
      ...(ca
        ? [`--ssl-ca=${ca.cert}`, `--ssl-cert=${root}/server.crt`, `--ssl-key=${root}/server.key`]
        : []),
    ]);
    return spawnServer(cmd, args, root, { cwd: "/" });
  };
  const deadline = Date.now() + 30_000;
  // Ready is a query answered over TCP by the user the tests log in as, not an open port. A free
  // port may be taken by a parallel test before the server binds it: then try another.
  let port = 0;
  let server: ServerProcess | undefined;
  let usersCreated = false;
  for (let attempt = 1; !server; attempt++) {
    port = freePort();
    const started = spawnMariadb(port);
    for (;;) {
      try {
        // The root user logs in through the socket as the OS user that owns the server.
        if (!usersCreated) {
          await runClient(socket, "select 1");
          await runClient(
            socket,
            `CREATE DATABASE app; CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';` +
              ` GRANT ALL ON *.* TO '${user}'@'%';` +
              (client
                ? ` CREATE USER '${TLS_USER}'@'%' REQUIRE X509; GRANT ALL ON app.* TO '${TLS_USER}'@'%';`
                : ""),
          );
          usersCreated = true;
        }
        await runTcpClient(port, user, password, "select 1");
        server = started;
        break;
      } catch (error) {
        if (!started.exited() && Date.now() <= deadline) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const log = started.log();
        await started.finish("SIGKILL", [], { keep: true });
        if (attempt < 3 && /address already in use/i.test(log)) break;
        await Deno.remove(root, { recursive: true }).catch(() => {});
        throw new Error(`MariaDB did not start: ${(error as Error).message} ${log}`);
      }
    }
  }
  const running = server;
  return disposable<Omit<MariadbServer, typeof Symbol.asyncDispose>>({
    url: `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/app`,
    host: "127.0.0.1",
    port,
    user,
    password,
    ...(client ? { clientTls: { ca: ca!, user: TLS_USER, ...client } } : {}),
    sql: (query) => runClient(socket, query),
    stop: () => running.finish("SIGTERM"),
    kill: () => running.finish("SIGKILL"),
  });
}
