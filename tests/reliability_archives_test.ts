// Hostile archives for the SQLite3 executor (`compressed: true`): path traversal, absolute names,
// links, devices, several members and decompression bombs. Each is a USER:BadArchive error, and
// nothing is written outside the work folder: no file at any place a hostile name points to, no
// link anywhere below the work folder, and nothing new next to the archive.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertMatch, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { jsonToStruct } from "../idl/mod.ts";
import { type Member, paxPath, tar, tarGz, zip } from "../_testing/archives.ts";
import { flytekitContainerArgs } from "../_testing/propeller.ts";
import { assertFailed, runWithBytes, userError } from "../_testing/reliability.ts";
import { testTemplate } from "../_testing/runtime_fixtures.ts";
import { createSqlite3Executor } from "../executors/sqlite3/mod.ts";
import { makeContext, makeDatabase, runSqlite3, sqliteTemplate } from "../_testing/sqlite3.ts";

const SQLITE_EXECUTOR = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor";
const DB = await Deno.readFile(
  await makeDatabase("create table t(id integer); insert into t values (1), (2);"),
);

type Build = (members: Member[]) => Uint8Array | Promise<Uint8Array>;
const FORMATS: [string, Build][] = [["zip", zip], ["tar", tar], ["tar.gz", tarGz]];

/** Every path below `dir`, and whether any is a link or a hard-linked file. */
async function walk(dir: string): Promise<{ paths: string[]; links: string[] }> {
  const paths: string[] = [];
  const links: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    paths.push(path);
    const info = await Deno.lstat(path);
    if (info.isSymlink || (info.isFile && (info.nlink ?? 1) > 1)) links.push(path);
    if (info.isDirectory) {
      const inner = await walk(path);
      paths.push(...inner.paths);
      links.push(...inner.links);
    }
  }
  return { paths, links };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Every folder from `dir` up to `/`. */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; d !== "/" && d !== ""; d = d.slice(0, d.lastIndexOf("/")) || "/") out.push(d);
  out.push("/");
  return out;
}

/**
 * Runs the executor on an archive and expects USER:BadArchive; then checks that `marker` exists
 * nowhere a hostile name could have put it, and that the work folder holds no link.
 */
async function expectRefused(
  bytes: Uint8Array,
  marker: string,
  options: { maxUnpackedBytes?: number; detail?: RegExp; partialAllowed?: boolean } = {},
): Promise<void> {
  const dir = await tempDir({ prefix: "flyteshim-archive-" });
  const archive = `${dir}/db.archive`;
  await Deno.writeFile(archive, bytes);
  const custom = { query_template: "select * from t", uri: archive, compressed: true };
  const template = sqliteTemplate(custom);
  const executor = createSqlite3Executor({ maxUnpackedBytes: options.maxUnpackedBytes });
  const context = await makeContext(template);
  const workDir = context.workDir;
  const error = await assertRejects(
    async () => await executor.execute(executor.parseConfig(custom, template), {}, context),
    UserError,
  );
  assertEquals([error.code, error.recoverable], ["USER:BadArchive", false], error.message);
  if (options.detail) assert(options.detail.test(error.message), error.message);
  const { paths, links } = await walk(workDir);
  assertEquals(links, [], "a link was created below the work folder");
  if (options.partialAllowed) {
    // A bomb may leave a partial file inside the work folder (removed with it), never past the limit.
    for (const path of paths) {
      const info = await Deno.lstat(path);
      if (info.isFile) {
        assert(info.size <= options.maxUnpackedBytes!, `${path}: ${info.size} bytes`);
      }
    }
  } else {
    assert(!paths.some((p) => p.endsWith(marker)), `"${marker}" was unpacked: ${paths}`);
  }
  for (const place of [...ancestors(workDir), dir, "/tmp"]) {
    assert(!(await exists(`${place}/${marker}`)), `"${marker}" escaped to ${place}`);
  }
  // Next to the archive: only the archive.
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["db.archive"]);
  await Deno.remove(dir, { recursive: true });
}

function marker(): string {
  return `escaped-${crypto.randomUUID().slice(0, 8)}.db`;
}

