"""Adapters for Azure services other than Microsoft Graph (Storage queues)."""
