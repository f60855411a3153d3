# The browser side (lite/, its own npm package: JupyterLab, JupyterLite, the kernel's compiler): installed and built
# here when npm ci did not (lite/dist, the site's application in lite/dist/app), then type-checked.
if [ ! -f lite/dist/app/bundle.js ] || [ ! -f lite/dist/kernel-worker.js ] || [ ! -f lite/dist/kernel-types.json ]; then
  (cd lite && npm ci --no-audit --no-fund --loglevel=error)
  node lite/build.mjs
fi
npm run --silent typecheck --prefix lite
# The browser test runs every notebook in Chromium here (15 to 25 minutes on two cores), not only its quick subset:
# the site must run all the tutorials and experiments.
export CONVLAB_LITE_NOTEBOOKS="${CONVLAB_LITE_NOTEBOOKS:-all}"
