// The documentation cannot drift from the code: every TypeScript block in README.md, CHANGELOG.md
// and docs/ either runs as a doc test, or is marked `ignore from=<path>` and is a verbatim excerpt
// of a file that a test runs; every relative link resolves to a file (and heading) that exists;
// every page is reachable from README.md; the error-code reference lists exactly errors.ts's
// ERROR_CODES; and the configuration reference lists every environment variable the code reads.
import { assert, assertEquals } from "@std/assert";
import { ERROR_CODES } from "../errors.ts";
import { ERROR_CODES_PAGE, meaningCell, recoverableCell } from "../tools/gen_error_codes.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const TS_LANGS = new Set(["ts", "typescript", "tsx", "js", "javascript", "jsx", "mts"]);

/** The Markdown files the checks cover, relative to the root. */
async function markdownFiles(): Promise<string[]> {
  const files = ["README.md", "CHANGELOG.md"];
  async function walk(dir: string) {
    for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".md")) files.push(path);
    }
  }
  await walk("docs");
  return files.sort();
}

interface Block {
  file: string;
  line: number;
  lang: string;
  attributes: string[];
  code: string;
}

/** Fenced code blocks (``` or ~~~), with their info string split into language and attributes. */
function codeBlocks(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [lang = "", ...attributes] = open[3].trim().split(/\s+/);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trim().startsWith(open[2])) body.push(lines[j++]);
    blocks.push({ file, line: i + 1, lang: lang.toLowerCase(), attributes, code: body.join("\n") });
    i = j;
  }
  return blocks;
}

/** The text outside fenced blocks and inline code spans (where links are links). */
function prose(text: string): string {
  let inFence = false;
  const kept: string[] = [];
  for (const line of text.split("\n")) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) {
      inFence = !inFence;
      kept.push("");
      continue;
    }
    kept.push(inFence ? "" : line.replace(/`[^`]*`/g, "``"));
  }
  return kept.join("\n");
}

/**
 * GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens, repeats numbered.
 */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let inFence = false;
  for (const line of text.split("\n")) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.*?)\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count ? `${base}-${count}` : base);
  }
  return result;
}

function resolve(from: string, target: string): string {
  const url = new URL(target, `file://${ROOT}${from}`);
  return decodeURIComponent(url.pathname).slice(ROOT.length);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(`${ROOT}${path}`);
    return true;
  } catch {
    return false;
  }
}

/** Test files that name `path` (relative to the root, or to the test's own folder). */
async function testsNaming(path: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string) {
    for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
      if (["node_modules", ".git", "dist", ".tmp", "idl"].includes(entry.name)) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(rel);
      else if (entry.name.endsWith("_test.ts")) {
        const text = await Deno.readTextFile(`${ROOT}${rel}`);
        const local = dir && path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : undefined;
        if (text.includes(path) || (local && text.includes(local))) found.push(rel);
      }
    }
  }
  await walk("");
  return found;
}

/** The modules a test file imports, directly or not (`deno info`), relative to the root. */
async function testGraph(test: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", test],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const root = `file://${ROOT}`;
  return info.modules.map((m) => m.specifier).filter((s) => s.startsWith(root)).map((s) =>
    s.slice(root.length)
  );
}

/** A file is tested when a test names it (to run it) or imports it (a test beside it). */
async function isTested(path: string): Promise<boolean> {
  if ((await testsNaming(path)).length > 0) return true;
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    if (!entry.name.endsWith("_test.ts")) continue;
    if ((await testGraph(`${dir}/${entry.name}`)).includes(path)) return true;
  }
  return false;
}

