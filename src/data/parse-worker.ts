/**
 * Validating a new data version off the event loop. The YAML library parses a few hundred KB a second on a
 * busy machine, so a 5 MB file (DATA_MAX_BYTES) would hold every Slack ack, Discord answer and scheduler tick
 * for seconds; a worker thread does the parsing, schema and cross-checks, and the main thread only receives
 * the plain validated data and indexes it. The worker is bounded too: it is terminated after `timeoutMs`, and
 * its heap is capped, so a hostile file costs a refusal, never the process.
 *
 * This module is also the worker's entry point (when started with `capexParse` in its workerData).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DataSet } from './dataset.js';
import { DataFileError, validateDataText, type Validation } from './loader.js';

/** Far above what a 5 MB file takes; a file that needs longer is refused rather than waited for. */
export const PARSE_TIMEOUT_MS = 60_000;
/** The worker's heap: a 5 MB YAML file takes a few hundred MB while parsed. */
const WORKER_HEAP_MB = 768;

interface WorkerSetup {
  capexParse: true;
  entry: string;
  /** tsx's ESM API, when this module is TypeScript source; absent when it runs precompiled from dist/. */
  tsx?: string;
}

interface Job {
  id: number;
  text: string;
  file: string;
}

/**
 * The worker runs this module. From the TypeScript source (tests, or tsx when there is no build) it registers
 * tsx first, since a worker does not inherit the loader its parent registered in code; the precompiled
 * JavaScript in dist/ (bin/build.js, what `npm start` runs) needs no loader.
 */
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(workerData.tsx ? import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.entry); }) : import(workerData.entry))
  .catch((error) => parentPort.postMessage({ boot: error.message }));
`;

/** A started worker is kept this long after its last job (starting one costs about a second of CPU), then ended. */
const IDLE_MS = 60_000;

export interface OffThreadOptions {
  timeoutMs?: number;
}

/** Validates `text` in a worker thread and indexes the result here; DataFileError when it is refused. */
export async function parseDataTextOffThread(text: string, file: string, { timeoutMs = PARSE_TIMEOUT_MS }: OffThreadOptions = {}): Promise<DataSet> {
  const result = await validateInWorker(text, file, timeoutMs);
  if (!result.ok) throw new DataFileError(file, result.problems);
  return new DataSet(result.data);
}

/** tsx's ESM API entry (its `import` export; `require.resolve` would give the CommonJS one). */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const entry = (require('tsx/package.json') as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  return pathToFileURL(join(dirname(manifest), entry)).href;
}

/** One validating thread, started on first use, reused while jobs come, ended when idle or when a job misbehaves. */
class ParseThread {
  private worker: Worker | undefined;
  private idle: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (result: Validation) => void>();

  run(job: Omit<Job, 'id'>, timeoutMs: number): Promise<Validation> {
    const refused = (message: string): Validation => ({ ok: false, problems: [{ file: job.file, message }] });
    const worker = this.start();
    clearTimeout(this.idle);
    // Held while a job runs (a one-shot command may have nothing else keeping the process alive), not while idle.
    worker.ref();
    const id = this.nextId++;
    return new Promise<Validation>((resolve) => {
      const timer = setTimeout(() => {
        // A job over its time: the thread is ended (with anything else it was doing) rather than waited for.
        this.pending.delete(id);
        resolve(refused(`took longer than ${Math.round(timeoutMs / 1000)} s to validate; it was not loaded`));
        this.end(worker, `another data version took longer than ${Math.round(timeoutMs / 1000)} s to validate`);
      }, timeoutMs);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      worker.postMessage({ id, ...job } satisfies Job);
    }).finally(() => {
      if (this.pending.size === 0 && this.worker) {
        this.worker.unref();
        this.idle = setTimeout(() => this.worker && this.end(this.worker, 'idle'), IDLE_MS);
        this.idle.unref();
      }
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const setup: WorkerSetup = { capexParse: true, entry: import.meta.url, ...(import.meta.url.endsWith('.ts') ? { tsx: tsxEsmApi() } : {}) };
    const worker = new Worker(BOOT, { eval: true, workerData: setup, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    worker.on('message', (message: { id?: number; result?: Validation; boot?: string }) => {
      if (message.boot !== undefined) return this.end(worker, `could not be validated (${message.boot})`);
      const resolve = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!resolve || !message.result) return;
      this.pending.delete(message.id!);
      resolve(message.result);
    });
    worker.once('error', (error: Error & { code?: string }) =>
      this.end(worker, error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `needs more than ${WORKER_HEAP_MB} MB to validate; it was not loaded` : `could not be validated (${error.message})`),
    );
    worker.once('exit', (code) => this.end(worker, `could not be validated (the validating thread stopped with code ${code})`));
    this.worker = worker;
    return worker;
  }

  /** Ends the thread; jobs still waiting on it are refused with `why`. */
  private end(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    clearTimeout(this.idle);
    for (const [id, resolve] of this.pending) {
      this.pending.delete(id);
      resolve({ ok: false, problems: [{ file: '', message: why }] });
    }
    void worker.terminate();
  }
}

const thread = new ParseThread();

function validateInWorker(text: string, file: string, timeoutMs: number): Promise<Validation> {
  return thread.run({ text, file }, timeoutMs).then((result) =>
    result.ok ? result : { ok: false, problems: result.problems.map((p) => (p.file === '' ? { ...p, file } : p)) },
  );
}

if (!isMainThread && (workerData as Partial<WorkerSetup> | undefined)?.capexParse) {
  parentPort!.on('message', (job: Job) => parentPort!.postMessage({ id: job.id, result: validateDataText(job.text, job.file) }));
}
