# syntax=docker/dockerfile:1
# One image for every Lexbridge service; docker-compose.yml picks the command per service:
#   node apps/poller/dist/main.js | apps/processor/dist/main.js | apps/api/dist/main.js
#   node apps/poller/dist/lexbridge.js <command>    (the operator's command line)
#   node apps/sandbox/dist/main.js                  (the local Lexamica, demo only)
# Node 24 is the current LTS line; bump to the next even major when it becomes LTS.

FROM node:24-bookworm-slim AS build
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
# Manifests first, so the dependency layer is rebuilt only when they change. Every workspace's
# package.json must be listed (test/deploy.test.ts checks it).
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/poller/package.json apps/poller/
COPY apps/processor/package.json apps/processor/
COPY apps/sandbox/package.json apps/sandbox/
COPY packages/lexamica-client/package.json packages/lexamica-client/
COPY packages/shared/package.json packages/shared/
COPY packages/testkit/package.json packages/testkit/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/packages ./packages
COPY --from=build --chown=node:node /app/apps ./apps
# The official image's unprivileged user (uid 1000): the services need no root.
USER node
EXPOSE 3000
CMD ["node", "apps/api/dist/main.js"]
