// A third party's flyteshim binary: the built-in executors, plus its own storage backend for
// mnt:// URIs (_testing/mounted_backend.ts), plugged in through main's options.
import { main } from "../entrypoint/mod.ts";
import { createExecutorRegistry } from "../executors/mod.ts";
import { BUILTIN_EXECUTORS } from "../executors/builtin.ts";

Deno.exit(
  await main(Deno.args, {
    registry: createExecutorRegistry(BUILTIN_EXECUTORS),
    storageBackends: { mnt: () => import("./mounted_backend.ts") },
  }),
);
