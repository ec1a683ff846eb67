"""Business logic, framework-free: nothing here imports Reflex."""
