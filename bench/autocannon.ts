/**
 * autocannon ships no types; its programmatic API is a single promise-returning function. The HTTP benchmarks
 * load it from here, typed with the parts of its result they report.
 */
import { createRequire } from 'node:module';

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

export interface AutocannonOptions {
  url: string;
  [option: string]: unknown;
}

export const autocannon = createRequire(import.meta.url)('autocannon') as (options: AutocannonOptions) => Promise<AutocannonResult>;
