// Builds a JupyterLab 4 frontend from the @jupyterlab packages listed in package.json, the way JupyterLab's own
// application is built: a Module Federation host whose share scope offers the core packages as singletons, so a
// prebuilt extension found in a labextensions folder loads into it exactly as it would into an installed JupyterLab.
// package.json pins @jupyter/web-components, @jupyter/react-components and the @microsoft/fast-* packages under it
// (npm overrides): with the newest fast-foundation, switching the theme sends the design tokens into an endless
// update loop ("Maximum call stack size exceeded") and the page freezes.
const fs = require('node:fs');
const path = require('node:path');
const webpack = require('webpack');
const { merge } = require('webpack-merge');
const { Build } = require('@jupyterlab/builder');
const baseConfig = require('@jupyterlab/builder/lib/webpack.config.base');

const data = require('./package.json');
const out = path.resolve(__dirname, 'build');
fs.rmSync(out, { recursive: true, force: true });

// Settings schemas and theme CSS of the extensions, copied where LabServerApp serves them from.
const assets = Build.ensureAssets({ packageNames: data.jupyterlab.extensions, output: out });

// Every core singleton this application carries goes into the share scope with its installed version; packages a
// prebuilt extension imports then resolve to these very instances instead of second copies.
const shared = {};
for (const name of [...data.jupyterlab.singletonPackages, ...Object.keys(data.dependencies)]) {
  let version;
  try {
    version = require(`${name}/package.json`).version;
  } catch {
    continue; // a singleton of full JupyterLab that this smaller application does not include
  }
  shared[name] = {
    singleton: data.jupyterlab.singletonPackages.includes(name),
    requiredVersion: `^${version}`,
  };
}

module.exports = [
  merge(baseConfig, {
    mode: 'production',
    devtool: false,
    entry: ['./bootstrap.js'],
    output: { path: out, filename: 'bundle.js', publicPath: 'auto' },
    performance: { hints: false },
    optimization: { minimize: false },
    plugins: [
      new webpack.container.ModuleFederationPlugin({
        library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
        name: 'CORE_FEDERATION',
        shared,
      }),
    ],
  }),
].concat(assets);
