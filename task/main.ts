// The SDK command line (`deno task run`, `deno task package`, `deno task serialize`). `deno task`
// starts it in the folder of deno.json; paths are taken from where the user ran it (INIT_CWD).
import { runCli } from "./cli.ts";

Deno.exit(await runCli(Deno.args, { cwd: Deno.env.get("INIT_CWD") || Deno.cwd() }));
