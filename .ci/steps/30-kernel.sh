# The kernel runs from dist/: build src/ and kernel/ once before the tests spawn it.
npm run --silent build