for (const [format, build] of FORMATS) {
  Deno.test(`archives: ${format} path traversal (../) is refused`, async () => {
    const name = marker();
    await expectRefused(await build([{ name: `../../../../../../${name}`, data: DB }]), name, {
      detail: /outside the target folder/,
    });
    const inner = marker();
    await expectRefused(await build([{ name: `db/../../${inner}`, data: DB }]), inner);
  });

  Deno.test(`archives: ${format} absolute member name is refused`, async () => {
    const name = marker();
    await expectRefused(await build([{ name: `/tmp/${name}`, data: DB }]), name, {
      detail: /outside the target folder/,
    });
  });

  // In a tar header a NUL ends the name (see the tar-specific test below); zip keeps it.
  const nul = format === "zip" ? ["db\0/../../%s"] : [];
  Deno.test(`archives: ${format} backslash, drive letter${nul.length ? " and NUL" : ""} names are refused`, async () => {
    for (const hostile of ["..\\..\\%s", "C:/%s", ...nul]) {
      const name = marker();
      await expectRefused(await build([{ name: hostile.replace("%s", name), data: DB }]), name);
    }
  });

  Deno.test(`archives: ${format} with several database files is refused`, async () => {
    const name = marker();
    await expectRefused(
      await build([{ name: "a.db", data: DB }, { name, data: DB }]),
      name,
      { detail: /exactly one database file/ },
    );
  });

  Deno.test(`archives: ${format} with no file is refused`, async () => {
    await expectRefused(await build([{ name: "folder/", type: "5" }]), marker(), {
      detail: /exactly one database file|found none/,
    });
  });
}

Deno.test("archives: a symlink member (tar) is refused, even to a file inside", async () => {
  for (const target of ["/etc/passwd", "../../../../etc/passwd", "db.sqlite"]) {
    const name = marker();
    await expectRefused(tar([{ name, type: "2", data: target }]), name, {
      detail: /link/,
    });
  }
});

Deno.test("archives: a symlink member (zip) is refused", async () => {
  const name = marker();
  await expectRefused(await zip([{ name, symlink: true, data: "/etc/passwd" }]), name, {
    detail: /link/,
  });
});

Deno.test("archives: a symlink then a file through it (tar) is refused at the link", async () => {
  const link = marker();
  await expectRefused(
    tar([{ name: link, type: "2", data: "/tmp" }, { name: `${link}/x.db`, data: DB }]),
    link,
  );
});

Deno.test("archives: a hard link member (tar) is refused", async () => {
  const name = marker();
  await expectRefused(
    tar([{ name: "a.db", data: DB }, { name, type: "1", data: "/etc/passwd" }]),
    name,
    { detail: /link/ },
  );
});

Deno.test("archives: device and FIFO members (tar) are refused", async () => {
  for (const type of ["3", "4", "6"]) {
    const name = marker();
    await expectRefused(tar([{ name, type }]), name);
  }
});

Deno.test("archives: a pax header renaming a member to ../ is refused", async () => {
  const name = marker();
  await expectRefused(
    tar([paxPath(`../../../../${name}`), { name: "innocent.db", data: DB }]),
    name,
    { detail: /outside the target folder/ },
  );
});

const MiB = 1024 * 1024;
const ZEROS = new Uint8Array(64 * MiB);

Deno.test("archives: zip decompression bomb (64 MiB of zeros, limit 16 MiB) is refused", async () => {
  const bomb = await zip([{ name: "bomb.db", data: ZEROS, deflate: true }]);
  assert(bomb.length < MiB, `bomb is ${bomb.length} bytes`);
  await expectRefused(bomb, "bomb.db", {
    maxUnpackedBytes: 16 * MiB,
    detail: /size limit/,
  });
});

Deno.test("archives: zip bomb that lies about its size is stopped as bytes are written", async () => {
  const bomb = await zip([{ name: "liar.db", data: ZEROS, deflate: true, declaredSize: 1024 }]);
  await expectRefused(bomb, "liar.db", { maxUnpackedBytes: 16 * MiB, partialAllowed: true });
});

