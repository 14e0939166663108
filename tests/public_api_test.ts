// The published surface: every public symbol has one home entry point, the root re-exports only
// what authoring a task needs, and ./entrypoint is what a binary of one's own needs
// (docs/architecture.md#public-entry-points). Read from `deno doc --json` of each export.
import { assert, assertEquals } from "@std/assert";
import denoConfig from "../deno.json" with { type: "json" };

const ROOT = new URL("../", import.meta.url);

interface DocSymbol {
  name: string;
  declarations: { location: { filename: string } }[];
}

/** The symbols of each export, as `name@file` of their declaration (relative to the root). */
async function surface(): Promise<Map<string, string[]>> {
  const exports = Object.entries(denoConfig.exports as Record<string, string>);
  const lists = await Promise.all(exports.map(async ([, file]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["doc", "--json", file],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    const doc = JSON.parse(new TextDecoder().decode(out.stdout));
    const [module] = Object.values(doc.nodes) as { symbols: DocSymbol[] }[];
    return module.symbols.map((s) =>
      `${s.name}@${s.declarations[0].location.filename.replace(ROOT.href, "")}`
    );
  }));
  return new Map(exports.map(([key], i) => [key, lists[i]]));
}

const entries = await surface();

Deno.test("public api: every symbol has one home entry point besides the root", () => {
  const homes = new Map<string, string[]>();
  for (const [key, symbols] of entries) {
    if (key === ".") continue;
    for (const symbol of symbols) homes.set(symbol, [...homes.get(symbol) ?? [], key]);
  }
  const shared = [...homes].filter(([, keys]) => keys.length > 1).map(([s, k]) => `${s}: ${k}`);
  assertEquals(shared, []);
});

Deno.test("public api: the root re-exports from ./task, ./types and ./executors, and holds the errors", () => {
  const elsewhere = new Set(
    ["./task", "./types", "./executors"].flatMap((key) => entries.get(key) ?? []),
  );
  const stray = entries.get(".")!.filter((s) => !elsewhere.has(s) && !s.endsWith("@errors.ts"));
  assertEquals(stray, []);
  assert(entries.get(".")!.includes("sqlite3Task@task/sql.ts"));
});

Deno.test("public api: two different symbols share a name only as protobufjs's generated roots", () => {
  const byName = new Map<string, Set<string>>();
  for (const symbols of entries.values()) {
    for (const symbol of symbols) {
      const name = symbol.slice(0, symbol.indexOf("@"));
      byName.set(name, (byName.get(name) ?? new Set()).add(symbol));
    }
  }
  const colliding = [...byName].filter(([, symbols]) => symbols.size > 1).map(([name]) => name);
  assertEquals(colliding.sort(), ["Long", "google"]);
});

Deno.test("public api: ./entrypoint is what a binary of one's own needs", () => {
  assertEquals(entries.get("./entrypoint")!.map((s) => s.slice(0, s.indexOf("@"))).sort(), [
    "Env",
    "MainOptions",
    "main",
  ]);
});
