// The doc-comment rule (docs/contributing.md), checked on what `deno doc --json` (Deno's own
// parser) reads from every module deno.json exports, re-exported symbols included:
//
// 1. Examples document behaviour. An `@example` sits on a function, a class, a module doc, or an
//    interface that has behaviour (a method or a call signature); one on a variable, an enum, a
//    type alias or a plain interface fails. A plain interface is one whose own members are all
//    properties (a property typed as a callback, such as an `onProgress` option, is still a
//    property); what an example would show there belongs on the function that takes it. Two kinds
//    count as callable, like a call signature: a variable or a type alias whose type is a function
//    type. Properties of interfaces and classes carry no example either. std checks examples the
//    same way on functions, classes and module docs and leaves the other kinds to each author;
//    here they are closed.
// 2. Every function, class and module doc of a public module has a titled `@example` (std's rule).
// 3. An example imports from its module's own layer or a lower one (LAYERS of
//    tests/architecture_test.ts): `@flyteshim/flyteshim/<export>` is mapped to its file through
//    deno.json's exports, relative specifiers to their file, other packages are not checked. The
//    root `@flyteshim/flyteshim` is the top layer, and is allowed to the symbols that the root is
//    the only export path of (errors.ts's errors, whose only public home is the root). The
//    library's modules that no export reaches are checked too, read as text; the root is above
//    them all (their examples import errors from "../errors.ts").
// 4. No doc-comment line is longer than the format width (100 columns) in any TypeScript file of
//    the project (generated idl/gen/, node_modules/, dist/ left out).
//
// Symbols declared under idl/gen/ (protobufjs's generated declarations, `Long` included) are
// generated text, not ours, and are left out of 1-3.
import { assert, assertEquals } from "@std/assert";

const ROOT = new URL("../", import.meta.url);
const ROOT_PATH = ROOT.pathname;
const PACKAGE = "@flyteshim/flyteshim";
const LINE_WIDTH = 100;
const SKIP = new Set(["node_modules", "dist", ".git", ".tmp", "idl/gen"]);

