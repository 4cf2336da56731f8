# Memorystore persistence is disabled by default: no snapshots at all.
resource "google_redis_instance" "no_snapshots" {
  name           = "no-snapshots"
  memory_size_gb = 16
}

# One snapshot an hour does not cover the guide's 900 s point.
resource "google_redis_cluster" "hourly" {
  name        = "hourly"
  shard_count = 3
  persistence_config {
    mode = "RDB"
    rdb_config {
      rdb_snapshot_period = "ONE_HOUR"
    }
  }
}
