# The JupyterLab renderer (extension/, a workspace) is built by npm ci; here its sources are type-checked too.
# The JupyterLab 4 frontend of its browser test (test/e2e/app) is built by .ci/provision.sh.
npm run --silent typecheck -w extension
