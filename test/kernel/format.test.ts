import { describe, expect, it } from 'vitest';
import { format, JUPYTER_DISPLAY } from '../../kernel/format';

describe('format', () => {
  it('shows plain values as util.inspect text', () => {
    expect(format(42)).toEqual({ 'text/plain': '42' });
    expect(format('hi')).toEqual({ 'text/plain': "'hi'" });
    expect(format({ a: [1, 2] })).toEqual({ 'text/plain': '{ a: [ 1, 2 ] }' });
    expect(format(null)).toEqual({ 'text/plain': 'null' });
  });

  it('uses the bundle a value supplies through Symbol.for("Jupyter.display")', () => {
    const payload = { kind: 'tensor', shape: [2], dtype: 'float32' };
    const value = {
      [JUPYTER_DISPLAY]: () => ({
        'application/vnd.convlab.v1+json': payload,
        'image/png': 'iVBORw0KGgo=',
        'text/plain': 'tensor [2]',
      }),
    };
    expect(format(value)).toEqual({
      'application/vnd.convlab.v1+json': payload,
      'image/png': 'iVBORw0KGgo=',
      'text/plain': 'tensor [2]',
    });
  });

  it('is the same symbol other kernels use', () => {
    expect(JUPYTER_DISPLAY).toBe(Symbol.for('Jupyter.display'));
  });

  it('adds text/plain when the supplied bundle has none', () => {
    class Chart {
      [JUPYTER_DISPLAY]() {
        return { 'text/html': '<b>chart</b>' };
      }
    }
    expect(format(new Chart())).toEqual({ 'text/html': '<b>chart</b>', 'text/plain': 'Chart {}' });
  });

  it('base64-encodes binary entries', () => {
    const value = {
      [JUPYTER_DISPLAY]: () => ({ 'image/png': new Uint8Array([137, 80, 78, 71]), 'text/plain': 'p' }),
    };
    expect(format(value)).toEqual({ 'image/png': 'iVBORw==', 'text/plain': 'p' });
  });

  it('falls back to text when the display method throws or returns a non-object', () => {
    const throws = {
      [JUPYTER_DISPLAY]: () => {
        throw new Error('no');
      },
    };
    expect(format(throws)['text/plain']).toMatch(/threw: Error: no$/);
    const bad = { [JUPYTER_DISPLAY]: () => 'not a bundle' };
    expect(Object.keys(format(bad))).toEqual(['text/plain']);
  });
});
