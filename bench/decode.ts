/**
 * Whole-process start-up cost of reading a task: N fresh `deno run` processes that decode
 * flytekit's `template.pb` + `inputs.pb` (testdata/idl/flytekit-sqlite3/) through `idl/mod.ts`
 * and convert the inputs with `literalMapToValues`, interleaved with N runs of an empty script.
 * Prints both medians and their ratio.
 *
 *   deno run -A bench/decode.ts [--runs 21]
 *
 * Not a test: run it on a quiet machine.
 *
 * @module
 */

import { interleave, median, timeCommand } from "./_measure.ts";

const ROOT = new URL("../", import.meta.url);
const FIXTURE = new URL("testdata/idl/flytekit-sqlite3/", ROOT);

/** The measured work, run in the child process (`--child`; `--idl-only` skips the values). */
async function child(idlOnly: boolean): Promise<void> {
  const { decodeLiteralMap, decodeTaskTemplate } = await import("../idl/mod.ts");
  const template = decodeTaskTemplate(await Deno.readFile(new URL("template.pb", FIXTURE)));
  const inputs = decodeLiteralMap(await Deno.readFile(new URL("inputs.pb", FIXTURE)));
  if (idlOnly) return;
  const { literalMapToValues } = await import("../types/mod.ts");
  const values = await literalMapToValues(inputs, template.interface?.inputs?.variables);
  if (values.limit !== 10n) throw new Error(`Unexpected inputs: ${String(values.limit)}`);
}

async function main(): Promise<void> {
  const runsFlag = Deno.args.indexOf("--runs");
  const runs = runsFlag >= 0 ? Number(Deno.args[runsFlag + 1]) : 21;
  const config = new URL("deno.json", ROOT).pathname;
  const empty = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const decodeArgs = [
      "run",
      "--config",
      config,
      "-A",
      new URL(import.meta.url).pathname,
      "--child",
    ];
    const emptyArgs = ["run", "--config", config, "-A", empty];
    const idlArgs = [...decodeArgs, "--idl-only"];
    const [base, idl, decode] = await interleave(
      [emptyArgs, idlArgs, decodeArgs],
      runs,
      async (args) => (await timeCommand([Deno.execPath(), ...args])).ms,
    );
    const d = median(decode);
    const x = median(idl);
    const e = median(base);
    console.log(`runs: ${runs} each, interleaved`);
    console.log(`empty deno run:                             median ${e.toFixed(1)} ms`);
    console.log(`decode template.pb + inputs.pb (idl only):  median ${x.toFixed(1)} ms`);
    console.log(`decode + literalMapToValues (idl + types):  median ${d.toFixed(1)} ms`);
    console.log(
      `ratio decode+values / empty: ${(d / e).toFixed(2)} (adds ${(d - e).toFixed(1)} ms)`,
    );
    console.log(
      `ratio idl only / empty:      ${(x / e).toFixed(2)} (adds ${(x - e).toFixed(1)} ms)`,
    );
  } finally {
    await Deno.remove(empty);
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--child")) await child(Deno.args.includes("--idl-only"));
  else await main();
}
