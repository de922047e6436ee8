/**
 * Precompiles src/**\/*.ts to JavaScript in dist/ (same tree: src/data/loader.ts → dist/data/loader.js), so the
 * bot starts without tsx. Running the TypeScript through tsx's loader cost the start-up about twice the CPU and
 * 30–40 MiB more memory (a second thread compiling and checking its cache; BENCHMARKS.md, issue 18, STARTUP).
 *
 * A stale build never runs: dist/build.json records the modification time and size of every input (each source,
 * tsconfig.json, this file), and bin/capex-bot.js rebuilds before starting whenever one differs, a file was
 * added or removed, or there is no build. `npm install` builds once (the `prepare` script); `node bin/build.js`
 * builds by hand. esbuild (the transpiler tsx itself uses) only strips types, file by file: ~1 s for the whole
tree, ~0.1–0.2 s for the few files an edit changes.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
export const DIST = join(ROOT, 'dist');
const MANIFEST = join(DIST, 'build.json');
const LOCK = join(DIST, '.lock');
/** A lock older than this belongs to a hung build; a build takes ~0.5 s (a few seconds on a loaded machine). */
const STALE_LOCK_MS = 30_000;
/** Besides the sources, what changes the output: the compiler options and this builder. */
const OTHER_INPUTS = ['tsconfig.json', 'bin/build.js'];

/** Every input, as paths relative to the project, with what identifies its version: [mtimeMs, size]. */
function inputs() {
  const sources = readdirSync(SRC, { recursive: true })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join('src', name));
  const stamps = {};
  for (const path of [...sources, ...OTHER_INPUTS].sort()) {
    const { mtimeMs, size } = statSync(join(ROOT, path));
    stamps[path] = [mtimeMs, size];
  }
  return stamps;
}

const sameStamp = (a, b) => a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1];

function sameInputs(a, b) {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => sameStamp(a[key], b[key]));
}

/** The inputs of the build in dist/, or undefined when there is none. */
function lastBuilt() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8')).inputs;
  } catch {
    return undefined;
  }
}

function isFresh(current) {
  const built = lastBuilt();
  return built !== undefined && sameInputs(built, current);
}

/** The sources to compile: those changed since the last build, or all when the compiler options or builder changed. */
function changedSources(current, built) {
  const sources = Object.keys(current).filter((path) => path.startsWith('src/'));
  const same = (path) => sameStamp(built?.[path], current[path]);
  if (!OTHER_INPUTS.every(same)) return sources;
  return sources.filter((path) => !same(path) || !existsSync(outputOf(path)));
}

/** dist/… for src/…: the same tree, .js for .ts. */
const outputOf = (source) => join(DIST, relative(SRC, join(ROOT, source)).replace(/\.ts$/, '.js'));

/** Writes through a temporary file and a rename, so a process importing from dist/ never reads half a file. */
function writeAtomically(file, contents) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Whether the lock was left by a builder that is gone (killed mid-build) or hung; it holds the builder's pid. */
function abandoned() {
  try {
    if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(readFileSync(LOCK, 'utf8'));
    if (!pid) return false; // just created, pid not written yet
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
}

/** One builder at a time (tests start several bots at once); the others wait, then find the build done. */
function withLock(fn) {
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (abandoned()) rmSync(LOCK, { force: true });
      else sleepSync(50);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/**
 * Compiles the sources changed since the last build (all of them with `force`, or when tsconfig.json or this
 * file changed); returns false when nothing needed doing.
 */
export function build({ force = false } = {}) {
  return withLock(() => {
    // Taken before the files are read: a file saved during the build leaves the manifest older than it (rebuilt next time).
    const current = inputs();
    const built = force ? undefined : lastBuilt();
    if (built && sameInputs(built, current)) return false;
    const sources = changedSources(current, built);
    const esbuild = createRequire(import.meta.url)('esbuild');
    const { outputFiles } = sources.length === 0 ? { outputFiles: [] } : esbuild.buildSync({
      absWorkingDir: ROOT,
      entryPoints: sources,
      outbase: 'src',
      outdir: DIST,
      write: false,
      bundle: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Stack traces name dist/…js lines; `node --enable-source-maps` maps them back to src/…ts.
      sourcemap: 'linked',
      logLevel: 'silent',
    });
    for (const file of outputFiles) writeAtomically(file.path, file.contents);
    // Outputs of deleted sources go, so nothing can import a module that no longer exists in src/.
    const expected = new Set(Object.keys(current).filter((path) => path.startsWith('src/')).map(outputOf));
    for (const name of readdirSync(DIST, { recursive: true })) {
      const path = join(DIST, name);
      const output = path.endsWith('.js.map') ? path.slice(0, -'.map'.length) : path;
      if (/\.js(\.map)?$/.test(name) && !expected.has(output)) rmSync(path, { force: true });
    }
    writeAtomically(MANIFEST, `${JSON.stringify({ inputs: current }, null, 1)}\n`);
    return true;
  });
}

/**
 * The URL of dist/cli.js, rebuilt first when a source changed; undefined when it cannot be built (no esbuild,
 * a read-only install), and the caller runs the sources through tsx instead.
 */
export function builtEntry() {
  const entry = join(DIST, 'cli.js');
  try {
    if (!isFresh(inputs()) || !existsSync(entry)) build();
    return pathToFileURL(entry).href;
  } catch (error) {
    process.stderr.write(`capex-bot: could not precompile src/ (${error.message.split('\n')[0]}); running the TypeScript through tsx.\n`);
    return undefined;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  const built = build({ force: process.argv.includes('--force') });
  process.stdout.write(built ? `Built dist/ from src/ in ${Math.round(performance.now() - started)} ms.\n` : 'dist/ is up to date with src/.\n');
}
