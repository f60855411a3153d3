/**
 * Where the browser build finds convlab's data (the sample photographs and the digits), and a synchronous read of
 * one file from there. The library's data loaders are synchronous (`sampleImage`, `loadDigits`), as in Node, so
 * the browser reads with a synchronous request: allowed in a Web Worker, where cells run, and (deprecated but
 * working) on a page's main thread. Bytes come through as a 'x-user-defined' text, the one way a synchronous
 * request on a page may return binary data.
 */
let dataUrl: URL | null = null;

/** Set by `start()`: the folder (a URL ending in '/') holding images/ and digits/. */
export function setDataUrl(url: URL): void {
  dataUrl = url;
}

export function getDataUrl(): URL {
  if (dataUrl === null)
    throw new Error('convlab in a browser: call start() before reading data (sample images, digits)');
  return dataUrl;
}

/** GETs `relative` under the data URL; throws naming the file and the status when it is not there. */
export function fetchDataSync(relative: string): Uint8Array {
  const url = new URL(relative, getDataUrl());
  const xhr = new XMLHttpRequest();
  xhr.open('GET', url.href, false);
  xhr.overrideMimeType('text/plain; charset=x-user-defined');
  xhr.send();
  if (xhr.status !== 200) throw new Error(`convlab in a browser: ${url.href} answered ${xhr.status}`);
  const text = xhr.responseText;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
