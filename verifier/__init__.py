"""rollproof: a model checker for Amazon ECS rolling deployments."""

__version__ = "0.1.0"
