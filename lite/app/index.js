// The application: JupyterLab's plugins, JupyterLite's in-browser services (contents from the site, settings,
// kernels) in place of a server's, the convlab renderer and the convlab kernel; started as JupyterLite starts it:
// the service manager is resolved from the plugins first and handed to the application.
import { JupyterLab } from '@jupyterlab/application';
import { IServiceManager } from '@jupyterlab/services';
import { PluginRegistry } from '@lumino/coreutils';
import renderer from '../../extension/lib/index.js';
import kernel from '../build/plugin.js';
import './style.js';

// JupyterLab's server-backed services, replaced by @jupyterlite/services-extension; the router and tree
// resolver, replaced by JupyterLite's; and plugins that need a server this site does not have.
const DISABLED = new Set([
  '@jupyterlab/application-extension:router',
  '@jupyterlab/application-extension:tree-resolver',
  '@jupyterlab/apputils-extension:announcements',
  '@jupyterlab/apputils-extension:resolver',
  '@jupyterlab/docmanager-extension:download',
  '@jupyterlab/filebrowser-extension:download',
  '@jupyterlab/filebrowser-extension:share-file',
  '@jupyterlab/notebook-extension:language-server',
  '@jupyterlab/notebook-extension:toc',
  '@jupyterlab/services-extension:config-section-manager',
  '@jupyterlab/services-extension:connection-status',
  '@jupyterlab/services-extension:default-drive',
  '@jupyterlab/services-extension:event-manager',
  '@jupyterlab/services-extension:kernel-manager',
  '@jupyterlab/services-extension:kernel-spec-manager',
  '@jupyterlab/services-extension:nbconvert-manager',
  '@jupyterlab/services-extension:session-manager',
  '@jupyterlab/services-extension:setting-manager',
  '@jupyterlab/services-extension:user-manager',
  '@jupyterlab/services-extension:workspace-manager',
  '@jupyterlab/translation:translator',
  '@jupyterlite/application-extension:logo',
  '@jupyterlite/application-extension:lsp-connection-manager',
  '@jupyterlite/application-extension:notify-commands',
  '@jupyterlite/application-extension:service-worker-manager',
]);

function pluginsOf(module) {
  const exports = Object.hasOwn(module, '__esModule') || module.default ? module.default : module;
  return (Array.isArray(exports) ? exports : [exports]).filter((p) => !DISABLED.has(p.id));
}

export async function main() {
  const modules = await Promise.all([
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
    import('@jupyterlab/translation-extension'),
    import('@jupyterlab/ui-components-extension'),
    import('@jupyterlite/application-extension'),
    import('@jupyterlite/apputils-extension'),
    import('@jupyterlite/services-extension'),
  ]);
  const plugins = [...modules.flatMap(pluginsOf), kernel];
  const registry = new PluginRegistry();
  registry.registerPlugins(plugins);
  const serviceManager = await registry.resolveRequiredService(IServiceManager);
  const lab = new JupyterLab({
    pluginRegistry: registry,
    serviceManager,
    mimeExtensions: pluginsOf(renderer),
  });
  lab.name = 'convlab lite';
  await lab.start();
  await lab.restored;
  document.body.dataset.labReady = 'true';
  window.jupyterapp = lab;
}
