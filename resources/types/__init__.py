"""One module per group resource type; each defines TYPE (a resources.registry.ResourceType)."""
