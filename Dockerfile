# credproxy container image.
#
#   docker build -t credproxy .
#   docker run --rm -v "$PWD/config.yaml:/credproxy/config.yaml:ro" credproxy --validate-only
#
# test/packaging/image.test.ts replays this file without a Docker engine (every stage, in
# temporary directories) and takes the entrypoint and health check from it, so keep the RUN
# lines to the npm commands and user set-up that test understands.

# An exact release of the Node 24 LTS line, so a rebuild gets the same Node. A tag can still be
# re-pushed (a Debian security update); pin the digest too, node:24.14.0-bookworm-slim@sha256:...,
# from `docker buildx imagetools inspect` where you build. Bump it with docker-compose.yaml's
# secrets-init, which uses the same image.
ARG NODE_IMAGE=node:24.14.0-bookworm-slim

# --- build: the full dependency tree and the TypeScript compiler ---------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No dependency needs an install script to compile (esbuild's only checks its binary).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build generates the schema validators from it (dist/standaloneValidators.cjs)
# with the generator in tooling/build.
COPY schema ./schema
COPY tooling/build ./tooling/build
RUN npm run build

# --- deps: production dependencies only, from the same lockfile -----------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime -------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="credproxy" \
      org.opencontainers.image.description="Assumes one IAM role per workload and serves the credentials on the ECS container credential endpoint." \
      org.opencontainers.image.licenses="MPL-2.0"

# uid/gid 1338 as in the original image, so existing volume permissions keep working. No home
# directory is created: the root filesystem may be read-only; mount ~/.aws at
# /home/credproxy/.aws for iam_profile.
# The base image's package managers go: the runtime needs node alone, and npm, npx, corepack
# and yarn would only widen what an attacker who gets code execution can fetch and run.
RUN groupadd --system --gid 1338 credproxy \
 && useradd --system --uid 1338 --gid 1338 --home-dir /home/credproxy --no-create-home \
      --shell /usr/sbin/nologin credproxy \
 && mkdir -p /credproxy/dynamic \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v*

# MALLOC_ARENA_MAX: glibc's per-thread arenas hold freed memory; two are plenty for one event
# loop and a few libuv threads (docs/benchmarks.md, figure 4).
ENV NODE_ENV=production \
    HOME=/home/credproxy \
    CREDPROXY_CONFIG_FILE=/credproxy/config.yaml \
    MALLOC_ARENA_MAX=2

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY schema ./schema
COPY tooling/healthcheck.mjs ./healthcheck.mjs

USER 1338:1338
# 1338: the credential endpoint. 9090: Prometheus metrics (both bind 127.0.0.1 by default).
EXPOSE 1338 9090

# Plain node, no curl: GET http://127.0.0.1:1338/health with a timeout, exit 0 on 200.
# Set CREDPROXY_HEALTHCHECK_URL when server.port is not 1338.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]

# Exec form: node is PID 1 and receives SIGTERM itself; credproxy drains and exits 0 on it.
# Arguments to `docker run IMAGE ...` replace CMD only, so `docker run IMAGE --validate-only`
# validates /credproxy/config.yaml (CREDPROXY_CONFIG_FILE).
# --max-semi-space-size=2: priming many services grows V8's young generation to 32 MB, which
# then stays resident; 2 MB semi-spaces keep RSS about 25 MB lower at 1,000 services with no
# measurable cost on the hot path (docs/benchmarks.md, figure 4).
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/main.js"]
CMD ["--config", "/credproxy/config.yaml"]
