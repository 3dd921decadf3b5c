# syntax=docker/dockerfile:1
# Multi-stage on the current Node LTS (24): build with dev dependencies, install production
# dependencies in a stage of their own, run as a non-root user with only what runs (no embedded
# PostgreSQL: set DATABASE_URL). The steps are in scripts/docker-build-steps.sh, which CI also runs
# (there is no Docker daemon there). Works with BuildKit and the classic builder.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN sh scripts/docker-build-steps.sh build

FROM node:24-bookworm-slim AS install
COPY --from=build /app /build
RUN sh /build/scripts/docker-build-steps.sh runtime /build /app

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data SCARF_ANALYTICS=false
WORKDIR /app
# Owned by root and read-only to the app; only /data is writable.
COPY --from=install /app /app
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["sh", "scripts/docker-build-steps.sh", "start"]