Deno.test("docs: every TypeScript block runs as a doc test or is an excerpt of a tested file", async () => {
  const runnable = new Map<string, number>();
  const problems: string[] = [];
  for (const file of await markdownFiles()) {
    for (const block of codeBlocks(file, await Deno.readTextFile(`${ROOT}${file}`))) {
      if (!TS_LANGS.has(block.lang)) continue;
      const where = `${block.file}:${block.line}`;
      if (block.lang !== "ts") {
        problems.push(`${where}: write TypeScript blocks as \`\`\`ts (found "${block.lang}")`);
        continue;
      }
      const from = block.attributes.find((a) => a.startsWith("from="))?.slice(5);
      if (!block.attributes.includes("ignore")) {
        if (from) problems.push(`${where}: a block with from= must also be marked ignore`);
        runnable.set(file, (runnable.get(file) ?? 0) + 1);
        continue;
      }
      if (!from) {
        problems.push(
          `${where}: an ignored block must name the tested file it is taken from (from=)`,
        );
        continue;
      }
      if (!(await exists(from))) {
        problems.push(`${where}: from=${from} does not exist`);
        continue;
      }
      const source = (await Deno.readTextFile(`${ROOT}${from}`)).split("\n").map((l) => l.trimEnd())
        .join("\n");
      const excerpt = block.code.split("\n").map((l) => l.trimEnd()).join("\n").trim();
      if (!source.includes(excerpt)) {
        problems.push(`${where}: the block is not a verbatim excerpt of ${from}`);
      }
      if (!(await isTested(from))) problems.push(`${where}: no *_test.ts runs ${from}`);
    }
  }
  assertEquals(problems, []);

  if (runnable.size === 0) return;
  const files = [...runnable.keys()];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--doc", "--allow-read", "--allow-write", "--allow-env", ...files],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
  const expected = [...runnable.values()].reduce((a, b) => a + b, 0);
  const passed = /ok \| (\d+) passed/.exec(text);
  assertEquals(Number(passed?.[1]), expected, text);
});

Deno.test("docs: every relative link resolves to a file and heading that exist", async () => {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  async function anchorsOf(path: string) {
    if (!anchorCache.has(path)) {
      anchorCache.set(path, anchors(await Deno.readTextFile(`${ROOT}${path}`)));
    }
    return anchorCache.get(path)!;
  }
  for (const file of await markdownFiles()) {
    const text = prose(await Deno.readTextFile(`${ROOT}${file}`));
    for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const [path, anchor] = target.split("#");
      const resolved = path ? resolve(file, path) : file;
      if (!(await exists(resolved))) {
        problems.push(`${file}: link to "${target}": no file ${resolved}`);
        continue;
      }
      if (anchor && resolved.endsWith(".md") && !(await anchorsOf(resolved)).has(anchor)) {
        problems.push(`${file}: link to "${target}": no heading #${anchor} in ${resolved}`);
      }
    }
  }
  assertEquals(problems, []);
});

Deno.test("docs: every page is reachable from README.md", async () => {
  const files = await markdownFiles();
  const reached = new Set(["README.md"]);
  const queue = ["README.md"];
  while (queue.length) {
    const file = queue.shift()!;
    const text = prose(await Deno.readTextFile(`${ROOT}${file}`));
    for (const match of text.matchAll(/\]\(([^)\s#]+)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(match[1])) continue;
      const target = resolve(file, match[1]);
      if (files.includes(target) && !reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  assertEquals(files.filter((f) => !reached.has(f)), []);
});

Deno.test("docs: every `deno task` named in the docs exists in deno.json", async () => {
  const { tasks } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    tasks: Record<string, string>;
  };
  const problems: string[] = [];
  for (const file of await markdownFiles()) {
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    for (const match of text.matchAll(/deno(?:@[\d.]+)? task (?!--)([a-z][\w-]*)/g)) {
      // A project's own task (the getting-started guide's `flyteshim`) is defined in the same file.
      if (!(match[1] in tasks) && !text.includes(`"${match[1]}": "deno run`)) {
        problems.push(`${file}: "deno task ${match[1]}" is not a task of deno.json`);
      }
    }
  }
  assertEquals(problems, []);
});

Deno.test("docs: README.md stays a front page (under 10 KB)", async () => {
  const size = (await Deno.stat(`${ROOT}README.md`)).size;
  assert(size <= 10 * 1024, `README.md is ${size} bytes`);
});

/**
 * The program's own TypeScript (no tests, benchmarks, examples, generated code or test helpers).
 */
async function sourceFiles(): Promise<string[]> {
  const skip = new Set([
    "node_modules",
    ".git",
    "dist",
    ".tmp",
    "tests",
    "bench",
    "examples",
    "testdata",
    "_testing",
    "gen",
    "demo",
    "tools",
  ]);
  const found: string[] = [];
  async function walk(dir: string) {
    for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
      if (entry.name.startsWith(".") || skip.has(entry.name)) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(rel);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) found.push(rel);
    }
  }
  await walk("");
  return found.sort();
}

/** Source text without comments (doc examples name made-up codes and variables). */
function withoutComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => line.replace(/^\s*\/\/.*$/, ""))
    .join("\n");
}

