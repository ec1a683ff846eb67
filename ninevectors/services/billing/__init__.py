"""Billing on Stripe: plans and prices (``plans``), what an organization may do
(``entitlements``), the mirrored subscription (``mirror``), Stripe calls (``stripe_api``,
``checkout``, ``catalog``) and signed webhooks (``webhooks``).

Modules are imported by name (``from ninevectors.services.billing import entitlements``);
this package imports nothing itself, so identity services can ask entitlements without cycles.
"""
