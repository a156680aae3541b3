import { describe, expect, it } from 'vitest';
import { compareCodeUnits, heldOutCount, nameKey, pickHeldOut } from './hold-out';

describe('hold-out helpers', () => {
  it('keeps at least one item on each side', () => {
    expect([0, 1, 2, 5, 10, 12].map((n) => heldOutCount(n, 0.2))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(heldOutCount(4, 0.99)).toBe(3);
  });

  it('picks the same subset whatever the input order, sorted', () => {
    const names = Array.from({ length: 20 }, (_, i) => `group${i}`);
    const picked = pickHeldOut(names, 0.25);
    expect(picked).toHaveLength(5);
    expect(picked).toEqual([...picked].sort(compareCodeUnits));
    expect(pickHeldOut([...names].reverse(), 0.25)).toEqual(picked);
    expect(pickHeldOut(names, 0.25, [nameKey('other')])).not.toEqual(picked);
  });

  it('hashes names stably and sorts by code unit, not locale', () => {
    expect(nameKey('Latin')).toBe(nameKey('Latin'));
    expect(nameKey('Latin')).not.toBe(nameKey('Greek'));
    expect(nameKey('')).toBe(0x811c9dc5);
    expect(['b', 'B', 'a', 'Á'].sort(compareCodeUnits)).toEqual(['B', 'a', 'b', 'Á']);
  });
});
