import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { MIME_TYPE } from '../../src/display/contract';
import { renderInto } from './render';

/** The JupyterLab side: a MIME renderer that hands the payload to the same DOM renderers the standalone bundle uses. */

const CLASS_NAME = 'convlab-mime-renderer';

export class ConvlabWidget extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly mimeType: string) {
    super();
    this.addClass(CLASS_NAME);
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    renderInto(this.node, model.data[this.mimeType]);
    return Promise.resolve();
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  // Safe: the renderer runs no payload code and writes payload strings as text only.
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: (options) => new ConvlabWidget(options.mimeType),
};

const extension: IRenderMime.IExtension = {
  id: 'convlab-jupyterlab:renderer',
  description: 'Draws convlab tensors, feature maps, kernels, receptive fields and coverage maps.',
  rendererFactory,
  // Above JupyterLab's image renderer (rank 90), so the interactive picture wins over the PNG fallback.
  rank: 50,
  dataType: 'json',
};

export default extension;
