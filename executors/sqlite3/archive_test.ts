import { tempDir } from "../../_testing/temp.ts";
import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../../errors.ts";
import { type Member, paxPath, tar, tarGz, zip } from "../../_testing/archives.ts";
import { type ExtractOptions, extractSingleFile } from "./archive.ts";

const DB = new TextEncoder().encode("SQLite format 3\0 pretend database");

async function unpack(
  bytes: Uint8Array,
  options?: ExtractOptions,
): Promise<{ path: string; dir: string }> {
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/archive`, bytes);
  const path = await extractSingleFile(`${dir}/archive`, `${dir}/out`, options);
  return { path, dir };
}

async function rejects(
  bytes: Uint8Array,
  message: string,
  options?: ExtractOptions,
): Promise<void> {
  const err = await assertRejects(() => unpack(bytes, options), UserError);
  assertEquals(err.code, "USER:BadArchive");
  if (!err.message.includes(message)) throw new Error(`"${err.message}" lacks "${message}"`);
}

const builders: [string, (m: Member[]) => Promise<Uint8Array>][] = [
  ["zip", zip],
  ["tar", (m) => Promise.resolve(tar(m))],
  ["tar.gz", tarGz],
];

for (const [format, build] of builders) {
  Deno.test(`extractSingleFile() unpacks the one file of a ${format} archive`, async () => {
    const { path, dir } = await unpack(
      await build([{ name: "data/", type: "5" }, { name: "data/chinook.db", data: DB }, {
        name: "__MACOSX/data/._chinook.db",
        data: "junk",
      }]),
    );
    assertEquals(path, `${dir}/out/chinook.db`);
    assertEquals(await Deno.readFile(path), DB);
  });

  Deno.test(`extractSingleFile() refuses escaping members in a ${format} archive`, async () => {
    for (
      const name of ["../evil.db", "/etc/evil.db", "a/../../evil.db", "..\\evil.db", "C:/evil.db"]
    ) {
      await rejects(await build([{ name, data: DB }]), "outside the target folder");
      // Even next to a good file.
      await rejects(
        await build([{ name: "ok.db", data: DB }, { name, data: "x" }]),
        "outside the target folder",
      );
    }
  });

  Deno.test(`extractSingleFile() wants exactly one file in a ${format} archive`, async () => {
    await rejects(
      await build([{ name: "a.db", data: DB }, { name: "b.db", data: DB }]),
      "exactly one database file",
    );
    await rejects(await build([{ name: "dir/", type: "5" }]), "found none");
  });

  Deno.test(`extractSingleFile() enforces the size limit on a ${format} archive`, async () => {
    const big = new Uint8Array(2 * 1024 * 1024);
    await rejects(
      await build([{ name: "a.db", data: big, deflate: true }]),
      "beyond the size limit",
      {
        maxBytes: 1024 * 1024,
      },
    );
    const { path } = await unpack(await build([{ name: "a.db", data: big, deflate: true }]), {
      maxBytes: 4 * 1024 * 1024,
    });
    assertEquals((await Deno.stat(path)).size, big.length);
  });
}

Deno.test("extractSingleFile() refuses zip links, lying sizes and encrypted members", async () => {
  await rejects(await zip([{ name: "a.db", data: "/etc/passwd", symlink: true }]), "is a link");
  // A bomb: 64 MiB of zeros declared as 100 bytes.
  await rejects(
    await zip([{
      name: "a.db",
      data: new Uint8Array(64 * 1024 * 1024),
      deflate: true,
      declaredSize: 100,
    }]),
    "a.db",
    { maxBytes: 1024 * 1024 },
  );
});

Deno.test("extractSingleFile() refuses tar links, devices and renamed members", async () => {
  await rejects(tar([{ name: "a.db", type: "2", data: "/etc/passwd" }]), "symbolic link");
  await rejects(tar([{ name: "a.db", type: "1", data: "b.db" }]), "hard link");
  await rejects(tar([{ name: "a.db", type: "3" }]), "character device");
  await rejects(tar([{ name: "a.db", type: "6" }]), "FIFO");
  await rejects(
    tar([paxPath("../../evil.db"), { name: "innocent.db", data: DB }]),
    "outside the target folder",
  );
  await rejects(tar([{ name: "a.db", data: DB }]).subarray(0, 700), "middle of a member");
  const corrupt = tar([{ name: "a.db", data: DB }]);
  corrupt[0] ^= 1;
  await rejects(corrupt, "corrupt");
});

Deno.test("extractSingleFile() names formats it does not read", async () => {
  await rejects(DB, "set compressed to false");
  await rejects(new TextEncoder().encode("BZh91AY&SY"), "bzip2");
  await rejects(new TextEncoder().encode("hello"), "not a zip, tar or tar.gz archive");
  await rejects(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), "corrupt compressed data");
});

Deno.test("extractSingleFile() limits the number of members", async () => {
  const members = Array.from({ length: 20 }, (_, i) => ({ name: `d${i}/`, type: "5" }));
  await rejects(tar(members), "more than 10 members", { maxMembers: 10 });
  await rejects(await zip(members), "more than 10", { maxMembers: 10 });
});
