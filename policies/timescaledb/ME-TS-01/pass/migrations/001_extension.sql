-- the extension, the table and its conversion live in separate migrations
CREATE EXTENSION IF NOT EXISTS timescaledb;
