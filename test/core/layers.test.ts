/**
 * The layering docs/architecture.md describes, checked on the source: no two folders of src/ import each other
 * (directly or round a loop) at run time, and the core and the commands import no chat SDK.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Imports that exist at run time: `import type` / `export type` are erased, so they cannot form a loop that runs. */
const RUNTIME_IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(RUNTIME_IMPORT)].map((m) => (m[1] ?? m[2])!);
}

/** `src/schedule/wire.ts` → `schedule`; files directly in src/ (main.ts, config.ts) are their own layer. */
function folderOf(file: string): string {
  const path = relative(SRC, file);
  return path.includes('/') ? path.split('/')[0]! : path;
}

const files = sourceFiles(SRC);

describe('layers', () => {
  it('GIVEN every module in src/ THEN no folders import each other round a loop at run time', () => {
    const edges = new Map<string, Map<string, string>>();
    for (const file of files) {
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = normalize(join(dirname(file), specifier));
        const [from, to] = [folderOf(file), folderOf(target)];
        if (from === to) continue;
        const out = edges.get(from) ?? new Map<string, string>();
        if (!out.has(to)) out.set(to, `${relative(SRC, file)} → ${specifier}`);
        edges.set(from, out);
      }
    }
    // A loop exists when some folder reaches itself; report each with the imports that close it.
    const loops: string[] = [];
    for (const start of edges.keys()) {
      const seen = new Set<string>();
      const walk = (folder: string, path: string[]): void => {
        for (const [next, via] of edges.get(folder) ?? []) {
          if (next === start) loops.push([...path, via].join(' ; '));
          else if (!seen.has(next)) {
            seen.add(next);
            walk(next, [...path, via]);
          }
        }
      };
      walk(start, []);
    }
    expect(loops.slice(0, 5)).toEqual([]);
  });

  it('GIVEN the core and the commands THEN they import no chat SDK (adapters translate)', () => {
    const sdk = /^(@slack\/|discord\.js$|@discordjs\/)/;
    const offenders = files
      .filter((f) => ['core', 'commands'].includes(folderOf(f)))
      .flatMap((f) => readFileSync(f, 'utf8').match(/from\s+'([^']+)'/g)?.map((m) => [relative(SRC, f), m.slice(6, -1)] as const) ?? [])
      .filter(([, specifier]) => sdk.test(specifier));
    expect(offenders).toEqual([]);
  });
});
