// Builds the site's JupyterLab into lite/dist/app (a site's build/ folder): one application bundle with every
// plugin compiled in (no prebuilt extensions to load, so no Module Federation), plus the settings schemas and
// theme stylesheets of those plugins, which @jupyterlab/builder copies (schemas/, themes/).
const fs = require('node:fs');
const path = require('node:path');
const { merge } = require('webpack-merge');
const { Build } = require('@jupyterlab/builder');
const baseConfig = require('@jupyterlab/builder/lib/webpack.config.base');

const lite = path.resolve(__dirname, '..');
const out = path.join(lite, 'dist/app');
fs.rmSync(out, { recursive: true, force: true });

const data = require('../package.json');
const extensions = Object.keys(data.dependencies).filter((n) => /-extension$/.test(n));
const assets = Build.ensureAssets({ packageNames: extensions, output: out });

module.exports = [
  merge(baseConfig, {
    mode: 'production',
    devtool: false,
    entry: [path.join(__dirname, 'bootstrap.js')],
    output: {
      path: out,
      filename: 'bundle.js',
      chunkFilename: '[name].[contenthash].js',
      publicPath: 'auto',
    },
    // The renderer (extension/lib) imports @jupyterlab and @lumino packages: the ones of this application.
    resolve: { modules: [path.join(lite, 'node_modules'), 'node_modules'] },
    performance: { hints: false },
    optimization: { minimize: true },
  }),
].concat(assets);
