import { readFileSync } from 'node:fs';
import { parseCsv } from '@metatrain/core';
import { describe, expect, it } from 'vitest';
import { CITIES, HOUSE_PRICES_CSV, makeHousePrices } from '../scripts/make-house-prices';

// Every data file we ship says where it comes from. examples/data/house-prices.csv is
// synthetic: it must be exactly what its generator writes, so that the model described in
// examples/data/README.md is the one the numbers come from.

describe('examples/data/house-prices.csv', () => {
  it('is byte for byte the output of scripts/make-house-prices.ts', () => {
    const committed = readFileSync(HOUSE_PRICES_CSV, 'utf8');
    const generated = makeHousePrices();
    expect(committed === generated, 'examples/data/house-prices.csv differs from its generator: run `pnpm exec tsx scripts/make-house-prices.ts`').toBe(true);
    expect(makeHousePrices()).toBe(generated); // no clock, no Math.random
  });

  it('has the columns and cities the generator documents', () => {
    const table = parseCsv(makeHousePrices());
    expect(table.header).toEqual(['city', 'sqm', 'rooms', 'age', 'price']);
    expect(table.rows).toHaveLength(CITIES.reduce((n, [, rows]) => n + rows, 0));
    for (const [name, rows] of CITIES) expect(table.rows.filter((r) => r[0] === name), name).toHaveLength(rows);
    for (const row of table.rows) for (const value of row.slice(1)) expect(Number.isInteger(Number(value)), row.join(',')).toBe(true);
  });
});
