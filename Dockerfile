# The ledger service. No build step: tsx runs the TypeScript directly.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY migrations ./migrations
COPY assets ./assets
COPY tsconfig.json drizzle.config.ts ./
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
EXPOSE 3000
USER node
CMD ["node", "--import", "tsx", "src/cli/main.ts", "serve"]
