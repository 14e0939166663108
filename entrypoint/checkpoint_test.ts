import { tempDir } from "../_testing/temp.ts";
import { assertEquals, assertRejects } from "@std/assert";
import { UserError } from "../errors.ts";
import { createStorage } from "../storage/mod.ts";
import { CHECKPOINT_BYTES_FILE, createCheckpoint } from "./checkpoint.ts";

async function setup(previous?: (dir: string) => Promise<void>) {
  const root = await tempDir();
  const prev = `${root}/prev`;
  if (previous) {
    await Deno.mkdir(prev, { recursive: true });
    await previous(prev);
  }
  const workDir = `${root}/work`;
  await Deno.mkdir(workDir);
  const checkpoint = createCheckpoint({
    destination: `${root}/dest`,
    previous: previous ? prev : undefined,
    storage: createStorage(),
    workDir,
  });
  return { root, checkpoint };
}

Deno.test("createCheckpoint() restores nothing without a previous checkpoint", async () => {
  const { checkpoint } = await setup();
  assertEquals(await checkpoint.restore(), undefined);
  assertEquals(await checkpoint.read(), undefined);
});

Deno.test("createCheckpoint() downloads the previous folder once on restore", async () => {
  const { checkpoint } = await setup(async (dir) => {
    await Deno.mkdir(`${dir}/a`);
    await Deno.writeTextFile(`${dir}/a/b.txt`, "B");
  });
  const dir = await checkpoint.restore();
  assertEquals(await Deno.readTextFile(`${dir}/a/b.txt`), "B");
  assertEquals(await checkpoint.restore(), dir);
});

Deno.test("createCheckpoint() restores nothing from an empty previous checkpoint", async () => {
  const { checkpoint } = await setup(() => Promise.resolve());
  assertEquals(await checkpoint.restore(), undefined);
});

Deno.test("createCheckpoint() writes and reads bytes as flytekit does (_dst_cp)", async () => {
  const { root, checkpoint } = await setup(async (dir) => {
    await Deno.writeFile(`${dir}/${CHECKPOINT_BYTES_FILE}`, new Uint8Array([1, 2, 3]));
  });
  assertEquals(await checkpoint.read(), new Uint8Array([1, 2, 3]));
  await checkpoint.write(new Uint8Array([4, 5]));
  assertEquals(await Deno.readFile(`${root}/dest/_dst_cp`), new Uint8Array([4, 5]));
});

Deno.test("createCheckpoint() saves a file and a folder", async () => {
  const { root, checkpoint } = await setup();
  await Deno.writeTextFile(`${root}/state.json`, "{}");
  await checkpoint.save(`${root}/state.json`);
  assertEquals(await Deno.readTextFile(`${root}/dest/state.json`), "{}");
  await Deno.mkdir(`${root}/dir/x`, { recursive: true });
  await Deno.writeTextFile(`${root}/dir/x/y.txt`, "y");
  await checkpoint.save(`${root}/dir`);
  assertEquals(await Deno.readTextFile(`${root}/dest/x/y.txt`), "y");
});

Deno.test("createCheckpoint() refuses to read a checkpoint of several files", async () => {
  const { checkpoint } = await setup(async (dir) => {
    await Deno.writeTextFile(`${dir}/one`, "1");
    await Deno.writeTextFile(`${dir}/two`, "2");
  });
  const err = await assertRejects(() => checkpoint.read(), UserError);
  assertEquals(err.code, "USER:InvalidCheckpoint");
});

Deno.test("createCheckpoint() refuses to read a checkpoint that holds one folder", async () => {
  const { checkpoint } = await setup(async (dir) => {
    await Deno.mkdir(`${dir}/state`);
    await Deno.writeTextFile(`${dir}/state/a`, "1");
  });
  const err = await assertRejects(() => checkpoint.read(), UserError, 'the folder "state"');
  assertEquals(err.code, "USER:InvalidCheckpoint");
});
