# twin's image, for the Indexed Jobs of `twin export job` (README, "Every core, and past one
# machine"). node-image/twin/build.sh builds the same image offline (as twin.local/twin:<version>),
# from a Debian rootfs and this machine's Node.js, for the project's own tests.
#   docker build -t registry.example.com/twin:0.1.0 . && docker push registry.example.com/twin:0.1.0
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && npm pack --silent

FROM node:20-bookworm-slim
COPY --from=build /src/twin-*.tgz /src/package-lock.json /tmp/
# The production dependencies as package-lock.json pins them; no scripts (the package is built).
RUN mkdir -p /usr/local/lib/twin \
  && tar -xzf /tmp/twin-*.tgz --strip-components=1 -C /usr/local/lib/twin \
  && cp /tmp/package-lock.json /usr/local/lib/twin/ \
  && cd /usr/local/lib/twin && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force && rm /tmp/twin-*.tgz /tmp/package-lock.json \
  && ln -s ../lib/twin/bin/twin.js /usr/local/bin/twin
WORKDIR /work
ENTRYPOINT ["twin"]
