// The hand-over between the main thread and the abort watchdog (entrypoint/abort_watchdog.ts),
// each case in its own process (_testing/abort_watchdog_probe.ts), which sends itself SIGTERM.
import { removing } from "../_testing/temp.ts";
import { assertEquals } from "@std/assert";

async function probe(mode: "held" | "held-flyte2" | "claimed") {
  const dir = await Deno.makeTempDir({ prefix: "flyteshim-watchdog-" });
  await using _dir = removing(dir);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../_testing/abort_watchdog_probe.ts", import.meta.url).pathname,
      mode,
      dir,
    ],
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text.trim().split("\n").pop()!);
}

Deno.test("abort watchdog: with the main thread held, it writes SYSTEM:Aborted, removes the work folder, and the main thread stands down", async () => {
  assertEquals(await probe("held"), {
    claimedAfter: false,
    error: {
      code: "SYSTEM:Aborted",
      message: "Task was aborted: received SIGTERM",
      timestamp: true,
    },
    workKept: false,
  });
});

Deno.test("abort watchdog: on Flyte 2 it writes the ContainerError's fields 1-4 only, as the main thread does", async () => {
  assertEquals(await probe("held-flyte2"), {
    claimedAfter: false,
    error: {
      code: "SYSTEM:Aborted",
      message: "Task was aborted: received SIGTERM",
      timestamp: false,
    },
    workKept: false,
  });
});

Deno.test("abort watchdog: a main thread that claimed the ending first keeps it; nothing is written", async () => {
  assertEquals(await probe("claimed"), { claimedFirst: true, claimedAfter: true, workKept: true });
});
