/**
 * Test harness: a throwaway MariaDB server from Debian's `mariadb-server` package (installed by
 * `.ci/setup`), run as `nobody` when the tests run as root, on a free loopback port, with a
 * password user `flyteshim` that may do everything.
 *
 * @example Start and stop
 * ```ts ignore
 * import { startMariadb } from "./_mariadb.ts";
 *
 * const db = await startMariadb();
 * console.log(db.url); // mysql://flyteshim:...@127.0.0.1:PORT/app
 * await db.stop();
 * ```
 *
 * @module
 */

import { asServerUser, chownToServerUser, freePort, spawnServer } from "./_service.ts";

/** A running server. */
export interface MariadbServer {
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

/**
 * Initialises a data folder and starts MariaDB on a free loopback port.
 *
 * @example
 * ```ts ignore
 * const db = await startMariadb({ password: "pw" });
 * await db.stop();
 * ```
 */
export async function startMariadb(options: { password?: string } = {}): Promise<MariadbServer> {
  const password = options.password ?? "maria-secret-pw";
  const user = "flyteshim";
  const root = await Deno.makeTempDir({ prefix: "flyteshim-maria-" });
  const data = `${root}/data`;
  const socket = `${root}/sock`;
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
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!init.success) {
    await Deno.remove(root, { recursive: true });
    throw new Error(`mariadb-install-db failed: ${new TextDecoder().decode(init.stderr)}`);
  }
  const port = freePort();
  const [cmd, args] = asServerUser("/usr/sbin/mariadbd", [
    "--no-defaults",
    `--datadir=${data}`,
    `--socket=${socket}`,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    "--skip-name-resolve",
    `--pid-file=${root}/pid`,
    "--skip-log-bin",
    "--innodb-buffer-pool-size=16M",
    "--innodb-log-file-size=8M",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
  ]);
  const server = spawnServer(cmd, args, root, { cwd: "/" });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      // The root user logs in through the socket as the OS user that owns the server.
      await runClient(socket, "select 1");
      break;
    } catch (error) {
      if (server.exited() || Date.now() > deadline) {
        await server.finish("SIGKILL");
        throw new Error(`MariaDB did not start: ${(error as Error).message} ${server.log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await runClient(
    socket,
    `CREATE DATABASE app; CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';` +
      ` GRANT ALL ON *.* TO '${user}'@'%';`,
  );
  return {
    url: `mysql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/app`,
    host: "127.0.0.1",
    port,
    user,
    password,
    sql: (query) => runClient(socket, query),
    stop: () => server.finish("SIGTERM"),
    kill: () => server.finish("SIGKILL"),
  };
}
