// The layout's two rules, checked on the import graph that `deno info --json` reads from every
// TypeScript module of the project (generated code under idl/gen/, node_modules/, dist/ left out):
//
// 1. The `_` rule. A path segment that starts with `_` is private to the folder that holds it:
//    `storage/_fs.ts` to `storage/`, everything below `executors/_sql/` to `executors/`. Only
//    modules inside that folder (at any depth) import it; other folders go through its public
//    files. One exception, for test support: the helpers in `_testing/` are imported by harness
//    files only, which are test files (`*_test.ts`, anywhere) and the files of `tests/`, `bench/`,
//    `tools/` and `_testing/`; a library module imports none of them. `tests/` holds suites
//    (`*_test.ts`) only, so that nothing imports from it.
// 2. No import cycle. Static imports, type-only ones included, form no cycle at all. Lazy
//    imports (`import()`) are checked too, so that no module imports what loads it lazily (a
//    backend importing the storage that loads it); the cycles still known are listed below.
// 3. Layers. The library's folders are layered as docs/architecture.md draws them (LAYERS, top
//    first), and a module imports only its own layer and the ones below, unit tests included.
//    Folders outside the library (tests/, bench/, tools/, examples/, demo/, testdata/, _testing/)
//    are not layered; a new top-level folder must be placed in one list or the other.
import { assert, assertEquals } from "@std/assert";
import { tempDir } from "../_testing/temp.ts";

const ROOT = new URL("../", import.meta.url);
const SKIP = new Set(["node_modules", "dist", ".git", ".tmp", "idl/gen"]);

// Cycles through lazy imports that are known and owned elsewhere, each as its sorted members. The
// SDK's task/ folder (task/types.ts shared by define, run and serialize, issue 13) will empty this
// list: the test fails once a listed cycle is gone, so that it is removed here too.
const KNOWN_LAZY_CYCLES: string[][] = [];

// The library's layers, top first (docs/architecture.md#layers).
const LAYERS = [
  "mod.ts",
  "cli",
  "task",
  "entrypoint",
  "resolver",
  "executors",
  "parquet",
  "secrets",
  "types",
  "storage",
  "idl",
  "errors.ts",
];
const OUTSIDE_LAYERS = ["tests", "bench", "tools", "examples", "demo", "testdata", "_testing"];

interface Graph {
  /** Static imports (value and type) of each module, by path from the repository root. */
  statics: Map<string, Set<string>>;
  /** Lazy `import()`s with a literal specifier. */
  lazies: Map<string, Set<string>>;
}

async function projectModules(dir = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir || ".", ROOT))) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (SKIP.has(path) || SKIP.has(entry.name)) continue;
    if (entry.isDirectory) out.push(...await projectModules(path));
    else if (entry.isFile && path.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

interface DenoInfo {
  modules: {
    specifier: string;
    dependencies?: {
      code?: { specifier: string };
      type?: { specifier: string };
      isDynamic?: boolean;
    }[];
  }[];
}

/** The import graph of `modules`, read by Deno's own parser from one root importing them all. */
async function importGraph(modules: string[]): Promise<Graph> {
  const root = `${await tempDir()}/root.ts`;
  await Deno.writeTextFile(
    root,
    modules.map((m) => `import "${new URL(m, ROOT).href}";\n`).join(""),
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", new URL("deno.json", ROOT).pathname, root],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as DenoInfo;
  const local = (specifier: string) =>
    specifier.startsWith(ROOT.href) ? specifier.slice(ROOT.href.length) : undefined;
  const graph: Graph = { statics: new Map(), lazies: new Map() };
  for (const module of info.modules) {
    const from = local(module.specifier);
    if (!from || !modules.includes(from)) continue;
    for (const dep of module.dependencies ?? []) {
      for (const target of [dep.code, dep.type]) {
        const to = target && local(target.specifier);
        if (!to?.endsWith(".ts")) continue;
        const edges = dep.isDynamic ? graph.lazies : graph.statics;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)!.add(to);
      }
    }
  }
  return graph;
}

/** The folder a path is private to (`""` for the root), or `undefined` for a public path. */
function privateTo(path: string): string | undefined {
  const parts = path.split("/");
  const at = parts.findIndex((part) => part.startsWith("_"));
  return at < 0 ? undefined : parts.slice(0, at).join("/");
}

function isHarness(path: string): boolean {
  return path.endsWith("_test.ts") || /^(tests|bench|tools|_testing)\//.test(path);
}

function isTestSupport(path: string): boolean {
  return path.startsWith("_testing/");
}

/** Why `from` may not import `to`, or `undefined` when it may. */
function privateImportError(from: string, to: string): string | undefined {
  if (isTestSupport(to)) {
    return isHarness(from) ? undefined : "test support is for tests, benches and tools only";
  }
  const owner = privateTo(to);
  if (owner === undefined || owner === "" || from.startsWith(`${owner}/`)) return undefined;
  return `"${to}" is private to ${owner}/`;
}

/** The strongly connected components of more than one module (or a module importing itself). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.get(v)?.has(v)) out.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** One import path around a component: `a.ts -> b.ts -> a.ts`. */
function cyclePath(component: string[], edges: Map<string, Set<string>>): string {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...edges.get(v) ?? []].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at: string | undefined = v; at !== start && at; at = previous.get(at)) {
          path.splice(1, 0, at);
        }
        return [...path, start].join(" -> ");
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(", ");
}

