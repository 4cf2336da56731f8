"""The guide's GCP deployment (examples/marketing-engine/gcp/main.tf, plus the firewall rule the tests add) as
the REST APIs describe it once applied, and the ways it drifts."""

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
        "redis": [],
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
