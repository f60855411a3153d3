// Entry point of the site's JupyterLab. The page carries only site-relative settings (a static site may be served
// under any path), so they are made absolute here, before @jupyterlab/coreutils' PageConfig first reads them.
const node = document.getElementById('jupyter-config-data');
const config = JSON.parse(node.textContent || '{}');
for (const key of ['baseUrl', 'fullStaticUrl', 'settingsUrl', 'themesUrl', 'appUrl', 'fullLabextensionsUrl'])
  if (key in config) config[key] = new URL(config[key], document.baseURI).pathname;
node.textContent = JSON.stringify(config);

/* global __webpack_public_path__: writable */
__webpack_public_path__ = `${config.fullStaticUrl}/`;

import('./index.js').then(({ main }) => main());
