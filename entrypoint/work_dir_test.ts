import { assert, assertEquals } from "@std/assert";
import type { FlyteshimError } from "../errors.ts";
import { makeWorkDirSync, removeWorkDir, workDirError } from "./work_dir.ts";

Deno.test("workDirError() an unusable TMPDIR is USER and final, a full disk SYSTEM and retried", () => {
  const root = Deno.env.get("TMPDIR") || "/tmp";
  const cases: [unknown, string, string | undefined][] = [
    [
      new Deno.errors.NotFound("No such file or directory (os error 2)"),
      "USER:TempDirUnusable",
      "the folder does not exist",
    ],
    [
      new Deno.errors.PermissionDenied("Permission denied (os error 13)"),
      "USER:TempDirUnusable",
      "it is not writable",
    ],
    [
      new Deno.errors.NotADirectory("Not a directory (os error 20)"),
      "USER:TempDirUnusable",
      "it is not a folder",
    ],
    [
      new Error("Read-only file system (os error 30)"),
      "USER:TempDirUnusable",
      "it is not writable",
    ],
    [new Error("No space left on device (os error 28)"), "SYSTEM:TempDirFull", undefined],
  ];
  for (const [cause, code, detail] of cases) {
    const error = workDirError(cause) as FlyteshimError;
    assertEquals(error.code, code);
    assertEquals(error.recoverable, code.startsWith("SYSTEM"));
    assertEquals(error.cause, cause);
    if (detail) {
      assertEquals(
        error.message,
        `Cannot create a work folder in "${root}": ${detail}; set TMPDIR to a writable folder, or mount a writable volume at /tmp`,
      );
    }
  }
  const other = new TypeError("something else");
  assert(workDirError(other) === other);
});

Deno.test("removeWorkDir removes nested folders, files and links, and a folder already gone", async () => {
  const dir = makeWorkDirSync("flyteshim-test-");
  Deno.mkdirSync(`${dir}/inputs/a/b`, { recursive: true });
  Deno.mkdirSync(`${dir}/outputs`);
  Deno.writeTextFileSync(`${dir}/inputs/a/b/file`, "x");
  Deno.writeTextFileSync(`${dir}/top`, "y");
  Deno.symlinkSync(`${dir}/outputs`, `${dir}/link`);
  await removeWorkDir(dir);
  let gone = false;
  try {
    Deno.statSync(dir);
  } catch (error) {
    gone = error instanceof Deno.errors.NotFound;
  }
  assert(gone);
  await removeWorkDir(dir);
});
