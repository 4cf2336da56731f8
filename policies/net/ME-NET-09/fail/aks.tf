resource "azurerm_kubernetes_cluster" "kubenet" {
  name                = "kubenet-aks"
  location            = "westeurope"
  resource_group_name = "rg"
  dns_prefix          = "kubenet"

  default_node_pool {
    name       = "default"
    vm_size    = "Standard_DS3_v2"
    node_count = 3
  }
}
