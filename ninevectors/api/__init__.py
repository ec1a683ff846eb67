"""HTTP routes served beside the Reflex app (health, readiness, downloads, webhooks)."""
