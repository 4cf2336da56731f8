-- ME-PG-05: the guide's settings written with ALTER SYSTEM
ALTER SYSTEM SET max_connections = 100;
SELECT pg_reload_conf();
