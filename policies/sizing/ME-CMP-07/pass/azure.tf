resource "azurerm_linux_virtual_machine" "timescale" {
  count                 = 2
  name                  = "timescale-${count.index}"
  resource_group_name   = "marketing-engine"
  location              = "westeurope"
  zone                  = tostring(count.index + 1)
  size                  = "Standard_E8ds_v5"
  admin_username        = "timescale"
  network_interface_ids = [azurerm_network_interface.timescale[count.index].id]

  admin_ssh_key {
    username   = "timescale"
    public_key = file("~/.ssh/timescale.pub")
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
    disk_size_gb         = 64
  }

  tags = {
    Component = "timescaledb"
  }
}

resource "azurerm_managed_disk" "timescale_data" {
  count                = 2
  name                 = "timescale-data-${count.index}"
  resource_group_name  = "marketing-engine"
  location             = "westeurope"
  zone                 = tostring(count.index + 1)
  storage_account_type = "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = 1024
}

resource "azurerm_virtual_machine_data_disk_attachment" "timescale_data" {
  count              = 2
  managed_disk_id    = azurerm_managed_disk.timescale_data[count.index].id
  virtual_machine_id = azurerm_linux_virtual_machine.timescale[count.index].id
  lun                = 0
  caching            = "ReadOnly"
}
