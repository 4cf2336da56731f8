-- the same 90 days, spelled as PostgreSQL also reads it, named argument
SELECT add_retention_policy('public.metrics', drop_after => INTERVAL '3 months', if_not_exists => true);
