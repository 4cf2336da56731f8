resource "azurerm_linux_virtual_machine_scale_set" "analytics" {
  name                = "analytics-vmss"
  resource_group_name = "marketing-engine"
  location            = "westeurope"
  sku                 = "Standard_E8s_v3"
  instances           = 2
  admin_username      = "analytics"

  admin_ssh_key {
    username   = "analytics"
    public_key = file("~/.ssh/analytics.pub")
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
    disk_size_gb         = 128
  }

  network_interface {
    name    = "analytics"
    primary = true

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/marketing-engine/providers/Microsoft.Network/virtualNetworks/marketing-engine/subnets/analytics"
    }
  }

  tags = {
    Component = "analytics"
  }
}
