# Tollgate API and worker image (one image, two commands). Used by docker-compose.yml.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# production refuses sandbox gateways, development secrets and short admin keys at start;
# development (npm start, npm test) is only ever asked for explicitly.
ENV NODE_ENV=production TOLLGATE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Not config/gateways.yaml: it is the development file (sandbox gateways). Mount your own and
# point TOLLGATE_GATEWAYS_FILE at it; config/gateways.example.yaml is a production starting point.
COPY config/statements.yaml config/gateways.example.yaml ./config/
# The built-in e-mail templates (src/notifications/render.ts); EMAIL_TEMPLATES_DIR replaces any of them.
COPY templates ./templates
USER node
EXPOSE 3000
# docker-compose.yml picks the process: dist/api/main.js, dist/worker/main.js or dist/cli/main.js migrate
CMD ["node", "dist/api/main.js"]
