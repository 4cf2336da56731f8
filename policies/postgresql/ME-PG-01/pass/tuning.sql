-- ME-PG-01: the guide's settings written with ALTER SYSTEM
ALTER SYSTEM SET shared_buffers = '8GB';
ALTER SYSTEM SET effective_cache_size = '24576MB';
ALTER SYSTEM SET maintenance_work_mem = '2GB';
ALTER SYSTEM SET work_mem = '16384kB';
ALTER SYSTEM SET wal_buffers = '16MB';

-- a migration's own session setting: not a server setting
SET work_mem = '256MB';
SELECT pg_reload_conf();
