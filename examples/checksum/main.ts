// The example executor's own entrypoint: flyteshim's runtime with a registry of one executor.
import { main } from "../../entrypoint/mod.ts";
import { createExecutorRegistry } from "../../executors/mod.ts";
import { checksumExecutor } from "./executor.ts";

Deno.exit(await main(Deno.args, { registry: createExecutorRegistry([checksumExecutor]) }));
