resource "aws_instance" "timescaledb" {
  count         = 2
  ami           = "ami-0abcdef1234567890"
  instance_type = "m6i.2xlarge"

  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 1024
  }

  tags = {
    Component = "timescaledb"
  }
}

resource "google_compute_instance" "timescale" {
  name         = "timescale-0"
  machine_type = "n2-highmem-8"
  zone         = "us-central1-a"

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
      size  = 1024
      type  = "pd-ssd"
    }
  }

  network_interface {
    network = "default"
  }
}
