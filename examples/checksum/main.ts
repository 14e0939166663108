// The example executor's own entrypoint: flyteshim's runtime with a registry of one executor.
import { main } from "@flyteshim/flyteshim/entrypoint";
import { checksumExecutor } from "./executor.ts";
Deno.exit(await main(Deno.args, { registry: [checksumExecutor] }));
