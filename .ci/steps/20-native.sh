# The native addon: npm ci's prepare builds it, but a failure there is only reported (convlab then runs on wasm);
# here it fails the run.
test -f native/build/Release/convlab.node || { echo "20-native: native/build/Release/convlab.node was not built"; exit 1; }
