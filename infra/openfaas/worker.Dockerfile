# The s3od queue worker (infra/openfaas/queue-worker.ts). Build context: infra/openfaas, after
#   npx tsx infra/openfaas/build.ts
#   docker build -f worker.Dockerfile -t registry.example.org/s3od/queue-worker:0.1.0 .
FROM node:20-alpine
WORKDIR /app
COPY build/queue-worker/ ./
USER node
ENV NODE_OPTIONS=--enable-source-maps
CMD ["node", "worker.cjs"]
