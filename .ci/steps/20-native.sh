# The native addon: npm ci's install script builds it too, but a failure there is silent by design; here it is not.
node native/build.mjs
test -f native/build/Release/convlab.node || { echo "20-native: native/build/Release/convlab.node was not built"; exit 1; }
