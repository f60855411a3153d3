import * as L from '../convlab.js';
import { probe } from './probe.js';

try {
  const info = await L.start();
  postMessage({ info, hardwareConcurrency: navigator.hardwareConcurrency, ...probe(L) });
} catch (e) {
  postMessage({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) });
}
