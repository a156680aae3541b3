// Writes examples/data/house-prices.csv, the synthetic table of examples/house-prices-maml.yaml:
//
//   pnpm exec tsx scripts/make-house-prices.ts
//
// The numbers are made up by the model below (examples/data/README.md describes it), from
// counter-based random streams, so the file is the same bytes on every run and machine;
// test/example-data.test.ts checks that the committed file is this script's output.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from '@metatrain/core';

/** The seed of every stream below; changing it changes the file. */
export const HOUSE_PRICES_SEED = 2026;

/** The cities (tasks) and how many sales each has: unequal, down to 16, as real tables are. */
export const CITIES: ReadonlyArray<readonly [name: string, rows: number]> = [
  ['Amsterdam', 64], ['Barcelona', 56], ['Berlin', 52], ['Dublin', 48], ['Helsinki', 48], ['Lisbon', 44],
  ['London', 40], ['Madrid', 36], ['Paris', 32], ['Prague', 24], ['Vienna', 20], ['Warsaw', 16],
];

/** One city's market: what a task of the example has to adapt to from a few sales. */
export interface CityMarket {
  /** Price per m² of a new 80 m² home with the usual number of rooms (euros). */
  level: number;
  /** Elasticity of price in floor area: price ∝ (sqm / 80)^sizeElasticity. */
  sizeElasticity: number;
  /** Log-price per room beyond the usual sqm / 30. */
  roomPremium: number;
  /** Log-price lost per century of age. */
  ageDiscount: number;
  /** Mean floor area of the homes sold (m²). */
  meanSqm: number;
  /** Ages are uniform in [0, maxAge] years. */
  maxAge: number;
}

/** Noise of log-price around the city's model: about ±10 %. */
const NOISE = 0.1;

/** The market of city `c`, drawn from its own stream. */
export function cityMarket(c: number): CityMarket {
  const rng = new Rng([HOUSE_PRICES_SEED, c, 0]);
  return {
    level: 2000 * Math.exp(rng.uniform(0, Math.log(4.5))), // log-uniform 2,000 … 9,000 €/m²
    sizeElasticity: rng.uniform(0.8, 1.1),
    roomPremium: rng.uniform(0, 0.12),
    ageDiscount: rng.uniform(0.05, 0.4),
    meanSqm: rng.uniform(55, 105),
    maxAge: Math.round(rng.uniform(40, 130)),
  };
}

const clamp = (x: number, low: number, high: number) => Math.min(high, Math.max(low, x));

/** One sale in a city, from its stream: [sqm, rooms, age, price], integers, the price rounded to 1,000 €. */
export function sale(market: CityMarket, rng: Rng): [number, number, number, number] {
  const sqm = Math.round(clamp(market.meanSqm * Math.exp(0.35 * rng.normal()), 20, 250));
  const rooms = Math.round(clamp(sqm / 30 + 0.7 * rng.normal(), 1, 8));
  const age = Math.round(rng.uniform(0, market.maxAge));
  const logPrice =
    Math.log(market.level * 80) +
    market.sizeElasticity * Math.log(sqm / 80) +
    market.roomPremium * (rooms - sqm / 30) -
    market.ageDiscount * (age / 100) +
    NOISE * rng.normal();
  return [sqm, rooms, age, Math.round(Math.exp(logPrice) / 1000) * 1000];
}

/** The whole CSV text: a header, then each city's sales from the stream (seed, city, 1). */
export function makeHousePrices(): string {
  const lines = ['city,sqm,rooms,age,price'];
  CITIES.forEach(([name, rows], c) => {
    const market = cityMarket(c);
    const rng = new Rng([HOUSE_PRICES_SEED, c, 1]);
    for (let i = 0; i < rows; i++) lines.push([name, ...sale(market, rng)].join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** Where the file goes. */
export const HOUSE_PRICES_CSV = fileURLToPath(new URL('../examples/data/house-prices.csv', import.meta.url));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(HOUSE_PRICES_CSV, makeHousePrices());
  process.stdout.write(`wrote ${HOUSE_PRICES_CSV}\n`);
}
