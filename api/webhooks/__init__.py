"""Publish webhooks: endpoints (endpoints.py), the event of a release (events.py), the durable queue
beside the release store (queue.py) and the one deliverer (deliver.py); its commands are in api/cli/webhooks.py."""
