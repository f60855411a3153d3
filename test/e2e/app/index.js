// The application: JupyterLab's own plugins from the packages in package.json, plus the prebuilt extensions that
// bootstrap.js loaded, started the way JupyterLab starts.
import { JupyterLab } from '@jupyterlab/application';
import './style.js';

// The language-server plugins need a language server the test does not run; the news prompt would cover outputs.
const DISABLED = [
  '@jupyterlab/notebook-extension:language-server',
  '@jupyterlab/fileeditor-extension:language-server',
  '@jupyterlab/apputils-extension:announcements',
];

function pluginsOf(module) {
  const exports = Object.hasOwn(module, '__esModule') || module.default ? module.default : module;
  return (Array.isArray(exports) ? exports : [exports]).filter((p) => !DISABLED.includes(p.id));
}

async function federatedModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  return factory();
}

export async function main(federated) {
  const core = await Promise.all([
    import('@jupyterlab/application-extension'),
    import('@jupyterlab/apputils-extension'),
    import('@jupyterlab/codemirror-extension'),
    import('@jupyterlab/completer-extension'),
    import('@jupyterlab/docmanager-extension'),
    import('@jupyterlab/documentsearch-extension'),
    import('@jupyterlab/filebrowser-extension'),
    import('@jupyterlab/launcher-extension'),
    import('@jupyterlab/mainmenu-extension'),
    import('@jupyterlab/markedparser-extension'),
    import('@jupyterlab/metadataform-extension'),
    import('@jupyterlab/notebook-extension'),
    import('@jupyterlab/rendermime-extension'),
    import('@jupyterlab/services-extension'),
    import('@jupyterlab/shortcuts-extension'),
    import('@jupyterlab/statusbar-extension'),
    import('@jupyterlab/theme-dark-extension'),
    import('@jupyterlab/theme-light-extension'),
    import('@jupyterlab/toc-extension'),
    import('@jupyterlab/translation-extension'),
    import('@jupyterlab/ui-components-extension'),
  ]);
  const mimeExtensions = [];
  const plugins = core.flatMap(pluginsOf);
  for (const ext of federated) {
    if (ext.mimeExtension)
      mimeExtensions.push(...pluginsOf(await federatedModule(ext.name, ext.mimeExtension)));
    if (ext.extension) plugins.push(...pluginsOf(await federatedModule(ext.name, ext.extension)));
    if (ext.style) await federatedModule(ext.name, ext.style);
  }
  const lab = new JupyterLab({ mimeExtensions });
  lab.registerPlugins(plugins);
  await lab.start();
  await lab.restored;
  document.body.dataset.labReady = 'true';
  window.jupyterapp = lab;
}
