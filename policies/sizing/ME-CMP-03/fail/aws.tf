resource "aws_launch_template" "analytics" {
  name_prefix   = "analytics-"
  image_id      = "ami-0abcdef1234567890"
  instance_type = "m6i.xlarge"

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size = 50
      volume_type = "gp3"
    }
  }
}

resource "aws_autoscaling_group" "analytics" {
  name                = "analytics"
  min_size            = 1
  max_size            = 2
  vpc_zone_identifier = ["subnet-0a1b2c3d4e5f60001"]

  launch_template {
    id      = aws_launch_template.analytics.id
    version = "$Latest"
  }
}
