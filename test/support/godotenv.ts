/**
 * How `gh secret set -f` reads a dotenv body: a port of github.com/joho/godotenv v1.5.1 `parseBytes` (the version gh
 * uses), for the value forms `export` writes: bare and single-quoted. Double-quoted values (escapes, $VAR
 * expansion) are refused here: `export` must never write them. Each quirk of the original is kept: \r\n becomes
 * \n and "---\n" a line break before parsing; a single-quoted value ends at the first ' not preceded by \, keeps
 * its backslashes, and loses every ' at either end; a bare value ends at the line end, loses a " #comment", is
 * trimmed and has $VAR expanded.
 */
export function godotenvParse(body: string, env: Record<string, string> = {}): Record<string, string> {
  let src = body.replaceAll('---\n', '\n').replaceAll('\r\n', '\n');
  const out: Record<string, string> = {};
  for (;;) {
    src = src.replace(/^(\s|#[^\n]*)*/, '');
    if (src === '') return out;
    const key = /^(?:export\s+)?([\p{L}\p{N}_.]+)\s*[=:][ \t\v\f\r]*/u.exec(src);
    if (!key) throw new Error(`unexpected character near ${JSON.stringify(src.slice(0, 20))}`);
    src = src.slice(key[0].length);
    const name = key[1] as string;
    if (src.startsWith('"')) throw new Error(`${name}: double-quoted (expanded by godotenv)`);
    if (src.startsWith("'")) {
      let end = 1;
      while (end < src.length && (src[end] !== "'" || src[end - 1] === '\\')) end++;
      if (end >= src.length) throw new Error(`${name}: unterminated quoted value`);
      out[name] = src.slice(0, end).replace(/^'+/, '').replace(/'+$/, '');
      src = src.slice(end + 1);
      continue;
    }
    const lineEnd = src.search(/[\r\n]/);
    let line = lineEnd === -1 ? src : src.slice(0, lineEnd);
    src = lineEnd === -1 ? '' : src.slice(lineEnd);
    const comment = line.search(/[ \t\v\f\r]#/);
    if (comment !== -1) line = line.slice(0, comment);
    out[name] = line
      .replace(/^[ \t\v\f\r]+|[ \t\v\f\r]+$/g, '')
      .replace(/(\\)?\$(\()?\{?([A-Z0-9_]+)?\}?/g, (match, escaped, paren, variable) =>
        escaped || paren ? match.slice(1) : variable ? (out[variable] ?? env[variable] ?? '') : match,
      );
  }
}
