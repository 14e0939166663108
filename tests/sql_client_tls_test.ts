// The SQL executor with TLS client certificates (`sslcert`/`sslkey`, MySQL's `ssl_cert`/`ssl_key`)
// against real servers that require them: embedded PostgreSQL (pg_hba `hostssl ... cert`, the
// certificate's CN is the user) and Debian's MariaDB (`REQUIRE X509`), both trusting a throwaway CA
// made with `openssl`. Keys given as file paths and as secrets' values (flytekit puts a secret's
// value, not its path, into connect_args); the key material never reaches logs or error.pb.
import { removing, tempDir } from "../_testing/temp.ts";
import { crossCheck, MARIADB, OPENSSL } from "../_testing/tools.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { jsonToStruct, type TaskTemplate } from "../idl/mod.ts";
import { startMariadb } from "../_testing/mariadb.ts";
import { startPostgres } from "../_testing/postgres.ts";
import { flytekitContainerArgs, runPropeller } from "../_testing/propeller.ts";
import { errorExpectation, runSql } from "../_testing/sql_run.ts";
import { createCertificateAuthority, issueCertificate, openssl } from "../_testing/tls.ts";
import { readParquet } from "../_testing/duckdb.ts";
import { readTlsFiles } from "../executors/sql/tls.ts";

const EXECUTOR = "flytekitplugins.sqlalchemy.task.SQLAlchemyTaskExecutor";

/** The base64 lines of a PEM key: none of them may appear in a log line or an error message. */
async function keyMaterial(path: string): Promise<string[]> {
  const lines = (await Deno.readTextFile(path)).split("\n");
  return lines.filter((line) => line.length > 20 && !line.startsWith("-----"));
}

function assertNoKeyMaterial(material: string[], ...texts: (string | null | undefined)[]) {
  for (const text of texts) {
    for (const line of material) {
      assert(!(text ?? "").includes(line), `key material in: ${text}`);
    }
  }
}

