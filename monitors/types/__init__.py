"""One module per monitor resource type; each defines TYPE (a monitors.registry.MonitorType)."""
