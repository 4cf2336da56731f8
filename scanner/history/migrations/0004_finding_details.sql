-- version 4: what a report shows of a finding beyond its verdict: the declared, live and required values and the
-- fixes both ways (to the cloud, to the IaC), as one JSON object; NULL for runs stored before.
ALTER TABLE findings ADD COLUMN details TEXT;
