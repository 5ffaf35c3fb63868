"""The connector's own store, shared by every system's assets."""
