# The in-cluster webhook image: one bundled file on Node's slim runtime, run as a non-root user on a
# read-only root filesystem (the Helm chart sets readOnlyRootFilesystem and mounts /tmp as an emptyDir).
#   docker build -t ghcr.io/albatross-dev/albatross:0.1.0 .
# The reconciler Lambda is built by the same `npm run bundle` and deployed by the CDK app, not from here.

FROM node:20 AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run bundle

FROM node:20-slim
# The SDK reads ~/.aws for profiles; the only writable place at run time is /tmp.
ENV NODE_ENV=production HOME=/tmp
WORKDIR /app
COPY --from=build /src/dist/webhook/webhook.mjs /app/webhook.mjs
# Numeric, so Kubernetes can verify runAsNonRoot without an /etc/passwd entry.
USER 65532:65532
EXPOSE 9443
ENTRYPOINT ["node", "/app/webhook.mjs"]