/** Every match of `pattern`'s first group in the program's source, with a file that uses it. */
async function usedInSource(patterns: RegExp[]): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  for (const file of await sourceFiles()) {
    const text = withoutComments(await Deno.readTextFile(`${ROOT}${file}`));
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        if (!used.has(match[1])) used.set(match[1], file);
      }
    }
  }
  return used;
}

Deno.test("docs: the error-code reference lists exactly ERROR_CODES, with origin and recoverability", async () => {
  const page = await Deno.readTextFile(`${ROOT}${ERROR_CODES_PAGE}`);
  // The table's rows: code, origin, recoverable, meaning.
  const rows = [
    ...page.matchAll(/^\| `((?:USER|SYSTEM):[A-Za-z0-9]+)` *\|([^|]*)\|([^|]*)\|(.*)\|$/gm),
  ]
    .map((m) => [m[1], m[2].trim(), m[3].trim(), m[4].trim()]);
  const expected = Object.entries(ERROR_CODES).map(([code, info]) => [
    code,
    info.origin.toUpperCase(),
    recoverableCell(info),
    meaningCell(info),
  ]);
  assertEquals(rows, expected, "run `deno task gen` to write the table from errors.ts");
  // And every code the program writes is in the table (the type of `code` sees to the throws).
  const used = await usedInSource([/["'`]((?:USER|SYSTEM):[A-Za-z]+)["'`]/g]);
  assert(used.size > 20, `only ${used.size} codes found in the source: is the scan broken?`);
  const listed = new Set(rows.map(([code]) => code));
  assertEquals([...used].filter(([code]) => !listed.has(code)).map(([c, f]) => `${c} (${f})`), []);
});

Deno.test("docs: every environment variable the code reads is in the configuration reference", async () => {
  const page = await Deno.readTextFile(`${ROOT}docs/reference/configuration.md`);
  const documented = new Set([...page.matchAll(/[A-Z_][A-Z0-9_]{2,}/g)].map((m) => m[0]));
  const used = await usedInSource([
    // env.NAME, env?.NAME, env["NAME"], env.get("NAME"), Deno.env.get("NAME")
    /\benv\??\.(?:get\(\s*["'])?([A-Z_][A-Z0-9_]{2,})\b/g,
    /\benv\??\.?\[\s*["']([A-Z_][A-Z0-9_]{2,})["']\s*\]/g,
    // names in lookup tables: "FLYTE_AZURE_CLIENT_ID", "AZURE_STORAGE_SAS_TOKEN", ...
    /["']((?:FLYTE|FLYTESHIM|AZURE|AWS|GOOGLE|GCE|STORAGE_EMULATOR|OPENAI|BATCH_JOB|_F|_U)_[A-Z0-9_]+)["']/g,
  ]);
  assert(used.size > 30, `only ${used.size} variables found in the source: is the scan broken?`);
  const missing = [...used].filter(([name]) => !documented.has(name)).map(([name, file]) =>
    `${name} (${file})`
  );
  assertEquals(missing, [], "document each in docs/reference/configuration.md");
});
