#!/usr/bin/env node
// The documentation's links: every relative link names a file that exists, every `#anchor` a heading of the page
// it points at (as GitHub makes anchors), and every page under docs/ can be reached from README.md by following
// links. Code blocks and code spans are not links. `npm run check` runs this; a directory argument checks another
// tree (the tests use it).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const TOP_LEVEL = ['README.md', 'CHANGELOG.md', 'CONTRIBUTING.md', 'SECURITY.md'];

function pages() {
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs, { recursive: true })
        .filter((file) => file.endsWith('.md'))
        .map((file) => join(docs, file))
    : [];
  return [...TOP_LEVEL.map((file) => join(root, file)).filter((file) => existsSync(file)), ...inDocs];
}

/** The page's lines outside fenced code blocks, with code spans blanked out. */
function prose(text) {
  const lines = [];
  let fence;
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      lines.push('');
    } else if (marker) {
      fence = marker;
      lines.push('');
    } else lines.push(line.replace(/(`+)[^`]*?\1/g, (span) => ' '.repeat(span.length)));
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(file) {
  const seen = new Map();
  const anchors = new Set();
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const outside = prose(text);
  for (const [index, line] of lines.entries()) {
    if (outside[index] === '' && line !== '') continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    for (const [, id] of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
    if (heading === undefined) continue;
    const base = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function linksOf(file) {
  const links = [];
  for (const [index, line] of prose(readFileSync(file, 'utf8')).entries()) {
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: match[1], line: index + 1 });
    }
    for (const match of line.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)) links.push({ target: match[1], line: index + 1 });
  }
  return links;
}

const problems = [];
const reachable = new Map();
const anchorCache = new Map();
const anchors = (file) => {
  if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(file));
  return anchorCache.get(file);
};

for (const file of pages()) {
  const targets = [];
  for (const { target, line } of linksOf(file)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: and the like: not checked offline
    const where = `${relative(root, file)}:${line}`;
    const [path, anchor] = target.split('#');
    const destination = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
    if (!existsSync(destination)) {
      problems.push(`${where}: ${target}: no such file`);
      continue;
    }
    targets.push(destination);
    if (anchor === undefined) continue;
    if (statSync(destination).isDirectory() || !destination.endsWith('.md')) {
      problems.push(`${where}: ${target}: an anchor into something that is not a page`);
    } else if (!anchors(destination).has(decodeURIComponent(anchor))) {
      problems.push(`${where}: ${target}: no heading makes the anchor #${anchor}`);
    }
  }
  reachable.set(file, targets);
}

// Every page under docs/ is found by following links from the README.
const readme = join(root, 'README.md');
const found = new Set([readme]);
const queue = [readme];
while (queue.length > 0) {
  for (const next of reachable.get(queue.shift()) ?? []) {
    if (!found.has(next) && next.endsWith('.md')) {
      found.add(next);
      queue.push(next);
    }
  }
}
for (const file of pages()) {
  if (relative(root, file).startsWith('docs') && !found.has(file)) {
    problems.push(`${relative(root, file)}: no link leads to it from README.md`);
  }
}

if (problems.length > 0) {
  process.stderr.write(`✗ ${problems.length} broken link(s) in the documentation:\n${problems.join('\n')}\n`);
  process.exit(1);
}
