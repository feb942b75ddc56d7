# AMFT inference service (onnxruntime-node). Two targets:
#   gpu (default): CUDA 12 + cuDNN 9, FER_DEVICE=cuda (falls back to CPU without a GPU)
#   cpu:           Node 20 on Debian, no CUDA, a much smaller image, for machines without a GPU
# Build:  docker build -f docker/service.Dockerfile -t amft-service .                 (gpu)
#         docker build -f docker/service.Dockerfile --target cpu -t amft-service:cpu .
# Run:    docker run --gpus all -p 8080:8080 amft-service            (bundled default model)
#         docker run -p 8080:8080 amft-service:cpu
#         docker run -p 8080:8080 -v $PWD/my-model:/models/custom -e FER_MODEL_DIR=/models/custom amft-service:cpu
FROM node:20-bookworm-slim AS node

# Install and build on the CPU image; the repository's .npmrc turns every install script off
# (npm 10, which Node 20 ships, and npm 11 alike): sharp's libvips and esbuild come as prebuilt
# optional packages and need none.
FROM node AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.base.json ./
COPY shared/package.json shared/
COPY trainer/package.json trainer/
COPY services/package.json services/
RUN npm ci --workspace services --include-workspace-root --no-audit --no-fund
COPY shared shared
COPY services services
COPY openapi.yaml ./
RUN npx tsc -b shared services && npm prune --omit=dev --workspace services --include-workspace-root

# The GPU build adds onnxruntime-node's CUDA 12 execution provider, which its install script
# fetches: run on purpose here, and only here.
FROM build AS build-gpu
RUN cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install \
 && test -e bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so

FROM node AS cpu
WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app fer
COPY --from=build --chown=fer:fer /app /app
COPY --chown=fer:fer models /models
USER fer
ENV FER_HOST=0.0.0.0 FER_PORT=8080 FER_MODEL_DIR=/models/default FER_DEVICE=cpu
VOLUME ["/models"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["node", "/app/services/dist/server.js"]

FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 AS gpu
ENV DEBIAN_FRONTEND=noninteractive
# Node 20 from the official Node image (no extra package feeds needed).
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN useradd --system --uid 10001 --home-dir /app fer
WORKDIR /app
COPY --from=build-gpu --chown=fer:fer /app /app
COPY --chown=fer:fer models /models
USER fer
ENV FER_HOST=0.0.0.0 FER_PORT=8080 FER_MODEL_DIR=/models/default FER_DEVICE=cuda
VOLUME ["/models"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["node", "/app/services/dist/server.js"]
