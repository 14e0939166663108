// Packages are read back with GNU tar (an independent reader), then decoded.
import { tempDir } from "../_testing/temp.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { decodeTaskSpec } from "../idl/admin.ts";
import { defineTask } from "./define.ts";
import { packageEntryName, writePackage } from "./package.ts";
import { checkMemberName, tar } from "./_tar.ts";

async function gnuTar(args: string[]): Promise<string> {
  const out = await new Deno.Command("tar", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

function task(name: string) {
  return defineTask({ name, taskType: "noop", executor: "example.noop", image: "example:1" });
}

Deno.test("packageEntryName() entry names are zero-padded as flytekit pads them", () => {
  assertEquals(packageEntryName("a", { index: 0, count: 1 }), "0_a_1.pb");
  assertEquals(packageEntryName("a", { index: 9, count: 10 }), "9_a_1.pb");
  assertEquals(packageEntryName("a", { index: 0, count: 11 }), "00_a_1.pb");
  assertEquals(packageEntryName("a", { index: 10, count: 11 }), "10_a_1.pb");
  assertEquals(packageEntryName("a", { index: 7, count: 101 }), "007_a_1.pb");
});

Deno.test("writePackage() a package is a flat gzip tar that GNU tar lists and extracts, in creation order", async () => {
  const dir = await tempDir();
  const tasks = Array.from({ length: 11 }, (_, i) => task(`wf.t${String.fromCharCode(107 - i)}`));
  const names = await writePackage(tasks, `${dir}/flyte-package.tgz`);
  const listed = (await gnuTar(["-tzf", `${dir}/flyte-package.tgz`])).trim().split("\n");
  assertEquals(listed, names);
  assertEquals([...listed].sort(), listed);
  assertEquals(listed[0], "00_wf.tk_1.pb");
  await Deno.mkdir(`${dir}/x`);
  await gnuTar(["-xzf", `${dir}/flyte-package.tgz`, "-C", `${dir}/x`]);
  const spec = decodeTaskSpec(await Deno.readFile(`${dir}/x/10_wf.ta_1.pb`));
  assertEquals(spec.template?.id?.name, "wf.ta");
  assertEquals(spec.template?.id?.version, "");
});

Deno.test("writePackage() names longer than 100 bytes survive through a PAX header", async () => {
  const dir = await tempDir();
  const long = `pkg.${"very_long_module_name.".repeat(6)}task`;
  const [name] = await writePackage([task(long)], `${dir}/p.tgz`);
  assert(name.length > 100);
  await gnuTar(["-xzf", `${dir}/p.tgz`, "-C", dir]);
  assertEquals(decodeTaskSpec(await Deno.readFile(`${dir}/${name}`)).template?.id?.name, long);
});

Deno.test("tar() members are plain names; bytes and padding are exact", async () => {
  for (const bad of ["", ".", "..", "../x", "a/b", "a\\b"]) {
    assertThrows(() => checkMemberName(bad), TypeError);
  }
  const data = new Uint8Array(513).fill(7);
  const bytes = tar([{ name: "f.bin", data, mtime: 0 }]);
  assertEquals(bytes.length, 512 + 1024 + 1024);
  const dir = await tempDir();
  await Deno.writeFile(`${dir}/a.tar`, bytes);
  await gnuTar(["-xf", `${dir}/a.tar`, "-C", dir]);
  assertEquals(await Deno.readFile(`${dir}/f.bin`), data);
});

Deno.test("writePackage() a package refuses two tasks of one name and tasks without an image", async () => {
  const dir = await tempDir();
  await assertRejects(() => writePackage([task("a"), task("a")], `${dir}/p.tgz`), TypeError);
  await assertRejects(
    () => writePackage([defineTask({ name: "b", taskType: "t", executor: "x" })], `${dir}/p.tgz`),
    TypeError,
    "image",
  );
  assertEquals(
    await writePackage([defineTask({ name: "b", taskType: "t", executor: "x" })], `${dir}/p.tgz`, {
      image: "given:1",
    }),
    ["0_b_1.pb"],
  );
});
