"""Delivery: folder builds, the inbox watcher and email, above the pipeline."""
