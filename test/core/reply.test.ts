import { describe, expect, it } from 'vitest';
import { deepFreeze, derivedOncePerFrozen } from '../../src/core/reply.js';

describe('derivedOncePerFrozen', () => {
  it('GIVEN a frozen value THEN it is derived once and the kept result (prepared by keep) is returned again', () => {
    let calls = 0;
    const derive = derivedOncePerFrozen((value: { n: number }) => ({ doubled: (calls++, value.n * 2) }), deepFreeze);
    const frozen = deepFreeze({ n: 2 });
    const first = derive(frozen);
    expect(derive(frozen)).toBe(first);
    expect(first).toEqual({ doubled: 4 });
    expect(Object.isFrozen(first)).toBe(true);
    expect(calls).toBe(1);
    expect(derive(deepFreeze({ n: 3 }))).toEqual({ doubled: 6 });
    expect(calls).toBe(2);
  });

  it('GIVEN an unfrozen value THEN it is derived on every call, sees its changes, and the result is not prepared', () => {
    let calls = 0;
    const derive = derivedOncePerFrozen((value: { n: number }) => ({ doubled: (calls++, value.n * 2) }), deepFreeze);
    const open = { n: 2 };
    expect(derive(open)).toEqual({ doubled: 4 });
    open.n = 5;
    const again = derive(open);
    expect(again).toEqual({ doubled: 10 });
    expect(Object.isFrozen(again)).toBe(false);
    expect(calls).toBe(2);
  });
});
