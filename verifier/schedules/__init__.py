"""The three timed views of a deployment (docs/semantics.md#views, views 2-4)."""
