# JIT Access: the controller and its API, one process (see docs/live.md#packaging).
# Build: docker build -t jit-access .
# Run:   docker run -p 8400:8400 -v $PWD/jit.config.yaml:/etc/jit/jit.config.yaml:ro \
#          -v jit-data:/var/lib/jit -e JIT_SESSION_SECRET_FILE=/run/secrets/session-secret jit-access

# 1. Compile the TypeScript with every dependency.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# 2. The production dependencies only.
FROM node:24-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. The runtime: compiled code, production dependencies, a non-root user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/jit-access
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY package.json ./
RUN mkdir -p /etc/jit /var/lib/jit && chown node:node /var/lib/jit
USER node
# Relative paths in the config (store.sqlite's default .jit/jit.db) land on the volume.
WORKDIR /var/lib/jit
VOLUME ["/var/lib/jit"]
EXPOSE 8400
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8400/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/jit-access/dist/src/cli/main.js"]
CMD ["serve", "--config", "/etc/jit/jit.config.yaml", "--host", "0.0.0.0", "--port", "8400"]
