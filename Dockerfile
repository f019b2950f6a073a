# The ledger service: built in one stage, run from the compiled JavaScript in the next.
#   docker build -t ledger . && docker run -p 3000:3000 -v ledger-data:/data ledger
# Embedded mode keeps its database under /data (LEDGER_DATA_DIR); with DATABASE_URL and KAFKA_BROKERS
# (docker-compose.yml) the image is the same.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) runs below, once the sources are in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 LEDGER_DATA_DIR=/data
# What `npm start` runs with (README, "Memory"): V8's young generation capped at 16 MiB per semi-space, and
# glibc's mmap threshold fixed, so freed large blocks go back to the system. A NODE_OPTIONS of your own
# replaces this one: keep --max-semi-space-size=16 in it.
ENV NODE_OPTIONS=--max-semi-space-size=16 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY assets ./assets
COPY bin ./bin
# Not root: the service runs as `node`, and owns only what it writes (its data directory and reports).
RUN mkdir -p /data /app/reports && chown node:node /data /app/reports && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/cli/main.js", "serve"]
