# AMFT trainer on NVIDIA GPUs.
# @tensorflow/tfjs-node-gpu 4.22 links libtensorflow 2.9.1, built for CUDA 11.2 + cuDNN 8.1.
# Build:  docker build -f docker/trainer.Dockerfile -t amft-trainer .
# Train:  docker run --gpus all -v $PWD/data:/data -v $PWD/runs:/runs amft-trainer \
#           train --data /data/train --val-data /data/val --variant amft --out /runs/amft
FROM nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

ENV DEBIAN_FRONTEND=noninteractive
# Node 20 from the official Node image (no extra package feeds needed).
COPY --from=node:20-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=node:20-bookworm-slim /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s /usr/local/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
# python3/make/g++ for tfjs-node-gpu's binding; fonts so the text of curves.png and
# confusion.png (SVG rendered by sharp's librsvg through fontconfig) is drawn.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
      fontconfig fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.base.json ./
COPY shared/package.json shared/
COPY trainer/package.json trainer/
COPY services/package.json services/
# .npmrc turns install scripts off (onnxruntime-node's would fetch a CUDA 12 provider this
# image has no use for); tfjs-node-gpu's, which downloads libtensorflow (GPU build), runs on
# purpose, and a failed download fails the build.
RUN npm ci --workspace trainer --include-workspace-root --no-audit --no-fund \
 && npm rebuild @tensorflow/tfjs-node-gpu --ignore-scripts=false \
 && test -d node_modules/@tensorflow/tfjs-node-gpu/lib \
 || (echo "@tensorflow/tfjs-node-gpu did not install (its libtensorflow download failed)" >&2; exit 1)
COPY shared shared
COPY services services
COPY trainer trainer
RUN npx tsc -b shared services trainer

VOLUME ["/data", "/runs"]
ENTRYPOINT ["node", "/app/trainer/dist/cli.js"]
CMD ["--help"]
