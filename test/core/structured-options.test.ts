/**
 * Structured options (Discord) get the typed line's checks (src/core/parse.ts checkStructuredOptions): every
 * string, inside arrays and nested objects too, free of control and text-direction characters, and 500
 * characters (code points) in total at most.
 */
import { describe, expect, it } from 'vitest';
import { checkStructuredOptions, MAX_INPUT_CHARS } from '../../src/core/parse.js';

describe('checkStructuredOptions', () => {
  it('GIVEN plain options THEN no problem, whatever their types', () => {
    expect(checkStructuredOptions({ company: 'alibaba' })).toBeUndefined();
    expect(checkStructuredOptions({ companies: ['meta', 'amazon'], year: 2025, all: true, none: null })).toBeUndefined();
    expect(checkStructuredOptions({})).toBeUndefined();
  });

  it('GIVEN a control or text-direction character anywhere THEN control_chars', () => {
    expect(checkStructuredOptions({ company: 'abc\u202Eexe' })).toBe('control_chars');
    expect(checkStructuredOptions({ companies: ['meta', 'ama\u0007zon'] })).toBe('control_chars');
    expect(checkStructuredOptions({ nested: { deeper: ['ok', { x: 'bad\u200F' }] } })).toBe('control_chars');
  });

  it('GIVEN strings longer than a typed command in total THEN too_long, counted in code points', () => {
    const half = 'a'.repeat(MAX_INPUT_CHARS / 2);
    expect(checkStructuredOptions({ a: half, b: half })).toBeUndefined();
    expect(checkStructuredOptions({ a: half, b: [half, 'x'] })).toBe('too_long');
    expect(checkStructuredOptions({ a: '😀'.repeat(MAX_INPUT_CHARS) })).toBeUndefined();
    expect(checkStructuredOptions({ a: '😀'.repeat(MAX_INPUT_CHARS + 1) })).toBe('too_long');
  });

  it('GIVEN inherited properties THEN only the options\' own values are read', () => {
    const options = Object.create({ inherited: 'bad\u202E' }) as Record<string, unknown>;
    options.company = 'alibaba';
    expect(checkStructuredOptions(options)).toBeUndefined();
  });
});
