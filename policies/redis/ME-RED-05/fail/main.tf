# Persistence is off unless redis_configuration turns it on.
resource "azurerm_redis_cache" "no_aof" {
  name                = "no-aof"
  location            = "westeurope"
  resource_group_name = "rg"
  capacity            = 2
  family              = "P"
  sku_name            = "Premium"
}

# Memorystore persistence is disabled unless persistence_config turns it on, and an instance has
# RDB snapshots only (no append-only file).
resource "google_redis_instance" "rdb_only" {
  name           = "rdb-only"
  memory_size_gb = 16
  persistence_config {
    persistence_mode    = "RDB"
    rdb_snapshot_period = "ONE_HOUR"
  }
}

resource "google_redis_cluster" "no_persistence" {
  name        = "no-persistence"
  shard_count = 3
}
