"""The guide's GCP deployment (examples/marketing-engine/gcp/main.tf, plus the firewall rule and the edge the tests
add: FIREWALL_TF, EDGE_TF) as the REST APIs describe it once applied, and the ways it drifts."""

from __future__ import annotations

import copy
from typing import Any

PROJECT, REGION = "marketing-prod", "europe-west1"
COMPUTE = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
VPC = f"{COMPUTE}/global/networks/marketing-engine-vpc"
CLUSTER_LINK = f"https://container.googleapis.com/v1/projects/{PROJECT}/locations/{REGION}/clusters/" \
               "marketing-engine-cluster"

# The firewall rule the drift scenarios declare beside the guide's Terraform (the guide has none).
FIREWALL_TF = """
resource "google_compute_firewall" "postgres_internal" {
  name          = "allow-postgres-internal"
  network       = google_compute_network.vpc.name
  direction     = "INGRESS"
  source_ranges = ["10.0.10.0/24"]

  allow {
    protocol = "tcp"
    ports    = ["5432"]
  }
}
"""


# The rest of the deployment the drift scenarios declare beside the guide's Terraform: Cloud NAT, a bastion VM, an
# HTTPS load balancer with Cloud CDN behind a TLS 1.2 SSL policy, an internal forwarding rule, and Memorystore.
EDGE_TF = f"""
resource "google_compute_router" "router" {{
  name    = "marketing-engine-router"
  region  = "{REGION}"
  network = google_compute_network.vpc.id
}}

resource "google_compute_router_nat" "nat" {{
  name                               = "marketing-engine-nat"
  router                             = google_compute_router.router.name
  region                             = "{REGION}"
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"
}}

resource "google_compute_instance" "bastion" {{
  name         = "bastion"
  machine_type = "e2-small"
  zone         = "{REGION}-b"
  boot_disk {{
    initialize_params {{
      image = "debian-cloud/debian-12"
      size  = 20
      type  = "pd-balanced"
    }}
  }}
  network_interface {{
    subnetwork = google_compute_subnetwork.private.id
  }}
  labels = {{ env = "production" }}
}}

resource "google_compute_ssl_policy" "modern" {{
  name            = "modern-tls12"
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}}

resource "google_compute_backend_service" "api" {{
  name       = "api-backend"
  protocol   = "HTTPS"
  enable_cdn = true
  cdn_policy {{
    cache_mode = "CACHE_ALL_STATIC"
  }}
}}

resource "google_compute_url_map" "web" {{
  name            = "web-map"
  default_service = google_compute_backend_service.api.id
}}

resource "google_compute_target_https_proxy" "web" {{
  name             = "web-proxy"
  url_map          = google_compute_url_map.web.id
  ssl_certificates = [google_compute_managed_ssl_certificate.web.id]
  ssl_policy       = google_compute_ssl_policy.modern.id
}}

resource "google_compute_global_forwarding_rule" "web" {{
  name                  = "web-https"
  target                = google_compute_target_https_proxy.web.id
  port_range            = "443"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}}

resource "google_compute_forwarding_rule" "internal" {{
  name                  = "internal-api"
  region                = "{REGION}"
  backend_service       = "projects/{PROJECT}/regions/{REGION}/backendServices/internal-api"
  ports                 = ["8443"]
  load_balancing_scheme = "INTERNAL"
  network               = google_compute_network.vpc.id
}}

resource "google_redis_instance" "cache" {{
  name                    = "marketing-engine-cache"
  tier                    = "STANDARD_HA"
  memory_size_gb          = 5
  region                  = "{REGION}"
  authorized_network      = google_compute_network.vpc.id
  redis_version           = "REDIS_7_0"
  auth_enabled            = true
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  replica_count           = 1
  read_replicas_mode      = "READ_REPLICAS_ENABLED"
  redis_configs           = {{ "maxmemory-policy" = "allkeys-lru" }}
  persistence_config {{
    persistence_mode    = "RDB"
    rdb_snapshot_period = "TWELVE_HOURS"
  }}
  labels = {{ env = "production" }}
}}
"""


def _network(name: str, auto: bool = False) -> dict[str, Any]:
    return {"kind": "compute#network", "id": "5001" if not auto else "5000", "name": name,
            "selfLink": f"{COMPUTE}/global/networks/{name}", "autoCreateSubnetworks": auto,
            "routingConfig": {"routingMode": "REGIONAL"}, "creationTimestamp": "2024-01-01T00:00:00.000-07:00"}


