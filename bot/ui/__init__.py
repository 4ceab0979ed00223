"""Discord rendering shared by the cogs: embeds, views, error replies."""
