# AMFT inference service with onnxruntime-node on CUDA 12 (falls back to CPU without a GPU).
# Build:  docker build -f docker/service.Dockerfile -t amft-service .
# Run:    docker run --gpus all -p 8080:8080 amft-service            (bundled default model)
#         docker run --gpus all -p 8080:8080 -v $PWD/my-model:/models/custom \
#           -e FER_MODEL_DIR=/models/custom amft-service
FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 AS base
ENV DEBIAN_FRONTEND=noninteractive
# Node 20 from the official Node image (no extra package feeds needed).
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=node:20-bookworm-slim /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx

FROM base AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY shared/package.json shared/
COPY trainer/package.json trainer/
COPY services/package.json services/
RUN npm ci --workspace services --include-workspace-root --no-audit --no-fund
# onnxruntime-node's install script is denied in package.json (allowScripts) for CPU-only
# machines; here it runs on purpose to fetch the CUDA 12 execution provider.
RUN cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install
COPY shared shared
COPY services services
COPY openapi.yaml ./
RUN npx tsc -b shared services && npm prune --omit=dev --workspace services --include-workspace-root

FROM base
RUN useradd --system --uid 10001 --home-dir /app fer
WORKDIR /app
COPY --from=build --chown=fer:fer /app /app
COPY --chown=fer:fer models /models
USER fer
ENV FER_HOST=0.0.0.0 FER_PORT=8080 FER_MODEL_DIR=/models/default FER_DEVICE=cuda
VOLUME ["/models"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["node", "/app/services/dist/server.js"]
