// Download progress for the CLI: a bar redrawn in place on a terminal, a few plain lines
// otherwise (logs, CI). It wraps a Storage, so any download an executor makes is reported.
import type { DownloadOptions, Storage } from "../storage/mod.ts";

/** Options of {@linkcode withProgress}. */
export interface ProgressOptions {
  /** Where progress goes. */
  write: (text: string) => void;
  /** Draw a bar redrawn in place (a terminal) rather than plain lines. */
  tty: boolean;
  /** Downloads smaller than this (bytes) are not reported. @default {1048576} */
  minBytes?: number;
  /** Terminal width for the bar. @default {80} */
  columns?: number;
  /** The clock, in milliseconds. @default {performance.now} */
  now?: () => number;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function label(uri: string): string {
  const name = uri.replace(/\/+$/, "").split("/").pop() || uri;
  return name.length > 24 ? `${name.slice(0, 21)}...` : name;
}

/** A progress reporter for one download: call it with bytes received and the total. */
export function progressReporter(
  uri: string,
  options: ProgressOptions,
): { update(received: number, total: number | undefined): void; done(): void } {
  const minBytes = options.minBytes ?? 1024 * 1024;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let shown = false;
  let lastDraw = -Infinity;
  let lastStep = -1;
  let received = 0;
  let total: number | undefined;
  const name = label(uri);
  const draw = () => {
    if (options.tty) {
      const width = Math.max(10, (options.columns ?? 80) - name.length - 40);
      const fraction = total ? Math.min(1, received / total) : 0;
      const filled = Math.round(fraction * width);
      const bar = total ? `[${"#".repeat(filled)}${".".repeat(width - filled)}]` : "";
      const pct = total ? `${String(Math.floor(fraction * 100)).padStart(3)}%` : "";
      const amount = total ? `${size(received)} / ${size(total)}` : size(received);
      options.write(`\r\x1b[2K${name} ${bar} ${pct} ${amount}`);
    } else {
      // Plain lines: the start, every quarter, and the end.
      const step = total ? Math.floor((received / total) * 4) : -1;
      if (step === lastStep) return;
      lastStep = step;
      const pct = total ? ` (${Math.floor((received / total) * 100)}%)` : "";
      options.write(
        `Downloading ${uri}: ${size(received)}${total ? ` of ${size(total)}` : ""}${pct}\n`,
      );
    }
  };
  return {
    update(r, t) {
      received = r;
      total = t;
      if (!shown) {
        if ((t ?? r) < minBytes && (t !== undefined || r < minBytes)) return;
        shown = true;
      }
      const at = now();
      if (options.tty && at - lastDraw < 100) return;
      lastDraw = at;
      draw();
    },
    done() {
      if (!shown) return;
      const seconds = ((now() - started) / 1000).toFixed(1);
      if (options.tty) {
        total ??= received;
        draw();
        options.write(` in ${seconds} s\n`);
      } else {
        options.write(`Downloaded ${uri}: ${size(received)} in ${seconds} s\n`);
      }
    },
  };
}

/**
 * Wraps a storage so that every download (and folder download) reports its progress.
 *
 * @example Plain lines for a large local file
 * ```ts
 * import { withProgress } from "./progress.ts";
 * import { createStorage } from "../storage/mod.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/big.db`, new Uint8Array(2 * 1024 * 1024));
 * const lines: string[] = [];
 * const storage = withProgress(createStorage(), { write: (t) => lines.push(t), tty: false });
 * await storage.download(`${dir}/big.db`, `${dir}/copy.db`);
 * assertStringIncludes(lines.at(-1) ?? "", "Downloaded");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function withProgress(storage: Storage, options: ProgressOptions): Storage {
  const download = async (uri: string, path: string, o?: DownloadOptions) => {
    const reporter = progressReporter(uri, options);
    await storage.download(uri, path, {
      ...o,
      onProgress: (received, total) => {
        reporter.update(received, total);
        o?.onProgress?.(received, total);
      },
    });
    reporter.done();
  };
  return { ...storage, download };
}
