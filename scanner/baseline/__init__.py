"""Environment baselines (``baselines/<env>.yaml``): expected inventory and accepted findings."""