const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
  exports: Record<string, string>;
  fmt: { lineWidth: number };
};
/** Export path ("." or "./storage") to its file ("mod.ts", "storage/mod.ts"). */
const EXPORTS = new Map(
  Object.entries(config.exports).map(([path, file]) => [path, file.replace(/^\.\//, "")]),
);

/** The layers, top first, read from tests/architecture_test.ts so that they are written once. */
async function readLayers(): Promise<string[]> {
  const text = await Deno.readTextFile(new URL("tests/architecture_test.ts", ROOT));
  const list = /^const LAYERS = \[([^\]]*)\];/m.exec(text);
  assert(list, "tests/architecture_test.ts declares no `const LAYERS = [...]`");
  return [...list[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}
const LAYERS = await readLayers();

/** A path's layer, 0 at the top; -1 for a path outside the layers. */
function layerOf(path: string): number {
  return LAYERS.indexOf(path.split("/")[0]);
}

interface JsDoc {
  doc?: string;
  tags?: { kind: string; doc?: string }[];
}
interface DocDeclaration {
  kind: string;
  location: { filename: string; line: number; col: number };
  jsDoc?: JsDoc;
  // deno-lint-ignore no-explicit-any
  def?: any;
}
interface DocNode {
  module_doc?: JsDoc;
  symbols: { name: string; declarations: DocDeclaration[] }[];
}

/** One documented thing: a module doc, a declaration or one of its members. */
interface Documented {
  /** "storage/types.ts:49 DownloadOptions" */
  where: string;
  kind: string;
  /** The file that declares it, from the root. */
  file: string;
  jsDoc: JsDoc;
  /** Whether an example may sit on it (rule 1). */
  examplesAllowed: boolean;
  /** Whether it must have an example (rule 2). */
  exampleRequired: boolean;
  /** The export paths' files whose modules export it (for the root exception of rule 3). */
  exportedBy: Set<string>;
}

const relative = (url: string) =>
  url.startsWith("file://") ? url.slice(`file://${ROOT_PATH}`.length) : url;

// deno-lint-ignore no-explicit-any
function isFunctionType(tsType: any): boolean {
  return tsType?.kind === "fnOrConstructor";
}

/** Whether an interface has behaviour: a method or a call signature among its own members. */
// deno-lint-ignore no-explicit-any
function hasBehaviour(def: any): boolean {
  return (def?.methods?.length ?? 0) > 0 || (def?.callSignatures?.length ?? 0) > 0;
}

/** Every module doc, declaration and member that the public modules document. */
async function publicDocs(): Promise<Documented[]> {
  const files = [...new Set(EXPORTS.values())];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...files],
    cwd: ROOT_PATH,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const nodes = (JSON.parse(new TextDecoder().decode(out.stdout)) as {
    nodes: Record<string, DocNode>;
  }).nodes;

  const byLocation = new Map<string, Documented>();
  const exportedBy = new Map<string, Set<string>>();
  const docs: Documented[] = [];
  const key = (l: { filename: string; line: number; col: number }) =>
    `${l.filename}:${l.line}:${l.col}`;
  const exporters = (k: string) => {
    if (!exportedBy.has(k)) exportedBy.set(k, new Set());
    return exportedBy.get(k)!;
  };

  for (const [url, node] of Object.entries(nodes)) {
    const entry = relative(url);
    // Every export's module has a module doc with an example; a missing one counts as empty.
    docs.push({
      where: `${entry} (module doc)`,
      kind: "module",
      file: entry,
      jsDoc: node.module_doc ?? {},
      examplesAllowed: true,
      exampleRequired: true,
      exportedBy: new Set([entry]),
    });
    for (const symbol of node.symbols) {
      for (const declaration of symbol.declarations) {
        if (declaration.kind === "reference") {
          exporters(key(declaration.def.target)).add(entry);
          continue;
        }
        const k = key(declaration.location);
        exporters(k).add(entry);
        const file = relative(declaration.location.filename);
        if (byLocation.has(k) || file.startsWith("idl/gen/")) continue;
        const { kind, def } = declaration;
        const examplesAllowed = kind === "function" || kind === "class" ||
          (kind === "interface" && hasBehaviour(def)) ||
          (kind === "typeAlias" && isFunctionType(def?.tsType)) ||
          (kind === "variable" && isFunctionType(def?.tsType));
        const documented: Documented = {
          where: `${file}:${declaration.location.line} ${symbol.name}`,
          kind,
          file,
          jsDoc: declaration.jsDoc ?? {},
          examplesAllowed,
          // Overloads: the first declaration carries the symbol's doc.
          exampleRequired: (kind === "function" || kind === "class") &&
            declaration === symbol.declarations.find((d) => d.kind === kind),
          exportedBy: exporters(k),
        };
        byLocation.set(k, documented);
        docs.push(documented);
        // Members: methods, constructors and call signatures may carry examples; properties not.
        const members: [string, JsDoc | undefined, boolean][] = [
          ...(def?.methods ?? []).map((m: { name: string; jsDoc?: JsDoc }) =>
            [m.name, m.jsDoc, true] as [string, JsDoc | undefined, boolean]
          ),
          ...(def?.constructors ?? []).map((m: { jsDoc?: JsDoc }) =>
            ["constructor", m.jsDoc, true] as [string, JsDoc | undefined, boolean]
          ),
          ...(def?.callSignatures ?? []).map((m: { jsDoc?: JsDoc }) =>
            ["(call)", m.jsDoc, true] as [string, JsDoc | undefined, boolean]
          ),
          ...(def?.properties ?? []).map((m: { name: string; jsDoc?: JsDoc }) =>
            [m.name, m.jsDoc, false] as [string, JsDoc | undefined, boolean]
          ),
        ];
        for (const [name, jsDoc, allowed] of members) {
          if (!jsDoc) continue;
          docs.push({
            ...documented,
            where: `${documented.where}.${name}`,
            kind: `${kind} member`,
            jsDoc,
            examplesAllowed: allowed,
            exampleRequired: false,
          });
        }
      }
    }
  }
  return docs;
}

const DOCS = await publicDocs();
const examplesOf = (d: Documented) => (d.jsDoc.tags ?? []).filter((t) => t.kind === "example");

/** The import specifiers of an example's code blocks (static, side-effect and dynamic). */
function importSpecifiers(example: string): string[] {
  const code = [...example.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n");
  return [
    ...code.matchAll(/\bfrom\s+"([^"]+)"/g),
    ...code.matchAll(/\bimport\s+"([^"]+)"/g),
    ...code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1]);
}

/** The file a specifier names inside the project, or undefined for another package. */
function targetOf(specifier: string, from: string): string | undefined {
  if (specifier === PACKAGE || specifier.startsWith(`${PACKAGE}/`)) {
    const path = specifier === PACKAGE ? "." : `.${specifier.slice(PACKAGE.length)}`;
    return EXPORTS.get(path) ?? `(not an export: ${specifier})`;
  }
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    return relative(new URL(specifier, new URL(from, ROOT)).href);
  }
  return undefined;
}

