import { renderInto, type RenderResult } from './render';

/**
 * The renderers without JupyterLab, for static pages (`convlab run` embeds this bundle in its HTML output):
 *   convlabRender(element, payload) draws one `application/vnd.convlab.v1+json` payload into element.
 */
export function convlabRender(element: HTMLElement, payload: unknown): RenderResult {
  return renderInto(element, payload);
}

(globalThis as { convlabRender?: typeof convlabRender }).convlabRender = convlabRender;
