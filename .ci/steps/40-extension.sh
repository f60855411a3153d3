# Builds the JupyterLab renderer (extension/: lib, prebuilt labextension, standalone bundle) and the JupyterLab 4
# frontend of its browser test (test/e2e/app). Both are separate npm packages with their own lockfiles; their build
# outputs are not committed, so this step makes them. Sourced by .ci/run from the repository root.
(
  set -euo pipefail
  started=$SECONDS
  cd extension
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent typecheck
  npm run --silent build >/dev/null
  cd ../test/e2e/app
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent build >/dev/null
  echo "extension and e2e JupyterLab built in $((SECONDS - started)) s"
)
