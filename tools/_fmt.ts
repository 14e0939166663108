// Text as `deno fmt` formats it, for the generators (gen_idl.ts, gen_error_codes.ts) whose output
// must match the formatted files they write or check.

/**
 * Formats `text` as a file of type `ext` (`ts`, `md`, ...) with `deno fmt`, under the
 * configuration found from `cwd`.
 *
 * @throws {Error} When `deno fmt` refuses the text.
 */
export async function denoFormatted(text: string, ext: string, cwd: string): Promise<string> {
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", ext, "-"],
    cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = fmt.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await fmt.output();
  if (!out.success) throw new Error(`Cannot format: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}
