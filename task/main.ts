// The SDK command line (`deno task run`, `deno task package`, `deno task serialize`). `deno task`
// starts it in the folder of deno.json; paths are taken from where the user ran it (INIT_CWD).
import { runCli } from "./cli.ts";

const cwd = Deno.env.get("INIT_CWD") || Deno.cwd();
// Relative URIs inside templates (a SQLite `uri: "chinook.db"`) resolve against the working
// directory, as flytekit resolves them: make it the user's.
Deno.chdir(cwd);
Deno.exit(await runCli(Deno.args, { cwd }));
