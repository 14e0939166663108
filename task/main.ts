// The SDK command line (`deno task run`, `deno task package`, `deno task serialize`).
import { runCli } from "./cli.ts";

Deno.exit(await runCli(Deno.args));
