FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY adapters ./adapters
COPY bin ./bin
USER node
EXPOSE 3000
# tsx runs the TypeScript sources directly; the same entry point serves every role (PARLEY_ROLE).
CMD ["node", "--import", "tsx", "src/app/main.ts"]
