-- ME-PG-02: the guide's settings written with ALTER SYSTEM
ALTER SYSTEM SET checkpoint_completion_target = 0.9;
ALTER SYSTEM SET min_wal_size = '2GB';
ALTER SYSTEM SET max_wal_size = '8192MB';
SELECT pg_reload_conf();
