import { describe, expect, it } from 'vitest';
import { createIdFactory, createRandom } from './random.js';

describe('seeded randomness', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('never fires a rate of 0, always fires a rate of 1, and never picks a zero weight', () => {
    const r = createRandom(3);
    for (let i = 0; i < 1000; i++) {
      expect(r.chance(0)).toBe(false);
      expect(r.chance(1)).toBe(true);
      expect(r.weighted({ never: 0, always: 2 })).toBe('always');
      const n = r.int(5, 9);
      expect(n >= 5 && n <= 9 && Number.isInteger(n)).toBe(true);
    }
  });

  it('makes 24-hex ids that repeat for the same seed and never across epochs', () => {
    const a = createIdFactory(1);
    const b = createIdFactory(1);
    const first = [a.next('event'), a.next('event'), a.next('mapping')];
    expect([b.next('event'), b.next('event'), b.next('mapping')]).toEqual(first);
    expect(first.every((id) => /^[0-9a-f]{24}$/.test(id))).toBe(true);
    expect(new Set(first).size).toBe(3);
    a.newEpoch();
    expect(first).not.toContain(a.next('event'));
  });
});
