/**
 * The JupyterLite plugin that registers the convlab kernel: kernelspec "convlab" (the name convlab notebooks carry
 * in their metadata, so they open with it), its worker and browser files under <site>/convlab/.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { IKernelClient, IKernelSpecs } from '@jupyterlite/services';
import { ConvlabKernel, LANGUAGE_INFO } from '../kernel/kernel.js';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'convlab-lite:kernel',
  description: 'The convlab browser kernel: TypeScript cells with convlab in a Web Worker',
  autoStart: true,
  requires: [IKernelSpecs, IKernelClient],
  activate: (_app: JupyterFrontEnd, specs: IKernelSpecs, client: IKernelClient) => {
    const base = URLExt.join(PageConfig.getBaseUrl(), 'convlab/');
    const kernels = new Map<string, ConvlabKernel>();
    specs.register({
      spec: {
        name: 'convlab',
        display_name: 'convlab (TypeScript)',
        language: LANGUAGE_INFO.name,
        argv: [],
        resources: {
          'logo-32x32': URLExt.join(base, 'logo-32x32.png'),
          'logo-64x64': URLExt.join(base, 'logo-64x64.png'),
        },
      },
      create: async (options) => {
        const kernel = new ConvlabKernel({
          ...options,
          workerUrl: URLExt.join(base, 'kernel-worker.js'),
          base,
        });
        kernels.set(kernel.id, kernel);
        kernel.disposed.connect(() => kernels.delete(kernel.id));
        return kernel;
      },
    });
    // JupyterLite's kernel client answers an interrupt by cancelling the queued requests only; the running cell
    // is the kernel's to stop, so the client tells ours first.
    const cancelQueued = client.interrupt.bind(client);
    client.interrupt = async (id: string) => {
      kernels.get(id)?.interrupt();
      return cancelQueued(id);
    };
  },
};

export default plugin;
