resource "aws_launch_template" "analytics" {
  name_prefix   = "analytics-"
  image_id      = "ami-0abcdef1234567890"
  instance_type = "r6i.2xlarge"

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size = 100
      volume_type = "gp3"
      encrypted   = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags = {
      Component = "analytics"
    }
  }
}

resource "aws_autoscaling_group" "analytics" {
  name                = "analytics"
  min_size            = 2
  max_size            = 4
  vpc_zone_identifier = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]

  launch_template {
    id      = aws_launch_template.analytics.id
    version = "$Latest"
  }

  tag {
    key                 = "Component"
    value               = "analytics"
    propagate_at_launch = true
  }
}
