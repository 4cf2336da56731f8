-- a later migration adds the third index, under another name and concurrently
CREATE INDEX CONCURRENTLY IF NOT EXISTS metrics_by_campaign ON public.metrics USING btree (campaign_id, "time" DESC);