def _firewall(name: str, sources: list[str], ports: list[str], network: str = VPC) -> dict[str, Any]:
    return {"kind": "compute#firewall", "id": "7001", "name": name, "network": network, "priority": 1000,
            "direction": "INGRESS", "sourceRanges": sources, "allowed": [{"IPProtocol": "tcp", "ports": ports}],
            "disabled": False, "selfLink": f"{COMPUTE}/global/firewalls/{name}"}


def _node_pool(machine_type: str = "n1-standard-4") -> dict[str, Any]:
    return {
        "name": "primary-node-pool", "initialNodeCount": 3, "status": "RUNNING", "version": "1.29.4-gke.1043002",
        "selfLink": f"{CLUSTER_LINK}/nodePools/primary-node-pool",
        "config": {"machineType": machine_type, "diskSizeGb": 100, "diskType": "pd-balanced",
                   "oauthScopes": ["https://www.googleapis.com/auth/cloud-platform"],
                   "labels": {"env": "production", "tier": "api"}, "tags": ["marketing-engine", "api"],
                   "imageType": "COS_CONTAINERD"},
        "autoscaling": {"enabled": True, "minNodeCount": 3, "maxNodeCount": 10},
        "management": {"autoUpgrade": True, "autoRepair": True}, "locations": [f"{REGION}-b", f"{REGION}-c"]}


def _cluster(pool: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "marketing-engine-cluster", "location": REGION, "selfLink": CLUSTER_LINK, "status": "RUNNING",
        "network": "marketing-engine-vpc", "subnetwork": "private-subnet", "currentMasterVersion": "1.29.4-gke.1043002",
        "addonsConfig": {"horizontalPodAutoscaling": {}, "httpLoadBalancing": {}, "networkPolicyConfig": {}},
        "ipAllocationPolicy": {"useIpAliases": True, "clusterSecondaryRangeName": "pods",
                               "servicesSecondaryRangeName": "services", "clusterIpv4CidrBlock": "10.1.0.0/16",
                               "servicesIpv4CidrBlock": "10.2.0.0/16"},
        "workloadIdentityConfig": {"workloadPool": f"{PROJECT}.svc.id.goog"},
        "networkConfig": {"network": f"projects/{PROJECT}/global/networks/marketing-engine-vpc",
                          "subnetwork": f"projects/{PROJECT}/regions/{REGION}/subnetworks/private-subnet"},
        "nodePools": [pool]}


def _sql(ipv4: bool = False, pitr: bool = True) -> dict[str, Any]:
    return {
        "kind": "sql#instance", "name": "marketing-engine-postgres", "project": PROJECT, "region": REGION,
        "databaseVersion": "POSTGRES_15", "state": "RUNNABLE", "backendType": "SECOND_GEN",
        "connectionName": f"{PROJECT}:{REGION}:marketing-engine-postgres",
        "selfLink": f"https://sqladmin.googleapis.com/v1/projects/{PROJECT}/instances/marketing-engine-postgres",
        "settings": {
            "tier": "db-custom-8-32768", "availabilityType": "ZONAL", "dataDiskSizeGb": "10", "dataDiskType": "PD_SSD",
            "backupConfiguration": {"enabled": True, "startTime": "03:00", "pointInTimeRecoveryEnabled": pitr,
                                    "transactionLogRetentionDays": 7,
                                    "backupRetentionSettings": {"retainedBackups": 7, "retentionUnit": "COUNT"}},
            "databaseFlags": [{"name": "max_connections", "value": "200"},
                              {"name": "shared_buffers", "value": "8388608"}],
            "ipConfiguration": {"ipv4Enabled": ipv4, "privateNetwork": f"projects/{PROJECT}/global/networks/"
                                                                        "marketing-engine-vpc",
                                "sslMode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED", "requireSsl": False},
            "maintenanceWindow": {"day": 7, "hour": 4, "updateTrack": "stable"},
            "deletionProtectionEnabled": False, "storageAutoResize": True}}


def _subnet() -> dict[str, Any]:
    return {"kind": "compute#subnetwork", "id": "6001", "name": "private-subnet", "network": VPC,
            "ipCidrRange": "10.0.10.0/24", "region": f"{COMPUTE}/regions/{REGION}",
            "selfLink": f"{COMPUTE}/regions/{REGION}/subnetworks/private-subnet",
            "secondaryIpRanges": [{"rangeName": "pods", "ipCidrRange": "10.1.0.0/16"},
                                  {"rangeName": "services", "ipCidrRange": "10.2.0.0/16"}],
            "privateIpGoogleAccess": False}


