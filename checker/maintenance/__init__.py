"""Maintenance waves and self-service plans: what Azure's planned maintenance does to each
workload (``simulate``), and a safe order for the self-service redeploy window (``plan``).

Pure functions of a scan's inventory (and, for a plan's costs, its findings); the commands
``maintcheck simulate`` and ``maintcheck plan`` (``checker/commands/``) call the one engine and
render with :mod:`checker.maintenance.formats`.
"""