/** Certificates the servers must refuse or the executor must reject, next to the good one. */
async function badCertificates(user: string, goodCa: { dir: string; cert: string; key: string }) {
  const dir = await tempDir({ prefix: "flyteshim-tls-bad-" });
  const otherCa = await createCertificateAuthority(dir, { prefix: "other-", keyType: "ec" });
  const foreign = await issueCertificate(otherCa, { name: "foreign", cn: user });
  const otherUser = await issueCertificate(goodCa, {
    name: "other-user",
    cn: "someone_else",
    dir,
  });
  const rsa = await issueCertificate(goodCa, { name: "rsa", cn: user, keyType: "rsa", dir });
  await openssl(["pkey", "-in", rsa.key, "-traditional", "-out", `${dir}/rsa-pkcs1.key`], dir);
  await openssl([
    "pkey",
    "-in",
    rsa.key,
    "-aes256",
    "-passout",
    "pass:flyteshim",
    "-out",
    `${dir}/encrypted.key`,
  ], dir);
  return {
    dir,
    /** Signed by a CA the server does not trust, for the right user. */
    foreign,
    /** Signed by the trusted CA for another user (CN). */
    otherUser,
    /** An RSA certificate the server trusts, with its key in PKCS#1 (`BEGIN RSA PRIVATE KEY`). */
    rsa: { cert: rsa.cert, key: `${dir}/rsa-pkcs1.key` },
    /** The RSA key, encrypted with a passphrase. */
    encryptedKey: `${dir}/encrypted.key`,
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}

function sqlalchemyTemplate(custom: Record<string, unknown>): TaskTemplate {
  return {
    id: { resourceType: 1, project: "p", domain: "d", name: "sql.tls", version: "v1" },
    type: "sqlalchemy",
    metadata: { runtime: { type: 1, version: "1.16.10", flavor: "python" } },
    interface: {
      inputs: { variables: {} },
      outputs: { variables: { results: { type: { schema: {} }, description: "results" } } },
    },
    custom: jsonToStruct(custom as never),
    container: { image: "flyteshim:test", args: flytekitContainerArgs(EXECUTOR) },
  };
}

Deno.test({
  ...crossCheck("sql executor: PostgreSQL client certificates (sslcert, sslkey)", OPENSSL),
}, async (t) => {
  await using pg = await startPostgres({ clientCerts: true });
  const tls = pg.clientTls!;
  const bad = await badCertificates(tls.user, tls.ca);
  const expectError = errorExpectation(pg.password);
  const material = await keyMaterial(tls.key);
  const uri = `postgresql://${tls.user}@${pg.host}:${pg.port}/postgres`;
  const query =
    "select current_user::text as user_name, ssl, client_dn from pg_stat_ssl where pid = pg_backend_pid()";
  const verified = { sslmode: "verify-full", sslrootcert: tls.ca.cert };
  const loggedIn = [[tls.user, true, `/CN=${tls.user}`]];
  try {
    await t.step(
      "verify-full, sslrootcert, sslcert, sslkey: logged in by certificate",
      async () => {
        const { table } = await runSql({
          query,
          uri,
          connectArgs: { ...verified, sslcert: tls.cert, sslkey: tls.key },
        });
        assertEquals(table?.rows, loggedIn);
      },
    );

    await t.step("the same options in the URL's query, as libpq URLs carry them", async () => {
      const q = new URLSearchParams({ ...verified, sslcert: tls.cert, sslkey: tls.key });
      const { table } = await runSql({ query, uri: `postgresql+psycopg2://${uri.slice(13)}?${q}` });
      assertEquals(table?.rows, loggedIn);
    });

    await t.step("an RSA key in PKCS#1 form (BEGIN RSA PRIVATE KEY) works too", async () => {
      const { table } = await runSql({
        query,
        uri,
        connectArgs: { ...verified, sslcert: bad.rsa.cert, sslkey: bad.rsa.key },
      });
      assertEquals(table?.rows, loggedIn);
    });

    await t.step("the key as a secret's value (PEM text), as flytekit passes it", async () => {
      const { table } = await runSql({
        query,
        uri,
        connectArgs: { ...verified, sslcert: tls.cert },
        secretConnectArgs: { sslkey: { group: "tls", key: "client_key" } },
        env: { _FSEC_TLS_CLIENT_KEY: await Deno.readTextFile(tls.key) },
      });
      assertEquals(table?.rows, loggedIn);
    });

    await t.step("a secret holding the key's file path works too", async () => {
      const { table } = await runSql({
        query,
        uri,
        connectArgs: { ...verified, sslcert: tls.cert },
        secretConnectArgs: { sslkey: { group: "tls", key: "client_key" } },
        env: { _FSEC_TLS_CLIENT_KEY: tls.key },
      });
      assertEquals(table?.rows, loggedIn);
    });

    await t.step(
      "no client certificate: USER:AuthenticationFailed, the server says why",
      async () => {
        const error = await expectError(
          runSql({ query, uri, connectArgs: verified }),
          "USER:AuthenticationFailed",
          false,
        );
        assertStringIncludes(error.message, "connection requires a valid client certificate");
      },
    );

    await t.step("a certificate from another CA: refused by the server, USER", async () => {
      const error = await expectError(
        runSql({
          query,
          uri,
          connectArgs: { ...verified, sslcert: bad.foreign.cert, sslkey: bad.foreign.key },
        }),
        "USER:AuthenticationFailed",
        false,
      );
      assertStringIncludes(error.message, "the server refused the client certificate");
      assertStringIncludes(error.message, "UnknownCA");
    });

    await t.step("a trusted certificate for another user: USER:AuthenticationFailed", async () => {
      const error = await expectError(
        runSql({
          query,
          uri,
          connectArgs: { ...verified, sslcert: bad.otherUser.cert, sslkey: bad.otherUser.key },
        }),
        "USER:AuthenticationFailed",
        false,
      );
      assertStringIncludes(
        error.message,
        `certificate authentication failed for user "${tls.user}"`,
      );
    });

    await t.step("a key that does not match the certificate: USER:InvalidConfig", async () => {
      const error = await expectError(
        runSql({
          query,
          uri,
          connectArgs: { ...verified, sslcert: tls.cert, sslkey: bad.rsa.key },
        }),
        "USER:InvalidConfig",
        false,
      );
      assertStringIncludes(
        error.message,
        `Cannot use connection option "sslkey": the private key in file "${bad.rsa.key}" does not belong to the certificate in file "${tls.cert}"`,
      );
    });

    await t.step("a secret's key that does not match: the PEM text is not shown", async () => {
      const key = await Deno.readTextFile(bad.rsa.key);
      const error = await expectError(
        runSql({
          query,
          uri,
          connectArgs: { ...verified, sslcert: tls.cert },
          secretConnectArgs: { sslkey: { group: "tls", key: "client_key" } },
          env: { _FSEC_TLS_CLIENT_KEY: key },
        }),
        "USER:InvalidConfig",
        false,
      );
      assertStringIncludes(error.message, "the private key in the PEM text given does not belong");
      assertNoKeyMaterial(await keyMaterial(bad.rsa.key), error.message);
    });

    await t.step("file and pairing mistakes are USER:InvalidConfig naming the option", async () => {
      const cases: [Record<string, string>, string][] = [
        [
          { sslcert: tls.cert, sslkey: `${bad.dir}/missing.key` },
          `"sslkey": file "${bad.dir}/missing.key" does not exist`,
        ],
        [
          { sslcert: tls.cert, sslkey: bad.dir },
          `"sslkey": file "${bad.dir}" cannot be read: Is a directory`,
        ],
        [{ sslcert: tls.cert }, `"sslcert": a certificate needs its private key: set "sslkey"`],
        [{ sslkey: tls.key }, `"sslkey": a key needs its certificate: set "sslcert" too`],
        [
          { sslcert: tls.key, sslkey: tls.key },
          `"sslcert": file "${tls.key}" holds no PEM certificate`,
        ],
        [
          { sslcert: tls.cert, sslkey: tls.cert },
          `"sslkey": file "${tls.cert}" holds no PEM private key`,
        ],
        [
          { sslcert: bad.rsa.cert, sslkey: bad.encryptedKey },
          `"sslkey": file "${bad.encryptedKey}" holds an encrypted private key`,
        ],
        [{ sslrootcert: tls.key }, `"sslrootcert": file "${tls.key}" holds no PEM certificate`],
      ];
      for (const [args, detail] of cases) {
        const error = await expectError(
          runSql({ query, uri, connectArgs: { ...verified, ...args } }),
          "USER:InvalidConfig",
          false,
        );
        assertStringIncludes(error.message, `Cannot use connection option ${detail}`);
        assertNoKeyMaterial(material, error.message);
      }
    });

    await t.step("a plain connection is refused for the certificate user", async () => {
      const error = await expectError(
        runSql({ query, uri, connectArgs: { sslmode: "disable" } }),
        "USER:AuthenticationFailed",
        false,
      );
      assertStringIncludes(error.message, "no encryption");
    });
  } finally {
    await bad.remove();
  }
});

Deno.test({
  ...crossCheck(
    "sql executor: a client key from a Flyte secret file, through the program",
    OPENSSL,
  ),
}, async (t) => {
  await using pg = await startPostgres({ clientCerts: true });
  const tls = pg.clientTls!;
  const bad = await badCertificates(tls.user, tls.ca);
  const secretsDir = await tempDir({ prefix: "flyteshim-tls-secrets-" });
  const material = await keyMaterial(tls.key);
  const custom = (sslcert: string) => ({
    query_template:
      "select current_user::text as user_name, client_dn from pg_stat_ssl where pid = pg_backend_pid()",
    uri: `postgresql+psycopg2://${tls.user}@${pg.host}:${pg.port}/postgres`,
    connect_args: { sslmode: "verify-full", sslrootcert: tls.ca.cert, sslcert },
    secret_connect_args: {
      sslkey: { group: "tls", key: "client_key", group_version: null, mount_requirement: 2 },
    },
  });
  const env = { FLYTE_SECRETS_DEFAULT_DIR: secretsDir, FLYTESHIM_LOG_LEVEL: "debug" };
  const putKey = async (text: string) => {
    await Deno.mkdir(`${secretsDir}/tls`, { recursive: true });
    await Deno.writeTextFile(`${secretsDir}/tls/client_key`, text);
  };
  try {
    await t.step("logged in; the key is in no log line", async () => {
      await putKey(await Deno.readTextFile(tls.key));
      const run = await runPropeller({ template: sqlalchemyTemplate(custom(tls.cert)), env });
      assertEquals(run.error, undefined, run.error?.message ?? run.stderr);
      const sd = run.outputs!.literals!.results.scalar!.structuredDataset!;
      assertEquals((await readParquet(`${sd.uri}/00000`)).rows, [[tls.user, `/CN=${tls.user}`]]);
      assertStringIncludes(run.stdout, '"secretArgs":["sslkey"]');
      assertNoKeyMaterial(material, run.stdout, run.stderr);
    });

    await t.step("refused by the server: a USER error.pb without the key", async () => {
      // A certificate from a CA the server does not trust, its key in the secret.
      await putKey(await Deno.readTextFile(bad.foreign.key));
      const run = await runPropeller({
        template: sqlalchemyTemplate(custom(bad.foreign.cert)),
        env,
      });
      assertEquals(run.error?.code, "USER:AuthenticationFailed", run.error?.message ?? "");
      assertEquals([run.error?.kind, run.error?.origin], [0, 1]); // NON_RECOVERABLE, USER
      assertStringIncludes(run.error?.message ?? "", "the server refused the client certificate");
      assertNoKeyMaterial(
        await keyMaterial(bad.foreign.key),
        run.error?.message,
        run.stdout,
        run.stderr,
      );
    });

    await t.step("a secret that is neither PEM nor a file: its value is not shown", async () => {
      // The key's body on one line, as base64 DER stored by mistake: read as a file path.
      const value = material.join("");
      await putKey(value + "\n");
      const run = await runPropeller({ template: sqlalchemyTemplate(custom(tls.cert)), env });
      assertEquals(run.error?.code, "USER:InvalidConfig", run.error?.message ?? "");
      assertEquals(run.error?.kind, 0); // NON_RECOVERABLE
      assertStringIncludes(
        run.error?.message ?? "",
        'Cannot use connection option "sslkey": file "***" does not exist',
      );
      for (const text of [run.error?.message ?? "", run.stdout, run.stderr]) {
        assert(!(text ?? "").includes(value), `secret in: ${text}`);
      }
      assertNoKeyMaterial(material, run.error?.message ?? "", run.stdout, run.stderr);
    });
  } finally {
    await bad.remove();
    await Deno.remove(secretsDir, { recursive: true });
  }
});

Deno.test({
  ...crossCheck(
    "sql executor: MariaDB client certificates (ssl_cert, ssl_key)",
    ...MARIADB,
    OPENSSL,
  ),
  async fn(t) {
    await using db = await startMariadb({ clientCerts: true });
    const tls = db.clientTls!;
    const bad = await badCertificates(tls.user, tls.ca);
    const expectError = errorExpectation(db.password);
    const uri = `mysql+pymysql://${tls.user}@${db.host}:${db.port}/app`;
    const query = "select current_user() as user_name, variable_value as tls" +
      " from information_schema.session_status where variable_name = 'Ssl_version'";
    const verified = { ssl_mode: "VERIFY_IDENTITY", ssl_ca: tls.ca.cert };
    const assertLoggedIn = (rows: unknown[][] | undefined) => {
      assertEquals(rows?.length, 1);
      assertEquals(rows![0][0], `${tls.user}@%`);
      assertMatch(String(rows![0][1]), /^TLSv1\.[23]$/);
    };
    try {
      await t.step("VERIFY_IDENTITY, ssl_ca, ssl_cert, ssl_key: REQUIRE X509 user in", async () => {
        const { table } = await runSql({
          query,
          uri,
          connectArgs: { ...verified, ssl_cert: tls.cert, ssl_key: tls.key },
        });
        assertLoggedIn(table?.rows);
      });

      await t.step("ssl_cert and ssl_key without ssl_mode turn TLS on (as PyMySQL)", async () => {
        const { table } = await runSql({
          query,
          uri,
          connectArgs: { ssl_cert: tls.cert, ssl_key: tls.key },
        });
        assertLoggedIn(table?.rows);
      });

      await t.step("certificate and key in one file, no ssl_key (as PyMySQL)", async () => {
        const both = `${bad.dir}/both.pem`;
        await Deno.writeTextFile(
          both,
          await Deno.readTextFile(tls.cert) + await Deno.readTextFile(tls.key),
        );
        const { table } = await runSql({
          query,
          uri,
          connectArgs: { ...verified, ssl_cert: both },
        });
        assertLoggedIn(table?.rows);
      });

      await t.step("the key as a secret's value (PEM text)", async () => {
        const { table } = await runSql({
          query,
          uri,
          connectArgs: { ...verified, ssl_cert: tls.cert },
          secretConnectArgs: { ssl_key: { group: "tls", key: "client_key" } },
          env: { _FSEC_TLS_CLIENT_KEY: await Deno.readTextFile(tls.key) },
        });
        assertLoggedIn(table?.rows);
      });

      await t.step("no client certificate: USER:AuthenticationFailed (server's 1045)", async () => {
        const error = await expectError(
          runSql({ query, uri, connectArgs: verified }),
          "USER:AuthenticationFailed",
          false,
        );
        assertStringIncludes(error.message, `Access denied for user '${tls.user}'`);
      });

      await t.step("a certificate from another CA: refused by the server, USER", async () => {
        const error = await expectError(
          runSql({
            query,
            uri,
            connectArgs: { ...verified, ssl_cert: bad.foreign.cert, ssl_key: bad.foreign.key },
          }),
          "USER:AuthenticationFailed",
          false,
        );
        assertStringIncludes(error.message, "the server refused the client certificate");
      });

      await t.step("a key that does not match the certificate: USER:InvalidConfig", async () => {
        const error = await expectError(
          runSql({
            query,
            uri,
            connectArgs: { ...verified, ssl_cert: tls.cert, ssl_key: bad.rsa.key },
          }),
          "USER:InvalidConfig",
          false,
        );
        assertStringIncludes(error.message, 'Cannot use connection option "ssl_key"');
        assertStringIncludes(error.message, "does not belong to the certificate");
      });
    } finally {
      await bad.remove();
    }
  },
});

Deno.test({
  ...crossCheck(
    "sql executor: a key as PEM text after openssl's preamble is PEM, not a path",
    OPENSSL,
  ),
}, async () => {
  const dir = await tempDir({ prefix: "flyteshim-tls-bag-" });
  await using _dir = removing(dir);
  const ca = await createCertificateAuthority(dir);
  const client = await issueCertificate(ca, { name: "client", cn: "tls_user" });
  // What `openssl pkcs12 -in client.p12 -nodes` prints: attributes before each PEM block. Read
  // from a file it always worked; as a secret's value it was taken for a file name.
  const key = "Bag Attributes\n    localKeyID: 01 02 03\nKey Attributes: <No Attributes>\n" +
    await Deno.readTextFile(client.key);
  await Deno.writeTextFile(`${dir}/bag.key`, key);
  const base = { dialect: "postgresql", host: "db", port: 5432, sslmode: "verify-full" } as const;
  const fromFile = await readTlsFiles({
    ...base,
    sslcert: client.cert,
    sslkey: `${dir}/bag.key`,
  });
  const fromText = await readTlsFiles({ ...base, sslcert: client.cert, sslkey: key });
  assertEquals(fromText, fromFile);
  assertStringIncludes(fromText.key!, "PRIVATE KEY-----");
});