def _router(nat: bool = True) -> dict[str, Any]:
    nats = [{"name": "marketing-engine-nat", "natIpAllocateOption": "AUTO_ONLY",
             "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
             "logConfig": {"enable": False, "filter": "ALL"}, "enableEndpointIndependentMapping": False}]
    return {"kind": "compute#router", "id": "8001", "name": "marketing-engine-router",
            "region": f"{COMPUTE}/regions/{REGION}", "network": VPC,
            "selfLink": f"{COMPUTE}/regions/{REGION}/routers/marketing-engine-router",
            "creationTimestamp": "2024-01-01T00:00:00.000-07:00", **({"nats": nats} if nat else {})}


def _instance(name: str = "bastion", machine_type: str = "e2-small") -> dict[str, Any]:
    zone = f"{COMPUTE}/zones/{REGION}-b"
    return {"kind": "compute#instance", "id": "9001", "name": name, "zone": zone, "status": "RUNNING",
            "machineType": f"{zone}/machineTypes/{machine_type}", "selfLink": f"{zone}/instances/{name}",
            "disks": [{"boot": True, "deviceName": "persistent-disk-0", "diskSizeGb": "20", "type": "PERSISTENT",
                       "source": f"{zone}/disks/{name}", "mode": "READ_WRITE", "autoDelete": True}],
            "networkInterfaces": [{"name": "nic0", "network": VPC, "networkIP": "10.0.10.2",
                                   "subnetwork": f"{COMPUTE}/regions/{REGION}/subnetworks/private-subnet"}],
            "labels": {"env": "production"}}


def _disk(name: str = "bastion", disk_type: str = "pd-balanced") -> dict[str, Any]:
    zone = f"{COMPUTE}/zones/{REGION}-b"
    return {"kind": "compute#disk", "id": "9002", "name": name, "zone": zone, "sizeGb": "20", "status": "READY",
            "type": f"{zone}/diskTypes/{disk_type}", "selfLink": f"{zone}/disks/{name}",
            "users": [f"{zone}/instances/{name}"]}


def machine_type(name: str, cpus: int, memory_mb: int, zone: str = f"{REGION}-b") -> dict[str, Any]:
    """``machineTypes.get``'s answer (the fake's ``machineTypes`` state; zone as a short name to match)."""
    return {"kind": "compute#machineType", "id": "1000", "name": name, "guestCpus": cpus, "memoryMb": memory_mb,
            "zone": zone, "isSharedCpu": False, "selfLink": f"{COMPUTE}/zones/{zone}/machineTypes/{name}"}


def _ssl_policy(min_tls: str = "TLS_1_2", profile: str = "MODERN") -> dict[str, Any]:
    return {"kind": "compute#sslPolicy", "id": "9101", "name": "modern-tls12", "profile": profile,
            "minTlsVersion": min_tls, "enabledFeatures": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
            "fingerprint": "abc=", "selfLink": f"{COMPUTE}/global/sslPolicies/modern-tls12"}


def _backend(cdn: bool = True) -> dict[str, Any]:
    return {"kind": "compute#backendService", "id": "9201", "name": "api-backend", "protocol": "HTTPS",
            "loadBalancingScheme": "EXTERNAL", "port": 443, "portName": "https", "timeoutSec": 30,
            "selfLink": f"{COMPUTE}/global/backendServices/api-backend",
            **({"enableCDN": True, "cdnPolicy": {"cacheMode": "CACHE_ALL_STATIC", "defaultTtl": 3600}} if cdn
               else {"enableCDN": False})}


def _url_map() -> dict[str, Any]:
    return {"kind": "compute#urlMap", "id": "9301", "name": "web-map",
            "defaultService": f"{COMPUTE}/global/backendServices/api-backend",
            "selfLink": f"{COMPUTE}/global/urlMaps/web-map"}


def _https_proxy() -> dict[str, Any]:
    return {"kind": "compute#targetHttpsProxy", "id": "9401", "name": "web-proxy",
            "urlMap": f"{COMPUTE}/global/urlMaps/web-map",
            "sslCertificates": [f"{COMPUTE}/global/sslCertificates/web"],
            "sslPolicy": f"{COMPUTE}/global/sslPolicies/modern-tls12", "quicOverride": "NONE",
            "selfLink": f"{COMPUTE}/global/targetHttpsProxies/web-proxy"}


