import { assertEquals } from "@std/assert";
import { wordCount } from "./tasks.ts";

Deno.test("examples/command: the word count example runs its Python script locally", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/poem.txt`, "the cat and the hat and the bat\n");
    const { total, top } = await wordCount.run({ text: `${dir}/poem.txt`, top: 2 }, { dir });
    assertEquals(total, 8n);
    assertEquals(await Deno.readTextFile(top.uri), "the\t3\nand\t2\n");
  } finally {
    // A failed assertion must not leave the folder in TMPDIR either.
    await Deno.remove(dir, { recursive: true });
  }
});
