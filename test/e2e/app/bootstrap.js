// Entry point. Loads the prebuilt extensions listed in the page config (`federated_extensions`, filled in by
// jupyterlab_server from the labextensions folders) into the shared scope first, and only then imports the
// application, so that every shared package is settled before anything uses it.

/* global __webpack_init_sharing__, __webpack_share_scopes__ */

function pageOption(name) {
  const node = document.getElementById('jupyter-config-data');
  const config = node ? JSON.parse(node.textContent || '{}') : {};
  return config[name] || '';
}

__webpack_public_path__ = `${pageOption('fullStaticUrl')}/`;

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onerror = reject;
    script.onload = resolve;
    script.async = true;
    script.src = url;
    document.head.appendChild(script);
  });
}

async function loadFederated(ext) {
  await loadScript(`${pageOption('fullLabextensionsUrl')}/${ext.name}/${ext.load}`);
  await __webpack_init_sharing__('default');
  await window._JUPYTERLAB[ext.name].init(__webpack_share_scopes__.default);
}

(async () => {
  window._JUPYTERLAB = window._JUPYTERLAB || {};
  const federated = pageOption('federated_extensions') || [];
  const loaded = await Promise.allSettled(federated.map(loadFederated));
  for (const r of loaded) if (r.status === 'rejected') console.error('extension failed to load', r.reason);
  const { main } = await import('./index.js');
  await main(federated);
})();
