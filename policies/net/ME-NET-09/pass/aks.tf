resource "azurerm_kubernetes_cluster" "main" {
  name                = "marketing-engine-aks"
  location            = "westeurope"
  resource_group_name = "rg-marketing"
  dns_prefix          = "marketing-engine"

  default_node_pool {
    name                = "apipool"
    vm_size             = "Standard_DS3_v2"
    enable_auto_scaling = true
    min_count           = 3
    max_count           = 10
  }

  network_profile {
    network_plugin = "azure"
    network_policy = "azure"
    service_cidr   = "10.2.0.0/16"
    dns_service_ip = "10.2.0.10"
  }
}
