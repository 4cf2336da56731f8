FROM node:20.11.1-alpine
WORKDIR /app
COPY . .
RUN npm ci && npm run build
USER node
CMD ["node", "dist/server.js"]
