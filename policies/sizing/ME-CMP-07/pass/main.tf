resource "aws_instance" "timescaledb" {
  count         = 2
  ami           = "ami-0abcdef1234567890"
  instance_type = "r6i.2xlarge"

  root_block_device {
    volume_size = 50
    volume_type = "gp3"
  }

  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 1024
    volume_type = "io2"
    iops        = 16000
  }

  tags = {
    Name      = "timescaledb"
    Component = "timescaledb"
  }
}
