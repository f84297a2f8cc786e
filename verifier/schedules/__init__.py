"""The three timed views of a deployment (SPEC section 5, views 2-4)."""
