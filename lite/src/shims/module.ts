/**
 * node:module for the browser build. The library requires one package at run time, `mnist` (the digits); here it
 * is read from data/digits/<d>.json, the same files the package ships, so the digits are identical in both places.
 */
import { fetchDataSync } from './data.js';

interface Digit {
  length: number;
  get(i: number): number[];
}

const SIZE = 28 * 28;
let digits: Digit[] | null = null;

function loadMnist(): Digit[] {
  digits ??= Array.from({ length: 10 }, (_, d) => {
    const raw = JSON.parse(new TextDecoder().decode(fetchDataSync(`digits/${d}.json`))).data as number[];
    return { length: (raw.length / SIZE) | 0, get: (i: number) => raw.slice(i * SIZE, (i + 1) * SIZE) };
  });
  return digits;
}

export function createRequire(_from: string | URL): (name: string) => unknown {
  return (name) => {
    if (name === 'mnist') return loadMnist();
    throw new Error(`require: '${name}' is not available in convlab's browser build`);
  };
}

export default { createRequire };
