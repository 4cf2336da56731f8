resource "azurerm_kubernetes_cluster" "marketing_engine" {
  name                = "marketing-engine"
  location            = "westeurope"
  resource_group_name = "marketing-engine"
  dns_prefix          = "marketing-engine"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "workers" {
  name                  = "workers"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.marketing_engine.id
  vm_size               = "Standard_B2s"
  os_disk_size_gb       = 64
  node_count            = 1

  node_labels = {
    tier = "worker"
  }
}