function union(a: Map<string, Set<string>>, b: Map<string, Set<string>>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const map of [a, b]) {
    for (const [from, targets] of map) out.set(from, new Set([...out.get(from) ?? [], ...targets]));
  }
  return out;
}

const modules = await projectModules();
const graph = await importGraph(modules);

Deno.test("architecture: the walk sees the project's modules and their imports", () => {
  for (const expected of ["mod.ts", "storage/mod.ts", "parquet/mod.ts", "_testing/propeller.ts"]) {
    assert(modules.includes(expected), `${expected} is not walked`);
  }
  assert(!modules.some((m) => m.startsWith("idl/gen/") || m.startsWith("node_modules/")));
  assert(graph.statics.get("storage/mod.ts")?.has("storage/storage.ts"));
  assert(graph.lazies.get("storage/storage.ts")?.has("storage/file.ts"));
});

Deno.test("architecture: tests/ holds suites only, so that nothing imports from it", () => {
  const helpers = modules.filter((m) => m.startsWith("tests/") && !m.endsWith("_test.ts"));
  assertEquals(helpers, [], "move these to _testing/");
});

Deno.test("architecture: no module imports another folder's _ file", () => {
  const errors: string[] = [];
  for (const [from, targets] of union(graph.statics, graph.lazies)) {
    for (const to of targets) {
      const error = privateImportError(from, to);
      if (error) errors.push(`${from} imports ${to}: ${error}`);
    }
  }
  assertEquals(errors, []);
});

Deno.test("architecture: the _ rule tells private from public paths", () => {
  const cases: [string, string, boolean][] = [
    ["storage/s3.ts", "storage/_retry.ts", true],
    ["executors/sqlite3/mod.ts", "storage/_redact.ts", false],
    ["executors/sql/mod.ts", "executors/_sql/render.ts", true],
    ["_testing/template_diff.ts", "executors/_sql/render.ts", false],
    ["types/union.ts", "idl/_wire.ts", false],
    ["idl/gen/wire_tables.ts", "idl/_tables.ts", true],
    ["parquet/parquet_test.ts", "_testing/duckdb.ts", true],
    ["bench/sql.ts", "_testing/postgres.ts", true],
    ["storage/file.ts", "_testing/s3rver.ts", false],
    ["storage/file.ts", "_testing/assert.ts", false],
    ["entrypoint/main.ts", "storage/mod.ts", true],
  ];
  for (const [from, to, allowed] of cases) {
    assertEquals(privateImportError(from, to) === undefined, allowed, `${from} -> ${to}`);
  }
});

Deno.test("architecture: static imports form no cycle", () => {
  const found = cycles(graph.statics).map((c) => cyclePath(c, graph.statics));
  assertEquals(found, []);
});

Deno.test("architecture: lazy imports close no cycle but the known ones", () => {
  const edges = union(graph.statics, graph.lazies);
  const found = cycles(edges);
  const known = new Set(KNOWN_LAZY_CYCLES.map((c) => c.join(", ")));
  const unknown = found.filter((c) => !known.has(c.join(", "))).map((c) => cyclePath(c, edges));
  assertEquals(unknown, []);
  const gone = [...known].filter((k) => !found.some((c) => c.join(", ") === k));
  assertEquals(gone, [], "these cycles are gone: remove them from KNOWN_LAZY_CYCLES");
});

/** The top-level folder or file a module belongs to; a root unit test goes with its module. */
function topOf(path: string): string {
  const top = path.split("/")[0];
  return top === path ? top.replace(/_test\.ts$/, ".ts") : top;
}

Deno.test("architecture: every top-level folder is a layer or outside the library", () => {
  const tops = [...new Set(modules.map(topOf))];
  const unplaced = tops.filter((t) => !LAYERS.includes(t) && !OUTSIDE_LAYERS.includes(t));
  assertEquals(unplaced, [], "add these to LAYERS (and docs/architecture.md) or OUTSIDE_LAYERS");
});

Deno.test("architecture: each layer imports only its own and the layers below", () => {
  const layer = (path: string) => LAYERS.indexOf(topOf(path));
  const errors: string[] = [];
  for (const [from, targets] of union(graph.statics, graph.lazies)) {
    if (layer(from) < 0) continue;
    for (const to of targets) {
      if (layer(to) >= 0 && layer(to) < layer(from)) errors.push(`${from} imports ${to}`);
    }
  }
  assertEquals(errors, []);
});

Deno.test("architecture: a cycle is reported as an import path", () => {
  const edges = new Map([
    ["a.ts", new Set(["b.ts"])],
    ["b.ts", new Set(["c.ts"])],
    ["c.ts", new Set(["a.ts", "d.ts"])],
  ]);
  const found = cycles(edges);
  assertEquals(found, [["a.ts", "b.ts", "c.ts"]]);
  assertEquals(cyclePath(found[0], edges), "a.ts -> b.ts -> c.ts -> a.ts");
});
