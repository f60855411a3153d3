import type { FeatureMapsView, KernelsView, TensorView } from '../../src/display/contract';
import { renderCoverage } from './coverage';
import { el } from './dom';
import { renderFeatureMaps } from './featureMaps';
import { renderKernels } from './kernels';
import { type Checked, checkPayload, type Decoded, PayloadError } from './payload';
import { renderReceptiveField } from './receptiveField';
import { renderTensor } from './tensor';

export interface RenderResult {
  ok: boolean;
  /** Milliseconds from receiving the payload to the last canvas write (decoding included). */
  ms: number;
  error?: string;
}

function build(c: Checked): HTMLElement {
  switch (c.kind) {
    case 'tensor':
      return renderTensor(c.decoded as Decoded<TensorView>);
    case 'feature-maps':
      return renderFeatureMaps(c.decoded as Decoded<FeatureMapsView>);
    case 'kernels':
      return renderKernels(c.decoded as Decoded<KernelsView>);
    case 'receptive-field':
      return renderReceptiveField(c.field);
    case 'coverage':
      return renderCoverage(c.coverage);
  }
}

/** A readable box in place of the picture; the output's other MIME parts still say what it was. */
export function errorBox(message: string): HTMLElement {
  const box = el('div', 'error');
  box.setAttribute('role', 'alert');
  box.append(
    el('div', 'error-title', 'convlab: this output cannot be drawn'),
    el('div', 'error-message', message),
    el(
      'div',
      'error-hint',
      'The payload of application/vnd.convlab.v1+json is malformed, truncated or not from convlab.',
    ),
  );
  return box;
}

/**
 * Draws `payload` into `host`, replacing what was there. Never throws: a bad payload becomes an error box. The
 * host records the kind and the draw time (`data-kind`, `data-draw-ms`) for tests and for curious users.
 */
export function renderInto(host: HTMLElement, payload: unknown): RenderResult {
  const t0 = performance.now();
  host.replaceChildren();
  host.classList.add('convlab-output');
  let result: RenderResult;
  try {
    const checked = checkPayload(payload);
    host.append(build(checked));
    host.dataset.kind = checked.kind;
    result = { ok: true, ms: performance.now() - t0 };
  } catch (e) {
    // Only our own PayloadError carries a message written for readers; anything else is reported by its name.
    const message =
      e instanceof PayloadError
        ? e.message
        : `unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}`;
    host.append(errorBox(message));
    host.dataset.kind = 'error';
    result = { ok: false, ms: performance.now() - t0, error: message };
  }
  host.dataset.drawMs = result.ms.toFixed(2);
  return result;
}
