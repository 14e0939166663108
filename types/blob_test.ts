import { removing, tempDir } from "../_testing/temp.ts";
import { assertEquals, assertMatch, assertRejects } from "@std/assert";
import { StorageError, UserError } from "../errors.ts";
import { createStorage } from "../storage/mod.ts";
import { FlyteDirectory, FlyteFile, fromLiteral, toLiteral, Types } from "./mod.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  await using _dir = removing(dir);
  await fn(dir);
}

Deno.test("FlyteFile.fromLocal() is uploaded to <raw>/<32 hex>/<file name>", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/report.csv`, "a,b\n1,2\n");
    const raw = `${dir}/raw`;
    const literal = await toLiteral(FlyteFile.fromLocal(`${dir}/report.csv`), Types.file("csv"), {
      storage: createStorage(),
      rawOutputPrefix: `${raw}/`,
    });
    const uri = literal.scalar!.blob!.uri!;
    assertMatch(uri, new RegExp(`^${raw}/[0-9a-f]{32}/report\\.csv$`));
    assertEquals(await Deno.readTextFile(uri), "a,b\n1,2\n");
    assertEquals(literal.scalar!.blob!.metadata, { type: { format: "csv" } });
    const back = await fromLiteral(literal, Types.file("csv"));
    assertEquals(back, new FlyteFile({ uri, format: "csv" }));
  });
});

Deno.test("FlyteDirectory.fromLocal() uploads the folder's files below <raw>/<32 hex>/<folder name>", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/out/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/out/a.txt`, "A");
    await Deno.writeTextFile(`${dir}/out/sub/b.txt`, "B");
    const literal = await toLiteral(FlyteDirectory.fromLocal(`${dir}/out/`), Types.directory(), {
      storage: createStorage(),
      rawOutputPrefix: `file://${dir}/raw`,
    });
    const uri = literal.scalar!.blob!.uri!;
    assertMatch(uri, new RegExp(`^file://${dir}/raw/[0-9a-f]{32}/out$`));
    const path = uri.slice("file://".length);
    assertEquals(await Deno.readTextFile(`${path}/a.txt`), "A");
    assertEquals(await Deno.readTextFile(`${path}/sub/b.txt`), "B");
    assertEquals(literal.scalar!.blob!.metadata, { type: { dimensionality: 1 } });
    assertEquals(await fromLiteral(literal, Types.directory()), new FlyteDirectory({ uri }));
  });
});

Deno.test("toLiteral() takes a string with a scheme as a remote reference, and a local path to upload otherwise", async () => {
  await withDir(async (dir) => {
    const remote = await toLiteral("s3://bucket/key.bin", Types.file());
    assertEquals(remote.scalar!.blob!.uri, "s3://bucket/key.bin");
    await Deno.writeTextFile(`${dir}/f.txt`, "x");
    const local = await toLiteral(`${dir}/f.txt`, Types.file(), {
      storage: createStorage(),
      rawOutputPrefix: `${dir}/raw`,
    });
    assertMatch(local.scalar!.blob!.uri!, /\/raw\/[0-9a-f]{32}\/f\.txt$/);
  });
});

Deno.test("toLiteral() needs storage and a prefix to upload, and reports storage failures", async () => {
  await assertRejects(
    () => toLiteral(FlyteFile.fromLocal("/x/y.txt"), Types.file(), { name: "out", role: "output" }),
    TypeError,
    'Cannot upload "/x/y.txt": no storage or raw output prefix given',
  );
  await withDir(async (dir) => {
    const error = await assertRejects(
      () =>
        toLiteral(FlyteFile.fromLocal(`${dir}/missing.txt`), Types.file(), {
          storage: createStorage(),
          rawOutputPrefix: dir,
        }),
      StorageError,
    );
    assertEquals(error.code, "USER:NotFound");
  });
});

Deno.test("fromLiteral() names what was found in place of a blob", async () => {
  await assertRejects(
    () =>
      toLiteral(
        new FlyteFile({ uri: "s3://b/k" }) as unknown as FlyteDirectory,
        Types.directory(),
        { name: "d" },
      ),
    UserError,
    'Cannot convert value "d": expected multipart blob, found FlyteFile',
  );
  await assertRejects(
    () =>
      fromLiteral({ scalar: { primitive: { stringValue: "s3://b/k" } } }, Types.file("csv"), {
        name: "f",
        role: "input",
      }),
    UserError,
    'Cannot convert input "f": expected blob "csv", found string_value',
  );
});