/** The violations of rule 3 in one documented thing. */
function layerViolations(d: Documented): string[] {
  const errors: string[] = [];
  const own = layerOf(d.file);
  const onlyRoot = d.exportedBy.size > 0 && [...d.exportedBy].every((f) => f === EXPORTS.get("."));
  for (const example of examplesOf(d)) {
    for (const specifier of importSpecifiers(example.doc ?? "")) {
      const target = targetOf(specifier, d.file);
      if (target === undefined) continue;
      if (specifier === PACKAGE && onlyRoot) continue;
      const layer = layerOf(target);
      if (layer < 0 || layer < own) {
        errors.push(`${d.where}: "${specifier}" (${target}) is above its layer (${LAYERS[own]})`);
      }
    }
  }
  return errors;
}

Deno.test("doc comments: the public modules are read", () => {
  assert(LAYERS.includes("mod.ts") && LAYERS.includes("errors.ts"), LAYERS.join(", "));
  assertEquals(config.fmt.lineWidth, LINE_WIDTH);
  const modules = DOCS.filter((d) => d.kind === "module").map((d) => d.file);
  assertEquals(modules.sort(), [...new Set(EXPORTS.values())].sort());
  assert(DOCS.some((d) => d.where.endsWith(" createStorage") && d.kind === "function"));
});

Deno.test("doc comments: examples only on functions, classes, modules and interfaces with behaviour", () => {
  const misplaced = DOCS.filter((d) => !d.examplesAllowed && examplesOf(d).length > 0)
    .map((d) => `${d.where} (${d.kind})`);
  assertEquals(misplaced, [], "move what the example shows onto the function it calls, or drop it");
});

Deno.test("doc comments: every function, class and module doc has a titled example", () => {
  const missing = DOCS.filter((d) => d.exampleRequired && examplesOf(d).length === 0)
    .map((d) => `${d.where} (${d.kind})`);
  assertEquals(missing, []);
  const untitled = DOCS.filter((d) => examplesOf(d).some((t) => !t.doc || t.doc.startsWith("```")))
    .map((d) => d.where);
  assertEquals(untitled, [], "an @example starts with its title line");
});

Deno.test("doc comments: an example imports its own layer or a lower one", () => {
  assertEquals(DOCS.flatMap(layerViolations), []);
});

/** The `@example` texts of a file's doc comments, read from its text. */
function examplesInText(text: string): string[] {
  const examples: string[] = [];
  for (const [comment] of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const body = comment.split("\n").map((line) => line.replace(/^\s*\*( |$)/, "")).join("\n");
    examples.push(...body.split(/^@example\b/m).slice(1));
  }
  return examples;
}

Deno.test("doc comments: an example of a library module no export reaches imports no higher layer", async () => {
  // Modules that no export path reaches (entrypoint/execute.ts, ...) are read as text: their
  // examples run with `deno test --doc` all the same. They have no public path of their own, so
  // the root is above them, and an error class is imported from "../errors.ts".
  const covered = new Set(DOCS.map((d) => d.file));
  const errors: string[] = [];
  const files = (await projectFiles()).filter((f) =>
    layerOf(f) >= 0 && !f.endsWith("_test.ts") && !covered.has(f)
  );
  assert(files.includes("entrypoint/execute.ts"), files.join(", "));
  for (const file of files) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    for (const example of examplesInText(text)) {
      for (const specifier of importSpecifiers(example)) {
        const target = targetOf(specifier, file);
        if (target !== undefined && (layerOf(target) < 0 || layerOf(target) < layerOf(file))) {
          errors.push(`${file}: "${specifier}" (${target}) is above its layer`);
        }
      }
    }
  }
  assertEquals(errors, []);
});

/** The TypeScript files of the project, from the root. */
async function projectFiles(dir = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(new URL(dir || ".", ROOT))) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (SKIP.has(path) || SKIP.has(entry.name)) continue;
    if (entry.isDirectory) files.push(...await projectFiles(path));
    else if (entry.isFile && /\.(ts|tsx|mts)$/.test(path)) files.push(path);
  }
  return files.sort();
}

/** The `path:line (columns)` of doc-comment lines (inside `/** ... *\/`) wider than `width`. */
function wideDocLines(path: string, text: string, width: number): string[] {
  const wide: string[] = [];
  let inside = false;
  text.split("\n").forEach((line, i) => {
    if (!inside && line.trimStart().startsWith("/**")) inside = true;
    const columns = [...line].length;
    if (inside && columns > width) wide.push(`${path}:${i + 1} (${columns})`);
    if (inside && line.includes("*/")) inside = false;
  });
  return wide;
}

Deno.test("doc comments: no line is wider than the format width", async () => {
  assertEquals(wideDocLines("x.ts", `/**\n * ${"a".repeat(99)}\n */\n${"b".repeat(200)}`, 100), [
    "x.ts:2 (102)",
  ]);
  const wide: string[] = [];
  for (const path of await projectFiles()) {
    wide.push(...wideDocLines(path, await Deno.readTextFile(new URL(path, ROOT)), LINE_WIDTH));
  }
  assertEquals(wide, []);
});