Deno.test("archives: tar.gz decompression bomb (64 MiB, limit 16 MiB) is refused", async () => {
  const bomb = await tarGz([{ name: "bomb.db", data: ZEROS }]);
  assert(bomb.length < MiB, `bomb is ${bomb.length} bytes`);
  await expectRefused(bomb, "bomb.db", { maxUnpackedBytes: 16 * MiB, detail: /size limit/ });
});

Deno.test('archives: a NUL in a tar member name ends the name: unpacked inside as "db"', async () => {
  const dir = await tempDir();
  const name = marker();
  await Deno.writeFile(`${dir}/db.tar`, tar([{ name: `db\0/../../${name}`, data: DB }]));
  const { table, context } = await runSqlite3(
    { query_template: "select count(*) as n from t", uri: `${dir}/db.tar`, compressed: true },
  );
  assertEquals(table!.rows, [[2n]]);
  const { links } = await walk(context.workDir);
  assertEquals(links, []);
  for (const place of [...ancestors(context.workDir), dir]) {
    assert(!(await exists(`${place}/${name}`)), place);
  }
});

Deno.test("archives: a valid archive under the same limit is unpacked and queried", async () => {
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/db.zip`, await zip([{ name: "ok.db", data: DB, deflate: true }]));
  const { table } = await runSqlite3(
    { query_template: "select count(*) as n from t", uri: `${dir}/db.zip`, compressed: true },
    {},
    { executor: { maxUnpackedBytes: 16 * MiB } },
  );
  assertEquals(table!.rows, [[2n]]);
});

/** A SQLite3 template for the program (flytekit's container args) on a zipped database. */
function programTemplate(zipPath: string, query = "select * from t") {
  return {
    ...testTemplate("sqlite", SQLITE_EXECUTOR, {
      outputs: { results: { schema: {} } },
      args: flytekitContainerArgs(SQLITE_EXECUTOR),
    }),
    custom: jsonToStruct({ query_template: query, uri: `file://${zipPath}`, compressed: true }),
  };
}

Deno.test("archives: through the program, a traversal zip ends in USER:BadArchive and writes nothing outside", async () => {
  const root = await tempDir({ prefix: "flyteshim-archive-node-" });
  const name = marker();
  await Deno.writeFile(`${root}/db.zip`, await zip([{ name: `../../../${name}`, data: DB }]));
  const run = await runWithBytes({
    root,
    template: programTemplate(`${root}/db.zip`),
    inputs: { literals: {} },
  });
  assertFailed(run, userError("USER:BadArchive"), 0);
  const { paths, links } = await walk(root);
  assertEquals(links, []);
  assert(!paths.some((p) => p.endsWith(name)), paths.join("\n"));
  for (const place of ancestors(root)) assert(!(await exists(`${place}/${name}`)), place);
});

Deno.test("archives: through the program, FLYTESHIM_MAX_UNPACKED_MB sets the unpacking limit", async () => {
  const root = await tempDir({ prefix: "flyteshim-archive-limit-" });
  // 20 MiB unpacked: under the default (8 GiB), over a limit of 16 MiB.
  const big = new Uint8Array(20 * MiB);
  big.set(DB);
  await Deno.writeFile(`${root}/db.zip`, await zip([{ name: "big.db", data: big, deflate: true }]));
  const template = programTemplate(`${root}/db.zip`, "select count(*) as n from t");
  const limited = await runWithBytes({
    root: `${root}/limited`,
    template,
    inputs: { literals: {} },
    env: { FLYTESHIM_MAX_UNPACKED_MB: "16" },
  });
  assertFailed(limited, userError("USER:BadArchive"), 0);
  assertMatch(limited.error?.message ?? "", /size limit/);
  const unlimited = await runWithBytes({
    root: `${root}/default`,
    template,
    inputs: { literals: {} },
    env: { FLYTESHIM_MAX_UNPACKED_MB: "32" },
  });
  assertEquals(unlimited.error, undefined, unlimited.stderr);
  assert(unlimited.files.includes("outputs.pb"), unlimited.files.join(", "));
  const invalid = await runWithBytes({
    root: `${root}/invalid`,
    template,
    inputs: { literals: {} },
    env: { FLYTESHIM_MAX_UNPACKED_MB: "0" },
  });
  assertFailed(invalid, userError("USER:InvalidEnvironment"), 0);
  await Deno.remove(root, { recursive: true });
});