def _global_rule() -> dict[str, Any]:
    return {"kind": "compute#forwardingRule", "id": "9501", "name": "web-https", "IPAddress": "34.120.0.10",
            "IPProtocol": "TCP", "portRange": "443-443", "loadBalancingScheme": "EXTERNAL_MANAGED",
            "target": f"{COMPUTE}/global/targetHttpsProxies/web-proxy",
            "selfLink": f"{COMPUTE}/global/forwardingRules/web-https"}


def _regional_rule() -> dict[str, Any]:
    return {"kind": "compute#forwardingRule", "id": "9502", "name": "internal-api", "IPAddress": "10.0.10.20",
            "IPProtocol": "TCP", "ports": ["8443"], "loadBalancingScheme": "INTERNAL", "network": VPC,
            "region": f"{COMPUTE}/regions/{REGION}",
            "backendService": f"{COMPUTE}/regions/{REGION}/backendServices/internal-api",
            "selfLink": f"{COMPUTE}/regions/{REGION}/forwardingRules/internal-api"}


def _redis() -> dict[str, Any]:
    name = f"projects/{PROJECT}/locations/{REGION}/instances/marketing-engine-cache"
    return {"name": name, "locationId": f"{REGION}-b", "alternativeLocationId": f"{REGION}-c",
            "redisVersion": "REDIS_7_0", "host": "10.0.20.3", "port": 6379, "memorySizeGb": 5,
            "tier": "STANDARD_HA", "state": "READY", "replicaCount": 1, "readReplicasMode": "READ_REPLICAS_ENABLED",
            "authorizedNetwork": f"projects/{PROJECT}/global/networks/marketing-engine-vpc",
            "connectMode": "DIRECT_PEERING", "authEnabled": True, "transitEncryptionMode": "SERVER_AUTHENTICATION",
            "redisConfigs": {"maxmemory-policy": "allkeys-lru"},
            "persistenceConfig": {"persistenceMode": "RDB", "rdbSnapshotPeriod": "TWELVE_HOURS"},
            "labels": {"env": "production"}}


def compliant() -> dict[str, list[dict[str, Any]]]:
    """What the Terraform (plus FIREWALL_TF) makes, and what GCP makes by itself (the default network and its
    rules, GKE's own rules)."""
    return {
        "networks": [_network("marketing-engine-vpc"), _network("default", auto=True)],
        "subnetworks": [_subnet()],
        "firewalls": [_firewall("allow-postgres-internal", ["10.0.10.0/24"], ["5432"]),
                      _firewall("default-allow-ssh", ["0.0.0.0/0"], ["22"], f"{COMPUTE}/global/networks/default"),
                      _firewall("gke-marketing-engine-cluster-1a2b3c4d-all", ["10.1.0.0/16"], ["1-65535"])],
        "clusters": [_cluster(_node_pool())],
        "sql": [_sql()],
        "redis": [_redis()],
        "routers": [_router()],
        "instances": [_instance()],
        "disks": [_disk()],
        "machineTypes": [],
        "sslPolicies": [_ssl_policy()],
        "targetHttpsProxies": [_https_proxy()],
        "backendServices": [_backend()],
        "urlMaps": [_url_map()],
        "forwardingRules": [_regional_rule()],
        "globalForwardingRules": [_global_rule()],
    }


def drifted() -> dict[str, list[dict[str, Any]]]:
    """Cloud SQL's public IP switched on and PITR off, the node pool on another machine type, the firewall rule
    opened to the internet, a network nobody declares, and the subnetwork gone."""
    state = copy.deepcopy(compliant())
    state["sql"] = [_sql(ipv4=True, pitr=False)]
    state["clusters"] = [_cluster(_node_pool("e2-standard-2"))]
    state["firewalls"][0] = _firewall("allow-postgres-internal", ["0.0.0.0/0"], ["5432"])
    state["networks"].append(_network("scratch-vpc"))
    state["subnetworks"] = []
    return state


def edge_drifted() -> dict[str, list[dict[str, Any]]]:
    """The SSL policy lowered to TLS 1.0 (COMPATIBLE), Cloud CDN switched off on the backend service, and the
    Cloud NAT removed from the router."""
    state = copy.deepcopy(compliant())
    state["sslPolicies"] = [_ssl_policy("TLS_1_0", "COMPATIBLE")]
    state["backendServices"] = [_backend(cdn=False)]
    state["routers"] = [_router(nat=False)]
    return state
